"""Deadlines for database calls, so that a database that does not answer cannot hold a thread.

``deadline(seconds)`` bounds every call in a block (``/healthz`` uses it); the
PostgreSQL backend in liveblog/db/postgresql/ honours it, beside its own
per-call limits. SQLite, a local file, has nothing to wait for and ignores it.
See docs/deploy.md, "When the database hangs".
"""

from contextlib import contextmanager
from contextvars import ContextVar
from time import monotonic

# The monotonic time by which the current block's database calls must be done.
# A context variable is per thread: each request thread has its own.
_ends_at = ContextVar("database_deadline", default=None)


@contextmanager
def deadline(seconds):
    """Give the database calls in this block ``seconds`` in all (an enclosing deadline still applies)."""
    ends_at = monotonic() + seconds
    outer = _ends_at.get()
    token = _ends_at.set(ends_at if outer is None else min(outer, ends_at))
    try:
        yield
    finally:
        _ends_at.reset(token)


def time_left(limit=None):
    """Return how long a call may wait: ``limit``, or less if the block ends sooner; None: no limit."""
    ends_at = _ends_at.get()
    if ends_at is None:
        return limit
    left = ends_at - monotonic()
    return left if limit is None else min(limit, left)
