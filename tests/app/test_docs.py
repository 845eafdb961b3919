"""docs/app.md moves with the app: every operation and every setting is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookmyshow.app import APP_ENV, AppConfig, create_app
from bookmyshow.bootstrap import ENV_PREFIX, Settings

_DOC = (Path(__file__).parents[2] / "docs" / "app.md").read_text(encoding="utf-8")


def _operations() -> list[str]:
    app = create_app(AppConfig(settings=Settings(token_secret=b"d" * 32)))
    paths = app.openapi_schema.to_schema()["paths"]
    return [f"{method.upper()} {path}" for path, ops in paths.items() for method in ops]


@pytest.mark.parametrize("operation", _operations())
def test_every_operation_is_in_the_api_table(operation: str) -> None:
    """Each operation of the OpenAPI schema has a row in docs/app.md's API table."""
    assert f"`{operation}`" in _DOC


@pytest.mark.parametrize("name", sorted({*APP_ENV, *Settings.ENV.values()}))
def test_every_variable_is_in_the_configuration_table(name: str) -> None:
    """Each environment variable the app or the library reads is in the configuration table."""
    assert f"`{ENV_PREFIX}{name}`" in _DOC
