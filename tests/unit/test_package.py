"""Package-wide rules: import hygiene, public API, and the error catalogue."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import bookmyshow
from bookmyshow.domain.errors import BookMyShowError

_HEAVY = (
    "sqlalchemy",
    "redis",
    "litestar",
    "elasticsearch",
    "pymongo",
    "jwt",
    "asyncmy",
    "aiosqlite",
)
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _modules() -> list[ModuleType]:
    found = []
    for info in pkgutil.walk_packages(bookmyshow.__path__, prefix="bookmyshow."):
        if info.name == "bookmyshow.adapters.sql.migrations.env":
            continue  # Alembic's environment script: it runs only inside a migration.
        # The shipped contract suite needs pytest, and adapters may need their extras.
        if info.name.startswith(("bookmyshow.adapters.", "bookmyshow.testing")):
            try:
                found.append(importlib.import_module(info.name))
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.split(".")[0] in _HEAVY:
                    continue
                raise
        else:
            found.append(importlib.import_module(info.name))
    return found


def _all_subclasses(cls: type[BookMyShowError]) -> list[type[BookMyShowError]]:
    out: list[type[BookMyShowError]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


def test_bare_import_loads_no_driver_or_framework() -> None:
    """``import bookmyshow`` imports no database driver and no web framework."""
    probe = (
        "import sys, bookmyshow, bookmyshow.domain, bookmyshow.ports; "
        f"print(','.join(m for m in {_HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert out == ""


def test_domain_imports_nothing_outside_domain_but_attrs() -> None:
    """Domain modules import only the standard library, attrs and the domain itself."""
    allowed_third_party = {"attrs", "attr"}
    stdlib = set(sys.stdlib_module_names)
    pattern = re.compile(r"^\s*(?:from|import)\s+([a-zA-Z_][\w.]*)", re.MULTILINE)
    for module in _modules():
        if not module.__name__.startswith("bookmyshow.domain"):
            continue
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        for name in pattern.findall(source):
            top = name.split(".")[0]
            if name.startswith("bookmyshow."):
                assert name.startswith("bookmyshow.domain"), f"{module.__name__} imports {name}"
            elif top not in {"__future__", "bookmyshow"}:
                assert top in stdlib or top in allowed_third_party, f"{module.__name__}: {name}"


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.__name__)
def test_every_module_declares_its_public_api(module: ModuleType) -> None:
    """Every module has an explicit ``__all__`` naming only things it defines or re-exports."""
    names = getattr(module, "__all__", None)
    assert isinstance(names, list | tuple), f"{module.__name__} has no __all__"
    for name in names:
        assert hasattr(module, name), f"{module.__name__}.__all__ names missing {name!r}"


def test_error_codes_are_stable_unique_snake_case() -> None:
    """Every error class has its own snake_case code, so clients can tell them apart."""
    _modules()  # import everything so that every error class is defined
    seen: dict[str, str] = {}
    for cls in _all_subclasses(BookMyShowError):
        if cls.__module__.startswith(("tests.", "test_")):
            continue
        code = cls.__dict__.get("code")
        assert code is not None, f"{cls.__qualname__} does not declare its own code"
        assert _CODE.match(code), f"{cls.__qualname__}.code {code!r} is not snake_case"
        owner = f"{cls.__module__}.{cls.__qualname__}"
        assert seen.setdefault(code, owner) == owner, f"code {code!r}: {seen[code]} and {owner}"


def test_public_errors_have_docstrings() -> None:
    """Every error class says when it is raised."""
    _modules()
    for cls in _all_subclasses(BookMyShowError):
        assert (cls.__doc__ or "").strip(), f"{cls.__qualname__} has no docstring"
