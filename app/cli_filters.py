"""The filters of `/articles` as command-line options, read and checked by the API's own code."""

from typing import Annotated

import typer

from app.errors import InvalidParameter
from app.search.query import parse_query
from app.services.articles import ArticleFilters, parse_time_bound

# Qualities are stored as 64-bit integers: the API refuses bounds outside them, and so do we.
_QUALITIES = range(-(2**63), 2**63)

Query = Annotated[
    str | None,
    typer.Option(
        "--q",
        help='Full-text search of title, excerpt and body: words, "phrases", prefix*, -excluded.',
    ),
]
Topics = Annotated[
    list[str] | None,
    typer.Option("--topic", help="Topic slug or name; repeat for any of several."),
]
Providers = Annotated[
    list[str] | None,
    typer.Option("--provider", help="Provider domain; repeat for any of several."),
]
Types = Annotated[
    list[str] | None,
    typer.Option("--type", help="Article type, e.g. article; repeat for any of several."),
]
Published = Annotated[
    bool | None,
    typer.Option(
        "--published/--unpublished",
        help="Only articles whose file says published: true (--unpublished: false).",
        show_default=False,
    ),
]
From = Annotated[
    str | None,
    typer.Option(
        "--from", help="Earliest publication time, inclusive: ISO date (whole UTC day) or time."
    ),
]
To = Annotated[
    str | None,
    typer.Option("--to", help="Latest publication time, inclusive: ISO date or date-time."),
]
MinQuality = Annotated[
    int | None,
    typer.Option("--min-quality", help="Lowest quality, inclusive."),
]
MaxQuality = Annotated[
    int | None,
    typer.Option("--max-quality", help="Highest quality, inclusive."),
]


def article_filters(
    *,
    q: str | None = None,
    topics: list[str] | None,
    providers: list[str] | None,
    types: list[str] | None,
    published: bool | None,
    from_: str | None,
    to: str | None,
    min_quality: int | None,
    max_quality: int | None,
) -> ArticleFilters:
    """Build and check the filters as `GET /articles` does.

    Raises:
        typer.BadParameter: a value the API would answer with 422, naming the option.
    """
    for option, bound in (("--min-quality", min_quality), ("--max-quality", max_quality)):
        if bound is not None and bound not in _QUALITIES:
            raise typer.BadParameter("must be a 64-bit integer", param_hint=f"'{option}'")
    try:
        filters = ArticleFilters(
            q=None if q is None else parse_query(q),
            topics=tuple(topics or ()),
            providers=tuple(providers or ()),
            types=tuple(types or ()),
            published=published,
            published_from=None if from_ is None else parse_time_bound(from_, "from", upper=False),
            published_to=None if to is None else parse_time_bound(to, "to", upper=True),
            min_quality=min_quality,
            max_quality=max_quality,
        )
        filters.check()
    except InvalidParameter as error:
        raise as_bad_option(error) from None
    return filters


def as_bad_option(error: InvalidParameter) -> typer.BadParameter:
    """The API's complaint about query parameter `x_y` as one about option `--x-y`."""
    parameter = error.parameter or ""
    option = "--" + parameter.replace("_", "-")
    detail = error.detail.removeprefix(f"{parameter}: ")
    return typer.BadParameter(detail, param_hint=f"'{option}'")
