"""Reading the `facets` parameter, and the month expression on each engine."""

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from app.dialect import month_of
from app.errors import InvalidParameter
from app.models import article_table
from app.services.facets import FACETS, parse_facets


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], ()),
        (["", ","], ()),
        (["month,topic"], ("topic", "month")),
        (["type", "published,provider"], ("provider", "type", "published")),
        (["month", " month ", "month,"], ("month",)),
        (["month,published,type,provider,topic"], FACETS),
    ],
)
def test_parse_facets_gives_each_named_facet_once_in_canonical_order(
    values: list[str], expected: tuple[str, ...]
) -> None:
    assert parse_facets(values) == expected


@pytest.mark.parametrize("value", ["colour", "topic,Topic", "topics", "month;type"])
def test_parse_facets_refuses_a_name_that_is_not_a_facet(value: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        parse_facets(["type", value])

    assert raised.value.parameter == "facets"
    assert "expected any of topic, provider, type, published, month" in raised.value.detail


@pytest.mark.parametrize(
    ("dialect", "sql"),
    [
        (sqlite.dialect(), "substr(article.published_at, 1, 7)"),
        (postgresql.dialect(), "to_char(article.published_at, 'YYYY-MM')"),
    ],
)
def test_month_expression_has_no_bound_values_so_group_by_can_repeat_it(
    dialect: Dialect, sql: str
) -> None:
    compiled = month_of(dialect.name, article_table.c.published_at).compile(dialect=dialect)

    assert str(compiled) == sql
    assert compiled.params == {}
