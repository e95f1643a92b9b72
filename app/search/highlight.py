"""Highlights: a search snippet as safe HTML, its matched words in `<mark>`."""

import html
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class Markers:
    """What the database puts around each matched word of a snippet."""

    open: str
    close: str


def new_markers() -> Markers:
    """Markers no article text can contain: random for each request, so that text which holds
    markers of its own (control characters, say) cannot forge a `<mark>`."""
    nonce = secrets.token_hex(8)
    return Markers(open=f"\x02{nonce}\x02", close=f"\x03{nonce}\x03")


def marked_html(snippet: str, markers: Markers) -> str:
    """The snippet as HTML: its text escaped, the words between `markers` in `<mark>`."""
    # Markers are hex digits and control characters, which escaping leaves alone.
    escaped = html.escape(snippet, quote=True)
    return escaped.replace(markers.open, "<mark>").replace(markers.close, "</mark>")
