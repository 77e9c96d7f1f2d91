"""Django's PostgreSQL backend, made to give up on a server that does not answer (issue 8).

A frozen PostgreSQL (SIGSTOP, a hung host or VM, a stalled storage volume)
neither answers nor closes its connections: the kernel keeps acknowledging, so
TCP keepalives and tcp_user_timeout see nothing wrong, the server's own
statement_timeout cannot fire in a server that does not run, and libpq has no
read timeout. A thread waiting for an answer waits for good. With persistent
connections every gunicorn thread ends up waiting, and static files and
/healthz queue behind them (measured: 60 s, as long as the freeze).

Only the client can bound that wait. psycopg 3 runs every exchange with the
server through ``Connection.wait()``, which takes a timeout, in the waiting
thread's own select/poll; so ``DeadlineConnection`` gives every wait a
deadline and, when it runs out, closes the connection (its protocol state is
unknown from then on) and raises OperationalError, which Django handles as a
lost connection. The thread that waits is the one that gives up: no watchdog
thread, no timer per query, nothing shutting sockets from outside. The limits:

- any call: DATABASE_STATEMENT_TIMEOUT + GRACE_SECONDS. The server cancels a
  slow statement first, and the connection survives that.
- Django's health check of a persistent connection (a ``SELECT 1`` before each
  request's first query, CONN_HEALTH_CHECKS): PING_SECONDS. It is the first
  thing a request sends, so a hung server is usually found here.
- connecting: DATABASE_CONNECT_TIMEOUT (psycopg enforces connect_timeout on
  the client side, with libpq's floor of 2 s).
- inside ``liveblog.db.deadline()`` (``/healthz``): no longer than the block.

Then ``Outage``: once a wait has run out, this process does not wait on the
database again for RETRY_SECONDS, and afterwards lets one call at a time find
out whether it answers; the others fail at once. Without it, every request
during an outage would hold a thread for a connect timeout, and static files
(and the micro-cache's copies) would queue behind threads connecting to
nothing.

Last, the start and end of a request never talk to the database: after an
error Django pings the connection there (``close_if_unusable_or_obsolete``);
this backend closes it instead. A request for a static file, which makes no
query, therefore never waits on the database.
"""

import math
import threading
from contextlib import contextmanager
from time import monotonic

import psycopg
from django.db.backends.postgresql import base
from django.utils.asyncio import async_unsafe
from psycopg import errors

# psycopg is pinned; blog/tests/test_database_faults.py checks that these internals behave as used here.
from psycopg.connection import _WAIT_INTERVAL

from liveblog.db import deadline, time_left

# Time for the server to cancel a statement at statement_timeout and say so.
GRACE_SECONDS = 1.0
# SELECT 1 takes well under a millisecond on a server that runs.
PING_SECONDS = 1.0
# How long a process stops waiting on a database that has just not answered.
RETRY_SECONDS = 1.0


class DatabaseDidNotAnswer(psycopg.OperationalError):
    """The server did not answer in time, or did not answer a moment ago."""


class Outage:
    """What one process knows about its database not answering, shared by its threads."""

    def __init__(self):
        self._lock = threading.Lock()
        # None while the database answers; else when the next call may try it again.
        self._retry_at = None
        self._trying = False

    @contextmanager
    def attempt(self):
        """Run a call on the database, or fail at once while the database is known not to answer."""
        trying = self._admit()
        # None: neither an answer nor silence, such as a connection closed or refused.
        answered = None
        try:
            yield
            answered = True
        except (DatabaseDidNotAnswer, errors.ConnectionTimeout):
            answered = False
            raise
        except psycopg.Error as error:
            if error.sqlstate is not None:
                answered = True  # an error the server sent
            raise
        finally:
            if trying or answered is False or (answered and self._retry_at is not None):
                with self._lock:
                    if answered is not None:
                        self._retry_at = None if answered else monotonic() + RETRY_SECONDS
                    if trying:
                        self._trying = False

    def _admit(self):
        """Return whether this call is the one trying the database again; raise if it may not try."""
        if self._retry_at is None:
            return False
        with self._lock:
            if self._retry_at is None:
                return False
            if self._trying or monotonic() < self._retry_at:
                raise DatabaseDidNotAnswer("PostgreSQL did not answer a moment ago; not waiting on it yet.")
            self._trying = True
            return True


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection that waits for the server no longer than its deadline."""

    answer_within = None  # seconds, or None: no limit of its own
    outage = None

    @classmethod
    def adopt(cls, connection, answer_within, outage):
        """Turn a connection Django opened into one of these: psycopg.connect() takes no class."""
        connection.__class__ = cls
        connection.answer_within, connection.outage = answer_within, outage
        return connection

    def wait(self, gen, interval=_WAIT_INTERVAL, timeout=None):
        limit = time_left(self.answer_within)
        if limit is not None and limit <= 0:
            raise DatabaseDidNotAnswer("No time is left for this database call.")
        # The caller's own timeout may come first (psycopg's notifies() has one).
        ours = limit is not None and (timeout is None or limit < timeout)
        with self.outage.attempt():
            try:
                return super().wait(gen, interval, limit if ours else timeout)
            except errors._WaitTimeout:
                if not ours:
                    raise
                # The query is sent and its answer may still come: nothing can use this connection now.
                self.close()
                raise DatabaseDidNotAnswer(f"PostgreSQL did not answer within {limit:.1f} s.") from None


class DatabaseWrapper(base.DatabaseWrapper):
    # One per database alias and process, shared by the process's threads.
    outages = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outage = self.outages.setdefault(self.alias, Outage())

    @property
    def answer_within(self):
        """Seconds any call may wait: a little longer than the server's own statement_timeout."""
        statement_timeout = self.settings_dict["OPTIONS"].get("statement_timeout")
        return statement_timeout + GRACE_SECONDS if statement_timeout else None

    def get_connection_params(self):
        params = super().get_connection_params()
        # OPTIONS["statement_timeout"] is this backend's own key (seconds; 0: none, as
        # in PostgreSQL): libpq has no such parameter, the server takes it in `options`.
        statement_timeout = params.pop("statement_timeout", None)
        if statement_timeout:
            options = f"{params.get('options', '')} -c statement_timeout={round(statement_timeout * 1000)}"
            params["options"] = options.strip()
        return params

    @async_unsafe
    def get_new_connection(self, conn_params):
        left = time_left()
        if left is not None:
            if left <= 0:
                raise DatabaseDidNotAnswer("No time is left to connect to the database.")
            configured = float(conn_params.get("connect_timeout") or 0)
            timeout = math.ceil(min(left, configured) if configured > 0 else left)
            conn_params = {**conn_params, "connect_timeout": timeout}
        with self.outage.attempt():
            connection = super().get_new_connection(conn_params)
        return DeadlineConnection.adopt(connection, self.answer_within, self.outage)

    def is_usable(self):
        with deadline(PING_SECONDS):
            return super().is_usable()

    def close_if_unusable_or_obsolete(self):
        # Runs at the start and end of every request: close after an error rather
        # than ping, so that no request waits on the database unless it queries.
        if self.connection is not None and self.errors_occurred:
            self.close()
            return
        super().close_if_unusable_or_obsolete()
