"""What the browser tests need: Debian's Chromium, viewports and a place for screenshots (the
app itself runs on :func:`tests.app.server.serve_in_thread`, so the test's loop only drives
Playwright)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from playwright.async_api import ViewportSize

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "PHONE",
    "DESKTOP",
]

CHROMIUM: Final = Path("/usr/bin/chromium")
"""Debian's Chromium (CI installs it with apt; ``playwright install`` cannot download here)."""

CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Headless flags: no sandbox (containers), and no calls home, so the test stays offline."""

ARTIFACTS: Final = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
"""Where the browser tests save screenshots (git-ignored)."""

DESKTOP: Final = ViewportSize(width=1280, height=900)
"""A laptop-sized viewport."""
PHONE: Final = ViewportSize(width=390, height=844)
"""A phone-sized viewport (an iPhone 12-14 in CSS pixels)."""
