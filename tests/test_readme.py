"""The README's examples run as written and print what the README says they print."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

_README = Path(__file__).parents[1] / "README.md"
# A Python block, optionally followed (after one line of prose) by the text block it prints.
_EXAMPLE = re.compile(r"```python\n(.*?)```\n(?:\n[^\n`]*\n\n```text\n(.*?)```)?", re.DOTALL)
_EXAMPLES = _EXAMPLE.findall(_README.read_text(encoding="utf-8"))


def test_readme_has_an_example_with_its_output() -> None:
    """The README shows at least one runnable Python example together with its output."""
    assert any(output for _, output in _EXAMPLES)


@pytest.mark.parametrize(
    ("source", "output"), _EXAMPLES, ids=[f"block{i}" for i in range(len(_EXAMPLES))]
)
def test_readme_example_runs(source: str, output: str) -> None:
    """Each Python block runs in a fresh interpreter and prints exactly the output shown."""
    result = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    if output:
        assert result.stdout == output
