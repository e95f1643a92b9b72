"""Whether the database answers."""

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from app.errors import Unavailable
from app.models import article_table
from app.schemas import Health


def check_health(engine: Engine) -> Health:
    """Open a connection and read one row of the article table (cheap at any size).

    Raises:
        Unavailable: the database cannot be opened, does not answer or has no schema.
    """
    # The connection is opened here, not by the request's dependency, so that a database
    # that cannot even be opened is reported as unavailable (503) rather than as a failure.
    try:
        with engine.connect() as connection:
            connection.execute(select(article_table.c.id).limit(1)).all()
    except SQLAlchemyError as error:
        raise Unavailable(f"database does not answer: {type(error).__name__}") from None
    return Health(status="ok", database="ok")
