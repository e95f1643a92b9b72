"""Highlights are safe HTML: text escaped, only the database's markers become `<mark>`."""

from app.search.highlight import Markers, marked_html, new_markers


def test_marked_words_become_mark_elements_and_the_rest_is_escaped() -> None:
    markers = Markers(open="[[", close="]]")
    snippet = "<script>alert('x')</script> & [[Recognition]] \"now\"…"
    assert marked_html(snippet, markers) == (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; <mark>Recognition</mark> "
        "&quot;now&quot;…"
    )


def test_markers_differ_from_request_to_request_and_survive_escaping() -> None:
    first, second = new_markers(), new_markers()
    assert first != second
    assert first.open != first.close
    for marker in (first.open, first.close):
        assert marker.isprintable() is False
        assert marked_html(marker, Markers("\x00", "\x01")) == marker


def test_text_that_imitates_markers_cannot_forge_a_mark() -> None:
    markers = new_markers()
    forged = "\x02<mark>\x02 \x03 \x02deadbeefdeadbeef\x02"
    html = marked_html(f"{forged} {markers.open}word{markers.close}", markers)
    assert html.count("<mark>") == 1
    assert html.endswith("<mark>word</mark>")
    assert "&lt;mark&gt;" in html
