"""A database that does not answer turns into prompt errors, not stuck threads (issue 8, "A hung database").

The unit tests talk to ``SilentPostgres``: a server that completes the
PostgreSQL handshake and then never answers, which is what a frozen server
looks like from the client. The slow test freezes a real private cluster
under gunicorn with production settings.
"""

import concurrent.futures
import json
import re
import socket
import struct
import threading
import time

import psycopg
import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler
from psycopg import errors

from bench.servers import Client, Server, base_env, manage, prepare
from blog import views
from blog.tests.conftest import skip_or_fail
from blog.tests.pgcluster import PostgresCluster
from blog.tests.test_settings import A_REAL_KEY, read_setting
from liveblog.db.postgresql import base

# How long a unit test lets a call run before calling it stuck: far beyond any
# deadline under test, so that without the deadlines the test fails instead of hanging.
STUCK = 15


def message(kind, payload=b""):
    return kind + struct.pack("!i", len(payload) + 4) + payload


# What a PostgreSQL 15 server says after a trusted startup: Django and psycopg read these.
HANDSHAKE = b"".join(
    [
        message(b"R", struct.pack("!i", 0)),
        *(
            message(b"S", f"{name}\0{value}\0".encode())
            for name, value in {
                "server_version": "15.0",
                "server_encoding": "UTF8",
                "client_encoding": "UTF8",
                "DateStyle": "ISO, MDY",
                "TimeZone": "UTC",
                "integer_datetimes": "on",
                "standard_conforming_strings": "on",
            }.items()
        ),
        message(b"K", struct.pack("!ii", 1, 2)),
        message(b"Z", b"I"),
    ]
)
SSL_REQUEST, GSSENC_REQUEST = 80877103, 80877104


class SilentPostgres:
    """Accepts connections, completes the handshake, then reads every message and answers none."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.received = []  # the type of every message received after a handshake
        self.sockets = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections += 1
            self.sockets.append(sock)
            threading.Thread(target=self.handle, args=(sock,), daemon=True).start()

    def handle(self, sock):
        try:
            with sock.makefile("rb") as stream:
                while True:
                    length, code = struct.unpack("!ii", stream.read(8))
                    stream.read(length - 8)
                    if code not in (SSL_REQUEST, GSSENC_REQUEST):
                        break
                    sock.sendall(b"N")
                sock.sendall(HANDSHAKE)
                while header := stream.read(5):
                    stream.read(struct.unpack("!i", header[1:])[0] - 4)
                    self.received.append(header[:1])
        except (OSError, struct.error):
            pass  # the client went away

    def queries(self):
        """Return the messages received other than Terminate, which only says goodbye."""
        return [kind for kind in self.received if kind != b"X"]

    def close(self):
        self.listener.close()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def silent_server(django_db_blocker):
    server = SilentPostgres()
    # pytest-django blocks every database connection in tests not marked django_db, this one's too.
    with django_db_blocker.unblock():
        yield server
    server.close()


@pytest.fixture
def outages(monkeypatch):
    """A fresh record of outages, so that no test sees another's, and quicker deadlines."""
    monkeypatch.setattr(base.DatabaseWrapper, "outages", {})
    monkeypatch.setattr(base, "GRACE_SECONDS", 0.0)
    monkeypatch.setattr(base, "PING_SECONDS", 0.2)
    return base.DatabaseWrapper.outages


def database(server, **options):
    """Return a Django connection to ``server`` through the liveblog backend, usable from any thread."""
    settings = {
        "ENGINE": "liveblog.db.postgresql",
        "NAME": "liveblog",
        "USER": "liveblog",
        "HOST": "127.0.0.1",
        "PORT": server.port,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"sslmode": "disable", "gssencmode": "disable", "connect_timeout": 2, **options},
    }
    # Django insists on a "default" alias; never connected to.
    connection = ConnectionHandler({"default": {}, "silent": settings})["silent"]
    connection.inc_thread_sharing()
    return connection


