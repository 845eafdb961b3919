"""The seat page through the test client: served at ``/`` with its assets under ``/static/``,
self-contained (no external URL, so it works offline), and outside the API's OpenAPI schema.

What the page does in a browser is tested in ``test_browser.py``.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Final

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.app import AppConfig, create_app
from bookmyshow.app.controllers.pages import CONTENT_SECURITY_POLICY, STATIC_DIR
from bookmyshow.bootstrap import Settings
from bookmyshow.demo import DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD
from tests.app.api import TOKEN_SECRET
from tests.services.backends import JourneyBackend

_TYPES: Final = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
"""The content type each kind of asset must be served with (modules need a JavaScript type)."""

# Anything that would make the browser fetch from another origin.
_EXTERNAL: Final = re.compile(
    r"""(?ix)
    (?:https?|wss?|ftp):// |              # an absolute URL
    (?:src|href|action)\s*=\s*["']?// |   # a protocol-relative URL in markup
    url\(\s*["']?// |                     # ... or in CSS
    @import\s+["']?(?:https?:)?//         # a CSS import from elsewhere
    """
)
# The one absolute URL allowed: the SVG namespace, an identifier that is never fetched.
_SVG_NAMESPACE: Final = "http://www.w3.org/2000/svg"


@pytest.fixture
async def client(config: AppConfig) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A test client of the app (not in demo mode) over the in-memory wiring."""
    async with (
        JourneyBackend(name="memory").system(clock=ManualClock()) as ticketing,
        AsyncTestClient(create_app(config, system=ticketing)) as test_client,
    ):
        yield test_client


class _Assets(HTMLParser):
    """The URLs a page's markup loads: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "img") and values.get("src"):
            self.urls.append(str(values["src"]))
        if tag == "link" and values.get("href"):
            self.urls.append(str(values["href"]))


def _static_files() -> list[str]:
    return sorted(
        path.relative_to(STATIC_DIR).as_posix() for path in STATIC_DIR.rglob("*") if path.is_file()
    )


async def test_the_seat_page_is_served_at_the_root(client: AsyncTestClient[Litestar]) -> None:
    """GET / answers the seat page as HTML with a strict same-origin content security policy."""
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == (STATIC_DIR / "index.html").read_text()
    assert '<script type="module" src="/static/app.js">' in response.text


def test_the_page_may_connect_only_to_its_own_origin() -> None:
    """connect-src is 'self' alone: no other host, and no scheme-wide ws:/wss: allowance."""
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["connect-src"] == "'self'"


async def test_every_asset_the_page_loads_is_served_with_its_type(
    client: AsyncTestClient[Litestar],
) -> None:
    """Each script, stylesheet and icon the page's markup names is served from /static/ with
    the content type its kind needs."""
    parser = _Assets()
    parser.feed((await client.get("/")).text)
    assert {"/static/app.js", "/static/style.css", "/static/favicon.svg"} <= set(parser.urls)
    for url in parser.urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert response.headers["content-type"].startswith(_TYPES[suffix]), url


@pytest.mark.parametrize("name", _static_files())
async def test_each_static_file_is_served_as_stored(
    client: AsyncTestClient[Litestar], name: str
) -> None:
    """Every file of the static folder is served byte for byte with its content type."""
    response = await client.get(f"/static/{name}")
    assert response.status_code == 200
    assert response.content == (STATIC_DIR / name).read_bytes()
    suffix = name[name.rindex(".") :]
    assert response.headers["content-type"].startswith(_TYPES[suffix])


async def test_every_module_import_resolves(client: AsyncTestClient[Litestar]) -> None:
    """Each relative ES module import in the page's scripts names a file that is served."""
    imports = 0
    for path in STATIC_DIR.glob("*.js"):
        for target in re.findall(r"""\bfrom\s+["'](\.[^"']+)["']""", path.read_text()):
            imports += 1
            response = await client.get(f"/static/{target.removeprefix('./')}")
            assert response.status_code == 200, f"{path.name} imports {target}"
            assert response.headers["content-type"].startswith("text/javascript")
    assert imports > 0


@pytest.mark.parametrize("name", _static_files())
def test_no_static_file_loads_anything_from_another_origin(name: str) -> None:
    """No file of the page names an external URL (no CDN, fonts or analytics): the page works
    offline and under its same-origin content security policy."""
    text = (STATIC_DIR / name).read_text().replace(_SVG_NAMESPACE, "")
    found = _EXTERNAL.findall(text)
    assert found == [], f"{name} loads from elsewhere: {found}"


def test_the_external_url_check_catches_what_it_should() -> None:
    """The offline check recognises absolute, protocol-relative and CSS-imported URLs."""
    for text in (
        '<script src="https://cdn.example.com/x.js">',
        "<link href='//fonts.example.com/f.css'>",
        "body { background: url(//img.example.com/a.png) }",
        '@import "https://fonts.example.com/f.css";',
        "new WebSocket('wss://elsewhere.example.com/live')",
    ):
        assert _EXTERNAL.search(text), text
    assert not _EXTERNAL.search("fetch(`/api/shows/${id}/seats`)")
    assert not _EXTERNAL.search("`${scheme}://${location.host}/api/live`")


async def test_unknown_and_escaping_static_paths_are_not_found(
    client: AsyncTestClient[Litestar],
) -> None:
    """/static/ serves only the static folder: unknown files and paths climbing out are 404."""
    for path in (
        "/static/nothing-here.js",
        "/static/../controllers/pages.py",
        "/static/%2e%2e/controllers/pages.py",
        "/static/..%2fconfig.py",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path


async def test_the_page_is_not_part_of_the_api_schema(client: AsyncTestClient[Litestar]) -> None:
    """The OpenAPI schema documents the API only, not the seat page or its assets."""
    schema = (await client.get("/schema/openapi.json")).json()
    paths = set(schema["paths"])
    assert "/" not in paths
    assert not any(path.startswith("/static") for path in paths)
    assert any(path.startswith("/api/") for path in paths)


async def test_outside_demo_mode_the_log_in_form_is_empty(
    client: AsyncTestClient[Litestar],
) -> None:
    """Without demo mode the page carries no credentials."""
    text = (await client.get("/")).text
    assert 'data-demo-email="" data-demo-password=""' in text
    assert DEMO_CUSTOMER_EMAIL not in text


async def test_demo_mode_fills_in_the_demo_customer() -> None:
    """In demo mode the page comes with the demo customer's e-mail and password to log in."""
    config = AppConfig(
        settings=Settings(token_secret=TOKEN_SECRET),
        demo=True,
        demo_days=1,
        maintenance_interval=None,
    )
    async with (
        JourneyBackend(name="memory").system(clock=ManualClock()) as ticketing,
        AsyncTestClient(create_app(config, system=ticketing)) as client,
    ):
        text = (await client.get("/")).text
    assert f'data-demo-email="{html.escape(DEMO_CUSTOMER_EMAIL)}"' in text
    assert f'data-demo-password="{html.escape(DEMO_PASSWORD)}"' in text


def test_the_demo_marker_is_in_the_page() -> None:
    """index.html carries the empty credentials marker demo mode fills (exactly once)."""
    text = (STATIC_DIR / "index.html").read_text()
    assert text.count('data-demo-email="" data-demo-password=""') == 1
