"""Statements built once per shape and reused: a request binds its values and nothing more.

SQLAlchemy memoizes a statement's cache key on the statement object. Executed again, the same
object skips both its building and the traversal that computes that key, and finds its
compiled form in the engine's cache at once; the type processing of its parameters and
results stays. So each statement a hot path runs is built once for its shape (whatever changes
its SQL text: the dialect, the sort, which filters are present, ...) with a named
`bindparam()` for every value that varies, and executed with those values.
"""

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.sql.expression import Executable

S = TypeVar("S", bound=Hashable)
E = TypeVar("E", bound=Executable)


class Memo(Generic[S, E]):
    """The statements `build` makes, by shape, each built on its first use.

    At most `limit` are kept, the oldest dropped first: the shapes are finite but many (every
    combination of filters), and this holds them to a known size whatever the requests.
    Requests of one worker run on one event loop; plain dict reads and writes are safe even
    across threads, where a race can only build one statement twice.
    """

    def __init__(self, build: Callable[[S], E], *, limit: int) -> None:
        self._build = build
        self._limit = limit
        self._statements: dict[S, E] = {}

    def __call__(self, shape: S) -> E:
        statement = self._statements.get(shape)
        if statement is None:
            statement = self._build(shape)
            while len(self._statements) >= self._limit:
                self._statements.pop(next(iter(self._statements)), None)
            self._statements[shape] = statement
        return statement

    def __len__(self) -> int:
        return len(self._statements)


def memoized(*, limit: int) -> Callable[[Callable[[S], E]], Memo[S, E]]:
    """Make a statement builder (shape -> statement) a `Memo` of at most `limit` statements."""

    def wrap(build: Callable[[S], E]) -> Memo[S, E]:
        return Memo(build, limit=limit)

    return wrap