def run_bounded(call):
    """Return what ``call()`` returns, or fail if it is still running after STUCK seconds."""
    outcome = {}

    def run():
        try:
            outcome["value"] = call()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    # A daemon thread: one stuck for good must not keep pytest from exiting.
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(STUCK)
    if thread.is_alive():
        pytest.fail(f"still waiting on the database after {STUCK} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def query(connection, sql="SELECT 1"):
    with connection.cursor() as cursor:
        cursor.execute(sql)


POSTGRES_URL = "postgres://u@db.example:5432/live"
DATABASE = "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['OPTIONS']"


def test_postgresql_gets_a_connect_timeout_and_a_statement_timeout_by_default():
    result = read_setting(DATABASE, SECRET_KEY=A_REAL_KEY, DATABASE_URL=POSTGRES_URL)
    expected = "liveblog.db.postgresql {'connect_timeout': 3, 'statement_timeout': 5.0}"
    assert result.stdout.strip() == expected, result.stderr


def test_the_timeouts_come_from_the_environment():
    result = read_setting(
        DATABASE,
        SECRET_KEY=A_REAL_KEY,
        DATABASE_URL=POSTGRES_URL,
        DATABASE_CONNECT_TIMEOUT="7",
        DATABASE_STATEMENT_TIMEOUT="2.5",
    )
    expected = "liveblog.db.postgresql {'connect_timeout': 7, 'statement_timeout': 2.5}"
    assert result.stdout.strip() == expected, result.stderr


def test_the_statement_timeout_goes_to_the_server_in_milliseconds_beside_other_options(silent_server):
    connection = database(
        silent_server, connect_timeout=7, statement_timeout=2.5, options="-c search_path=live"
    )
    parameters = connection.get_connection_params()
    assert parameters["connect_timeout"] == 7
    assert parameters["options"] == "-c search_path=live -c statement_timeout=2500"
    assert "statement_timeout" not in parameters, "libpq has no such parameter"


def test_a_statement_timeout_of_zero_sets_no_limit(silent_server):
    connection = database(silent_server, statement_timeout=0)
    assert "options" not in connection.get_connection_params()
    assert connection.answer_within is None


def test_a_query_the_server_never_answers_raises_operational_error_and_drops_the_connection(
    silent_server, outages
):
    connection = database(silent_server, statement_timeout=0.1)
    with pytest.raises(OperationalError, match="did not answer within"):
        run_bounded(lambda: query(connection))
    assert silent_server.queries(), "the query was sent"
    assert connection.connection.closed
    connection.close()


def test_the_health_check_of_a_kept_connection_gives_up_on_a_silent_server(silent_server, outages):
    connection = database(silent_server)  # no statement timeout: only the ping's own deadline applies
    run_bounded(connection.ensure_connection)
    assert run_bounded(connection.is_usable) is False
    connection.close()


def test_after_a_timeout_the_next_call_fails_at_once_without_connecting(silent_server, outages):
    connection = database(silent_server, statement_timeout=0.1)
    with pytest.raises(OperationalError):
        run_bounded(lambda: query(connection))
    connection.close()

    other_thread = database(silent_server, statement_timeout=0.1)
    with pytest.raises(OperationalError, match="did not answer a moment ago"):
        query(other_thread)
    assert silent_server.connections == 1


def test_request_boundaries_close_a_connection_after_an_error_instead_of_pinging_it(silent_server, outages):
    """Django pings such a connection when a request starts: a static file would wait on the database."""
    connection = database(silent_server)
    run_bounded(connection.ensure_connection)
    connection.errors_occurred = True
    run_bounded(connection.close_if_unusable_or_obsolete)
    assert connection.connection is None
    assert silent_server.queries() == []


def test_healthz_answers_503_when_the_database_does_not_answer(silent_server, outages, client, monkeypatch):
    # No statement timeout: only healthz's own deadline stands between it and a silent server.
    monkeypatch.setattr(views, "connection", database(silent_server))
    response = run_bounded(lambda: client.get("/healthz"))
    assert response.status_code == 503
    assert response.json() == {"error": "The database is unreachable."}
    assert silent_server.queries(), "it asked"
    views.connection.close()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def time_out(outage):
    """Make one call that gets no answer (it fails with another message if it may not even try)."""
    with pytest.raises(base.DatabaseDidNotAnswer, match="no answer"), outage.attempt():
        raise base.DatabaseDidNotAnswer("no answer")


def test_an_outage_lets_one_call_try_again_after_a_while_and_ends_when_the_database_answers(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(base, "monotonic", clock)
    outage = base.Outage()
    time_out(outage)

    with pytest.raises(base.DatabaseDidNotAnswer, match="a moment ago"), outage.attempt():
        pass
    clock.now += base.RETRY_SECONDS
    trying = outage.attempt()
    with trying, pytest.raises(base.DatabaseDidNotAnswer, match="a moment ago"), outage.attempt():
        pass  # a second caller while the first one tries
    with outage.attempt(), outage.attempt():
        pass  # answered: everybody may call again


def test_an_error_the_server_sent_ends_an_outage_and_one_from_the_client_does_not(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(base, "monotonic", clock)
    outage = base.Outage()
    time_out(outage)
    clock.now += base.RETRY_SECONDS
    with pytest.raises(psycopg.OperationalError), outage.attempt():
        raise psycopg.OperationalError("the connection is closed")
    trying = outage.attempt()
    with trying, pytest.raises(base.DatabaseDidNotAnswer, match="a moment ago"), outage.attempt():
        pass  # still an outage: a second caller while the next one tries
    with pytest.raises(errors.QueryCanceled), outage.attempt():
        raise errors.QueryCanceled("canceling statement due to statement timeout")
    with outage.attempt(), outage.attempt():
        pass  # the server answered: everybody may call again


def test_an_outage_starts_again_when_the_retry_gets_no_answer(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(base, "monotonic", clock)
    outage = base.Outage()
    time_out(outage)
    clock.now += base.RETRY_SECONDS
    time_out(outage)
    with pytest.raises(base.DatabaseDidNotAnswer, match="a moment ago"), outage.attempt():
        pass


# The slow end-to-end check: gunicorn with production settings on a private PostgreSQL that we freeze.

WORKERS, THREADS = 2, 4
# Generous bounds. Measured: healthz 0.7-2.0 s (its own deadline is 2 s), a
# static file up to 0.8 s (the time a busy thread takes to give up: a ping's 1 s,
# or a connect timeout's 3 s for a thread that has no connection yet). Before the
# deadlines both took as long as the freeze, 60 s.
HEALTHZ_WITHIN = 4
STATIC_WITHIN = 3


@pytest.fixture(scope="module")
def cluster():
    try:
        cluster = PostgresCluster()
    except FileNotFoundError as error:
        skip_or_fail(f"{error}: install PostgreSQL (.ci/run does)")
    with cluster:
        yield cluster


def serve_on(cluster, name, directory, seed, workers):
    """Start gunicorn with production settings on a new database of ``cluster``, seeded by ``seed``."""
    env = base_env(cluster.create_database(name), directory / "static")
    prepare(env)
    manage(env, "shell", "-c", seed)
    return Server(env, workers=workers, threads=THREADS)


@pytest.fixture(scope="module")
def server(cluster, tmp_path_factory):
    seed = "from blog.models import Entry; Entry.objects.create(title='Frozen', slug='frozen')"
    server = serve_on(cluster, "liveblog", tmp_path_factory.mktemp("hung"), seed, workers=WORKERS)
    yield server
    server.stop()


def timed(client, path):
    """Return the status of an answer (None if none came in the client's 10 s) and the seconds it took."""
    started = time.monotonic()
    try:
        status, _, _ = client.request(path)
    except TimeoutError:
        status = None
    return status, time.monotonic() - started


def wait_for_status(client, path, status, timeout=15):
    deadline = time.monotonic() + timeout
    while (answer := client.request(path)[0]) != status and time.monotonic() < deadline:
        time.sleep(0.2)
    return answer


@pytest.mark.slow
@pytest.mark.serving
def test_a_frozen_database_gets_a_prompt_503_from_healthz_and_static_files_keep_flowing(cluster, server):
    client = Client(server)
    _, _, page = client.request("/entries/frozen/")
    stylesheet = re.search(rb'href="(/static/blog/site\.[0-9a-f]{12}\.css)"', page)[1].decode()
    lookups = [f"/entries/not-here-{n}-" for n in range(WORKERS * THREADS * 2)]
    with concurrent.futures.ThreadPoolExecutor(len(lookups)) as readers:
        for warm_round in range(3):  # every thread opens its persistent connection
            list(readers.map(client.request, [f"{path}warm-{warm_round}/" for path in lookups]))

        cluster.freeze()
        try:
            # New addresses: nothing the micro-cache holds, each one a query.
            pending = [readers.submit(client.request, f"{path}frozen/") for path in lookups]
            time.sleep(0.3)  # the lookups reach the server first and occupy its threads
            with concurrent.futures.ThreadPoolExecutor(2) as probes:
                health = probes.submit(timed, client, "/healthz")
                static = probes.submit(timed, client, stylesheet)
                health_status, health_seconds = health.result()
                static_status, static_seconds = static.result()
            assert health_status == 503
            assert health_seconds < HEALTHZ_WITHIN
            assert static_status == 200
            assert static_seconds < STATIC_WITHIN
            concurrent.futures.wait(pending)
        finally:
            cluster.thaw()

    # Each server process tries its database again within a second or so.
    assert wait_for_status(client, "/healthz", 200) == 200
    # Addresses not asked for before: answered by the database, not a kept copy.
    assert wait_for_status(client, "/", 200) == 200
    assert wait_for_status(client, "/entries/frozen/updates.json", 200) == 200


# Readers during the outage: the micro-cache's last good copies (liveblog/microcache.py).


@pytest.fixture(scope="module")
def one_process_server(cluster, tmp_path_factory):
    """One worker, so that the copies warmed up are the ones the frozen-time requests find."""
    seed = (
        "from blog.models import Entry, LiveUpdate;"
        " entry = Entry.objects.create(title='Keynote', slug='keynote');"
        " LiveUpdate.objects.create(entry=entry, content='Doors open: polling a <div> with fetch()')"
    )
    server = serve_on(cluster, "outage", tmp_path_factory.mktemp("outage"), seed, workers=1)
    yield server
    server.stop()


def marked_stale(headers):
    return "detail=origin-error" in headers.get("Cache-Status", "") and int(headers.get("Age", "-1")) >= 1


@pytest.mark.slow
@pytest.mark.serving
def test_while_the_database_is_frozen_readers_get_the_last_good_copies_and_the_rest_a_503(
    cluster, one_process_server
):
    reader = Client(one_process_server)
    page = "/entries/keynote/"
    full = reader.get_json("/entries/keynote/updates.json")
    poll = f"/entries/keynote/updates.json?since={full['cursor']}"
    entry_id = full["cursor"].split("-")[0]
    before = {path: reader.request(path) for path in (page, poll)}
    assert all(status == 200 for status, _, _ in before.values())
    assert "polling a &lt;div&gt; with fetch()" in before[page][2].decode()

    cluster.freeze()
    try:
        time.sleep(1.1)  # past the micro-cache's fresh second (LIVE_MICROCACHE_SECONDS): copies are stale now
        for path, (_, _, body) in before.items():
            status, headers, stale_body = reader.request(path)
            assert (status, stale_body) == (200, body), path
            assert marked_stale(headers), headers

        # Never answered before the freeze: nothing to fall back on.
        status, headers, body = reader.request(f"/entries/keynote/updates.json?since={entry_id}-0")
        assert (status, headers["Content-Type"]) == (503, "application/json")
        assert headers["Retry-After"] == "30"
        assert "error" in json.loads(body)
        status, headers, body = reader.request("/")
        assert (status, headers["Content-Type"]) == (503, "text/html; charset=utf-8")
        assert b"Briefly unavailable" in body
    finally:
        cluster.thaw()

    deadline = time.monotonic() + 15
    while marked_stale(headers := reader.request(poll)[1]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not marked_stale(headers), "fresh answers again once the database is back"
