"""Whole answers kept in memory for one catalog version, so that a repeated GET costs a lookup.

Every answer of this API is a function of the code, the settings, the catalog version and the
URL: exactly what its ETag covers. An answer kept under its tag is therefore the answer the
application would build again, until an import changes the catalog version; the caching
middleware then starts a new, empty cache (the whole old one is dropped at once).
"""

from dataclasses import dataclass

# What a kept answer costs beyond its body and headers (the entry, its key, the tuple).
_ENTRY_OVERHEAD = 200


@dataclass(frozen=True)
class KeptAnswer:
    """A 200 answer as the application sent it: its headers and its whole body."""

    headers: list[tuple[bytes, bytes]]
    body: bytes


class AnswerCache:
    """Answers by ETag, at most `budget_bytes` in all (oldest first out); one answer larger
    than an eighth of the budget is never kept, so that a few big answers cannot push out
    every small one."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self.largest_kept = budget_bytes // 8
        self.used_bytes = 0
        self._answers: dict[bytes, KeptAnswer] = {}

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, etag: bytes) -> KeptAnswer | None:
        return self._answers.get(etag)

    def keep(self, etag: bytes, answer: KeptAnswer) -> None:
        """Keep `answer` under `etag` if it fits, dropping the oldest answers to make room."""
        size = _size(answer)
        if size > self.largest_kept or etag in self._answers:
            return
        answers = self._answers
        while self.used_bytes + size > self.budget_bytes and answers:
            # Dicts keep insertion order: the first key is the oldest answer.
            self.used_bytes -= _size(answers.pop(next(iter(answers))))
        answers[etag] = answer
        self.used_bytes += size


def _size(answer: KeptAnswer) -> int:
    headers = sum(len(name) + len(value) for name, value in answer.headers)
    return len(answer.body) + headers + _ENTRY_OVERHEAD
