"""docs/catalog.md's permission table says exactly what the PERMISSIONS table does."""

from __future__ import annotations

import re
from pathlib import Path

from bookmyshow.domain.users import PERMISSIONS, Action, Role, Scope

_DOC = Path(__file__).parents[2] / "docs" / "catalog.md"
_CELLS = {"-": None, "any": Scope.ANY, "own": Scope.OWN, "managed": Scope.MANAGED_THEATER}
_ROLES = (Role.CUSTOMER, Role.THEATER_ADMIN, Role.PLATFORM_ADMIN)


def _documented() -> dict[Action, dict[Role, Scope | None]]:
    table: dict[Action, dict[Role, Scope | None]] = {}
    for line in _DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[1] not in _CELLS:
            continue
        # "manage show, cancel show" names two actions; "(…)" explains, it is not a name.
        for name in re.sub(r"\(.*?\)", "", cells[0]).split(","):
            action = Action(name.strip().replace(" ", "_"))
            table[action] = {role: _CELLS[c] for role, c in zip(_ROLES, cells[1:], strict=True)}
    return table


def test_permission_table_in_docs_matches_the_code() -> None:
    """Every action is documented, with the scope each role really has."""
    actual = {action: {role: PERMISSIONS[action].get(role) for role in _ROLES} for action in Action}
    assert _documented() == actual
