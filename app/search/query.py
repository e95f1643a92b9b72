"""The search language users write in `q`, parsed into terms; pure, no database.

`words` (all must match), `"exact phrases"`, `prefix*` and `-excluded` (`-"a phrase"`).
Nothing else is an operator: AND, OR, NEAR, `title:` or parentheses are words like any other.
"""

import unicodedata
from dataclasses import dataclass

from app.errors import InvalidParameter

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32

_QUOTE = '"'
_EXCLUDE = "-"
_PREFIX = "*"


@dataclass(frozen=True)
class Term:
    """One thing to look for: a word or a quoted phrase, as written (the index's tokenizer
    splits it into words, so `e-mail` is the phrase "e mail").

    `prefix`: its last word may be the start of a longer one. `excluded`: articles containing
    it do not match.
    """

    text: str
    phrase: bool = False
    prefix: bool = False
    excluded: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """A parsed `q`: at least one term to find, and possibly terms to exclude."""

    text: str
    terms: tuple[Term, ...]

    @property
    def included(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if not term.excluded)

    @property
    def excluded(self) -> tuple[Term, ...]:
        return tuple(term for term in self.terms if term.excluded)


def parse_query(text: str) -> SearchQuery:
    """Read the search language of `q`.

    Terms without a letter or digit (a lone `-` or `*`, `""`, `&`) are left out, as the index
    holds no such word.

    Raises:
        InvalidParameter: (naming `q`) empty, too long, too many terms, a quote never closed,
            nothing but operators, or nothing but exclusions.
    """
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidParameter(
            f"q: too long ({len(text)} characters); at most {MAX_QUERY_LENGTH}", "q"
        )
    if not text.strip():
        raise InvalidParameter("q: empty; give at least one word to search for", "q")
    terms = _scan(_blank_controls(text))
    if len(terms) > MAX_TERMS:
        raise InvalidParameter(f"q: too many terms ({len(terms)}); at most {MAX_TERMS}", "q")
    if not terms:
        raise InvalidParameter(
            "q: nothing to search for: give at least one word of letters or digits (operators "
            'such as -, * or "", symbols and punctuation alone find nothing)',
            "q",
        )
    if all(term.excluded for term in terms):
        raise InvalidParameter(
            "q: only exclusions (-word); give at least one word the articles must contain", "q"
        )
    return SearchQuery(text=text, terms=terms)


def _blank_controls(text: str) -> str:
    # Control characters (NUL among them) and lone surrogates separate words, as spaces do;
    # one for one, so that positions in error messages stay those of the text as written.
    return "".join(" " if unicodedata.category(char) in ("Cc", "Cs") else char for char in text)


def _scan(text: str) -> tuple[Term, ...]:
    terms: list[Term] = []
    position, end = 0, len(text)
    while position < end:
        if text[position].isspace():
            position += 1
            continue
        excluded = text[position] == _EXCLUDE
        if excluded:
            position += 1
        if position < end and text[position] == _QUOTE:
            close = text.find(_QUOTE, position + 1)
            if close < 0:
                raise InvalidParameter(
                    f"q: unbalanced quote: the {_QUOTE} at position {position + 1} is never closed",
                    "q",
                )
            words, phrase = text[position + 1 : close], True
            position = close + 1
            stars = position
            while position < end and text[position] == _PREFIX:
                position += 1
            prefix = position > stars
        else:
            start = position
            while position < end and not text[position].isspace() and text[position] != _QUOTE:
                position += 1
            written = text[start:position]
            words, phrase = written.rstrip(_PREFIX), False
            prefix = len(words) < len(written)
        term = Term(words, phrase=phrase, prefix=prefix, excluded=excluded)
        if _has_word(words) and term not in terms:
            terms.append(term)
    return tuple(terms)


def _has_word(text: str) -> bool:
    # The index's tokenizer (unicode61) makes words of letters, digits and private-use
    # characters; everything else separates them.
    return any(_is_word_character(char) for char in text)


def _is_word_character(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] in "LN" or category == "Co"
