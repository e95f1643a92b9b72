"""Statements built once per shape and reused: a request binds its values and nothing more.

SQLAlchemy memoizes a statement's cache key on the statement object. Executed again, the same
object skips both its building and the traversal that computes that key, and finds its
compiled form in the engine's cache at once; the type processing of its parameters and
results stays. So each statement a hot path runs is built once for its shape (whatever changes
its SQL text: the dialect, the sort, which filters are present, ...) with a named
`bindparam()` for every value that varies, and executed with those values.
"""

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from sqlalchemy.sql.expression import Executable

S = TypeVar("S", bound=Hashable)
E = TypeVar("E", bound=Executable)


class Memo(Generic[S, E]):
    """The statements `build` makes, by shape, each built on its first use.

    At most `limit` are kept, the first built dropped first: the shapes are finite but many
    (every combination of filters), and this holds them to a known size whatever the requests.
    A hit is one dict read, safe from any thread; a miss takes a lock, so that threads (the
    CLI's, the tests') never see the dict change while one of them drops the oldest entry.
    """

    def __init__(self, build: Callable[[S], E], *, limit: int) -> None:
        self._build = build
        self._limit = limit
        self._statements: dict[S, E] = {}
        self._lock = threading.Lock()

    def __call__(self, shape: S) -> E:
        statement = self._statements.get(shape)
        if statement is not None:
            return statement
        with self._lock:
            statement = self._statements.get(shape)
            if statement is None:
                statement = self._build(shape)
                while len(self._statements) >= self._limit:
                    del self._statements[next(iter(self._statements))]
                self._statements[shape] = statement
            return statement

    def __len__(self) -> int:
        return len(self._statements)


def memoized(*, limit: int) -> Callable[[Callable[[S], E]], Memo[S, E]]:
    """Make a statement builder (shape -> statement) a `Memo` of at most `limit` statements."""

    def wrap(build: Callable[[S], E]) -> Memo[S, E]:
        return Memo(build, limit=limit)

    return wrap
