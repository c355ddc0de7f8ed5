"""The web console: static files served at ``/ui`` under a strict Content-Security-Policy.

The console is plain HTML, CSS and JavaScript modules shipped in ``minerun/web`` (no build
step). Only files that exist there with a known suffix are served; anything else is 404. The
page talks to the API with the bearer token it keeps in ``sessionStorage``, so these routes
need no authentication and carry no data of any tenant.
"""

from __future__ import annotations

from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse, Response

from minerun.exceptions import NotFound

router = APIRouter(include_in_schema=False)

WEB_PACKAGE = "minerun.web"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Scripts and styles from this origin only (no inline code), images also from blob: URLs
# (the process map is fetched with the token and shown as a blob), no framing, no plugins.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "connect-src 'self'",
        "form-action 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # A new release must not run against a stale copy of another module.
    "Cache-Control": "no-cache",
}
FileName = Annotated[str, Path(max_length=100, pattern=r"^[a-z][a-z0-9_-]*\.[a-z]+$")]


def _file(name: str) -> Response:
    suffix = name[name.rfind(".") :]
    media_type = MEDIA_TYPES.get(suffix)
    target = resources.files(WEB_PACKAGE).joinpath(name)
    if media_type is None or not target.is_file():
        raise NotFound(f"The console has no file {name!r}.")
    return Response(target.read_bytes(), media_type=media_type, headers=SECURITY_HEADERS)


@router.get("/ui")
def console_page() -> Response:
    """The console's single page; the views are drawn by its scripts."""
    return _file("index.html")


@router.get("/ui/")
def console_page_slash() -> RedirectResponse:
    return RedirectResponse("/ui", status_code=308)


@router.get("/ui/{name}")
def console_file(name: FileName) -> Response:
    """A script, style sheet or image of the console."""
    return _file(name)
