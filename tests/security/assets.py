"""Files the security tests upload: a real small image, and hostile pages dressed as uploads."""

from __future__ import annotations

import io

from PIL import Image

# Each would run script if a browser took it for a page: the source route must never serve it so.
MARKER = "clipstream-xss-marker"
HOSTILE_PAGES = {
    "evil.html": f"<!doctype html><html><body><script>document.title='{MARKER}';"
                 f"fetch('/v1/keys')</script></body></html>".encode(),
    "evil.svg": f'<svg xmlns="http://www.w3.org/2000/svg"><script>document.title="{MARKER}"</script></svg>'.encode(),
    "evil.xhtml": f'<html xmlns="http://www.w3.org/1999/xhtml"><body><script>document.title="{MARKER}"'
                  f"</script></body></html>".encode(),
    "evil.js": f"document.title='{MARKER}';".encode(),
}


def png_bytes(size: tuple[int, int] = (64, 32), colour: str = "#FF3366") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def polyglot() -> tuple[str, bytes]:
    """A real PNG with a page glued after its end: an image to an image decoder, a page to a browser
    that sniffs. Named ``.html``."""
    page = HOSTILE_PAGES["evil.html"]
    return "polyglot.html", png_bytes() + page
