"""The search language of `q`: words, phrases, prefixes, exclusions, and what is refused."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import InvalidParameter
from app.search.query import MAX_QUERY_LENGTH, MAX_TERMS, SearchQuery, Term, parse_query


def terms(text: str) -> tuple[Term, ...]:
    return parse_query(text).terms


def refusal(text: str) -> str:
    with pytest.raises(InvalidParameter) as raised:
        parse_query(text)
    assert raised.value.parameter == "q"
    assert raised.value.detail.startswith("q: ")
    return raised.value.detail


def test_bare_words_are_separate_terms_that_must_all_match() -> None:
    assert terms("facial  recognition\tban") == (
        Term("facial"),
        Term("recognition"),
        Term("ban"),
    )


def test_quoted_words_are_one_phrase() -> None:
    assert terms('"facial recognition" ban') == (
        Term("facial recognition", phrase=True),
        Term("ban"),
    )


def test_a_trailing_star_makes_a_prefix_of_a_word_or_a_phrase() -> None:
    assert terms('recogn* "facial recog"*') == (
        Term("recogn", prefix=True),
        Term("facial recog", phrase=True, prefix=True),
    )


def test_a_leading_minus_excludes_a_word_a_prefix_or_a_phrase() -> None:
    assert terms('cars -electric -hybr* -"self driving"') == (
        Term("cars"),
        Term("electric", excluded=True),
        Term("hybr", prefix=True, excluded=True),
        Term("self driving", phrase=True, excluded=True),
    )
    query = parse_query("cars -electric")
    assert query.included == (Term("cars"),)
    assert query.excluded == (Term("electric", excluded=True),)


def test_a_minus_inside_a_word_is_part_of_the_word() -> None:
    assert terms("e-mail self-driving") == (Term("e-mail"), Term("self-driving"))


@pytest.mark.parametrize(
    "text",
    ["NEAR(a b)", "title:foo", "^start", "a OR b", "a AND b", "NOT a", "(a", "a)", "+a", "{x}"],
)
def test_search_engine_syntax_is_just_text(text: str) -> None:
    assert all(not term.excluded and not term.prefix for term in terms(text))
    assert " ".join(term.text for term in terms(text)) == text


def test_words_that_the_index_splits_stay_one_term() -> None:
    assert terms("C++ AT&T don't") == (Term("C++"), Term("AT&T"), Term("don't"))


def test_terms_without_a_letter_or_digit_are_left_out() -> None:
    assert terms('AT & T - * "" "-" -* cars') == (Term("AT"), Term("T"), Term("cars"))


def test_a_repeated_term_counts_once() -> None:
    assert terms("cars cars Cars") == (Term("cars"), Term("Cars"))


def test_letters_of_every_script_and_digits_are_words() -> None:
    assert terms("Zürich 東京 Москва 2020 ١٢٣") == tuple(
        Term(word) for word in ("Zürich", "東京", "Москва", "2020", "١٢٣")
    )


def test_control_characters_separate_words() -> None:
    assert terms("cars\x00bikes\x1f\x7fboats") == (Term("cars"), Term("bikes"), Term("boats"))
    assert terms('"cars\x00bikes"') == (Term("cars bikes", phrase=True),)


def test_the_query_keeps_the_text_as_written() -> None:
    assert parse_query("  Cars -bikes ") == SearchQuery(
        "  Cars -bikes ", (Term("Cars"), Term("bikes", excluded=True))
    )


@pytest.mark.parametrize("text", ["", " ", "\t\n", "\u3000"])
def test_an_empty_query_is_refused(text: str) -> None:
    assert "empty" in refusal(text)


@pytest.mark.parametrize(
    ("text", "position"),
    [('"facial recognition', 1), ('cars "', 6), ('"a" "b" "c', 9), ('-"cars', 2), ('don"t', 4)],
)
def test_an_unbalanced_quote_is_refused_with_its_position(text: str, position: int) -> None:
    assert f'unbalanced quote: the " at position {position} is never closed' in refusal(text)


@pytest.mark.parametrize("text", ["-", "*", '""', '"*"', "- * -- **", '-"" "" & +'])
def test_a_query_of_operators_alone_is_refused(text: str) -> None:
    detail = refusal(text)
    assert "nothing to search for" in detail
    assert "at least one word" in detail


@pytest.mark.parametrize("text", ["-cars", '-cars -"electric bikes"', "-car*  -"])
def test_a_query_of_exclusions_alone_is_refused(text: str) -> None:
    assert "only exclusions" in refusal(text)


def test_a_query_longer_than_the_limit_is_refused() -> None:
    parse_query("a" * MAX_QUERY_LENGTH)
    assert f"too long ({MAX_QUERY_LENGTH + 1} characters)" in refusal("a" * (MAX_QUERY_LENGTH + 1))


def test_a_query_with_too_many_terms_is_refused() -> None:
    words = [f"w{i}" for i in range(MAX_TERMS + 1)]
    parse_query(" ".join(words[:MAX_TERMS]))
    assert f"too many terms ({MAX_TERMS + 1})" in refusal(" ".join(words))


@settings(max_examples=500, database=None, deadline=None)
@given(st.text(max_size=80) | st.text(alphabet=' "-*abc()^:', max_size=30))
def test_any_text_is_a_query_or_a_refusal_naming_q(text: str) -> None:
    try:
        query = parse_query(text)
    except InvalidParameter as refused:
        assert refused.parameter == "q"
        return
    assert query.included
    assert all(term.text and '"' not in term.text for term in query.terms)
