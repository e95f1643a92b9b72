"""Whether the database answers."""

from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from app.errors import Unavailable
from app.models import article_table
from app.schemas import Health


def check_health(connection: Connection) -> Health:
    """Read one row of the article table (cheap at any size).

    Raises:
        Unavailable: the database does not answer or has no schema.
    """
    try:
        connection.execute(select(article_table.c.id).limit(1)).all()
    except SQLAlchemyError as error:
        raise Unavailable(f"database does not answer: {type(error).__name__}") from None
    return Health(status="ok", database="ok")
