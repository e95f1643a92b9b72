"""Queries as FTS5 expressions: user text is never FTS5 syntax, and never an FTS5 error."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from app.errors import InvalidParameter
from app.search.engines import search_source
from app.search.fts5 import match_expression, ranked_expressions
from app.search.query import parse_query
from tests.conftest import ImportFiles
from tests.helpers import write_article
from tests.importer.test_search_index import matches

# FTS5 expressions against an FTS5 table; PostgreSQL's search is tested through the API.
pytestmark = pytest.mark.sqlite_only("runs FTS5 expressions against an FTS5 table")

ARTICLES = {
    "cafe": ("Café in Zürich", "An e-mail from AT&T", "Don't write C++ at night."),
    "near": ("NEAR(a b) and title:foo", "a OR b, ^x", "(parentheses) + stars*"),
    "face": ("Face recognition", "Facial recognition ban", "Recognizing faces at the border."),
}


@pytest.fixture
def indexed(tmp_path: Path, import_files: ImportFiles, engine: Engine) -> Engine:
    for slug, (title, excerpt, body) in ARTICLES.items():
        write_article(tmp_path, f"{slug}.md", body=body, title=title, excerpt=excerpt)
    import_files(tmp_path)
    return engine


def search(engine: Engine, q: str) -> set[str]:
    return matches(engine, match_expression(parse_query(q)))


def test_every_term_is_an_fts5_string_and_exclusions_follow_not() -> None:
    query = parse_query('face "facial recog"* -border -"at night"')
    assert match_expression(query) == ('("face" "facial recog" *) NOT "border" NOT "at night"')
    assert ranked_expressions(query) == (
        '{title} : ("face" "facial recog" *) NOT "border" NOT "at night"',
        '("face" "facial recog" *) NOT ({title} : ("face" "facial recog" *)) NOT "border" '
        'NOT "at night"',
    )


def test_a_quote_inside_a_term_is_escaped_as_fts5_asks() -> None:
    assert match_expression(parse_query("don't")) == '("don\'t")'


def test_words_phrases_prefixes_and_exclusions_find_what_they_say(indexed: Engine) -> None:
    assert search(indexed, "recognition") == {"face"}
    assert search(indexed, "recognition zürich") == set()
    assert search(indexed, '"facial recognition"') == {"face"}
    assert search(indexed, '"recognition facial"') == set()
    assert search(indexed, "recogn*") == {"face"}
    assert search(indexed, "recogn") == set()
    assert search(indexed, "a* -recogn*") == {"cafe", "near"}


def test_case_and_accents_do_not_matter(indexed: Engine) -> None:
    assert search(indexed, "cafe") == search(indexed, "CAFÉ") == {"cafe"}
    assert search(indexed, "ZURICH") == search(indexed, "zürich") == {"cafe"}


def test_words_the_tokenizer_splits_are_found_as_phrases(indexed: Engine) -> None:
    for q in ("e-mail", "AT&T", "don't", "C++"):
        assert search(indexed, q) == {"cafe"}, q


@pytest.mark.parametrize("q", ["NEAR(a b)", "title:foo", "a OR b", "^x", "(parentheses)"])
def test_fts5_syntax_in_the_query_is_taken_literally(indexed: Engine, q: str) -> None:
    assert search(indexed, q) == {"near"}


@settings(
    max_examples=300,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.text(max_size=60) | st.text(alphabet=' "-*:^()+{}abcANDORTNE', max_size=40))
def test_any_query_runs_against_the_real_index_without_an_fts5_error(
    indexed: Engine, q: str
) -> None:
    try:
        query = parse_query(q)
    except InvalidParameter:
        return
    everything = matches(indexed, match_expression(query))
    in_title, others = (matches(indexed, expression) for expression in ranked_expressions(query))
    assert in_title | others == everything
    assert not in_title & others


def test_engines_without_full_text_search_refuse_q_clearly() -> None:
    with pytest.raises(InvalidParameter) as raised:
        search_source("mysql", parse_query("cars"))
    assert raised.value.parameter == "q"
    assert "not available on this database (mysql)" in raised.value.detail
