"""Routes: admin (to be filled)."""

from __future__ import annotations

from typing import Final

from litestar.types import ControllerRouterHandler

__all__ = ["ROUTES"]

ROUTES: Final[list[ControllerRouterHandler]] = []
