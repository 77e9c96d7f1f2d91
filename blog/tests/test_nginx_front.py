"""The nginx front (deploy/nginx/templates): what reaches the app, and slow clients that do not.

nginx runs on the templates rendered as the official image renders them, in
front of a recording upstream (what exactly reaches the app) or of gunicorn
with production settings (slow clients against real readers, issue 8).
"""

import functools
import http.client
import http.server
import json
import os
import re
import select
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.nginx import Nginx, open_to_workers
from bench.servers import PROJECT_ROOT, Server, base_env, database, free_port, manage, prepare

pytestmark = pytest.mark.serving

TEMPLATES = PROJECT_ROOT / "deploy" / "nginx" / "templates"
MB = 1024 * 1024


def render(template, values):
    """Fill in ``${NAME}`` as the nginx image's envsubst does, refusing to leave any unfilled."""
    text = re.sub(r"\$\{(\w+)\}", lambda match: values[match[1]], template)
    assert "${" not in text
    return text


@dataclass
class Front:
    nginx: Nginx
    http_port: int
    https_port: int
    tls: ssl.SSLContext

    def connect(self, https=True, timeout=10):
        if not https:
            return http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=timeout)
        return http.client.HTTPSConnection("127.0.0.1", self.https_port, timeout=timeout, context=self.tls)

    def open_tls_socket(self):
        sock = socket.create_connection(("127.0.0.1", self.https_port), timeout=5)
        return self.tls.wrap_socket(sock, server_hostname="127.0.0.1")

    def get(self, path, headers=None, https=True, timeout=10):
        connection = self.connect(https, timeout)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()


@contextmanager
def nginx_front(upstream):
    """nginx on the deploy templates in front of ``upstream``, on loopback, with a throwaway certificate."""
    with tempfile.TemporaryDirectory(prefix="liveblog-nginx-") as name:
        directory = Path(name)
        (directory / "temp").mkdir()
        open_to_workers(directory / "temp", directory)
        # The templates read tls/ beside nginx.conf, as in the image.
        tls = directory / "tls"
        tls.mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", tls / "privkey.pem", "-out", tls / "fullchain.pem"],
            check=True, capture_output=True,
        )  # fmt: skip
        http_port, https_port = free_port(), free_port()
        values = {
            "LIVEBLOG_UPSTREAM": upstream,
            "NGINX_HTTP_LISTEN": f"127.0.0.1:{http_port}",
            "NGINX_HTTPS_LISTEN": f"127.0.0.1:{https_port}",
        }
        # Every template, as the image renders them all into conf.d/, inside its http block.
        config = "\n".join(render(path.read_text(), values) for path in sorted(TEMPLATES.glob("*.template")))
        nginx = Nginx(directory, config, https_port, workers=1)
        context = ssl.create_default_context(cafile=tls / "fullchain.pem")
        try:
            yield Front(nginx, http_port, https_port, context)
        finally:
            nginx.stop()


# What reaches the app ----------------------------------------------------------------------------


class Recorder(http.server.ThreadingHTTPServer):
    """An upstream that answers 200 and keeps each request's path, headers and body size."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.requests = []

    @property
    def last(self):
        return self.requests[-1]


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.record(0)

    def do_POST(self):
        remaining, size = int(self.headers.get("Content-Length", 0)), 0
        while remaining:
            chunk = self.rfile.read(min(remaining, MB))
            remaining, size = remaining - len(chunk), size + len(chunk)
        self.record(size)

    def record(self, body_size):
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.requests.append({"path": self.path, "headers": headers, "body_size": body_size})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def recorder():
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def front(recorder):
    with nginx_front(f"127.0.0.1:{recorder.server_address[1]}") as front:
        yield front


def test_the_front_passes_the_host_and_says_the_request_was_https(front, recorder):
    status, _, _ = front.get("/entries/x/", headers={"Host": "live.example.com"})
    assert status == 200
    headers = recorder.last["headers"]
    assert (headers["host"], headers["x-forwarded-proto"]) == ("live.example.com", "https")


def test_a_client_cannot_claim_https_over_plain_http(front, recorder):
    front.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on"}, https=False)
    headers = recorder.last["headers"]
    assert headers["x-forwarded-proto"] == "http"
    assert "x-forwarded-ssl" not in headers


def test_a_client_cannot_choose_its_address(front, recorder):
    """Each address header holds one address, the connection's: what login throttling may trust."""
    spoofed = "203.0.113.9"
    names = ["X-Forwarded-For", "X-Real-IP", "CF-Connecting-IP", "True-Client-IP", "Client-IP"]
    front.get("/", headers={**dict.fromkeys(names, spoofed), "Forwarded": f"for={spoofed}"})
    headers = recorder.last["headers"]
    assert [headers[name] for name in ["x-real-ip", "x-forwarded-for", "cf-connecting-ip"]] == [
        "127.0.0.1"
    ] * 3
    assert spoofed not in json.dumps(headers)


def test_headers_with_underscores_never_reach_the_app(front, recorder):
    """gunicorn would read SCRIPT_NAME as the app's mount point, and X_Forwarded_For as X-Forwarded-For."""
    front.get("/", headers={"SCRIPT_NAME": "/evil", "PATH_INFO": "/evil", "X_Forwarded_For": "203.0.113.9"})
    headers = recorder.last["headers"]
    assert [name for name in headers if "_" in name] == []
    assert headers["x-forwarded-for"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("path", "limit"), [("/admin/blog/liveupdate/add/", 100 * MB), ("/entries/a/", 1 * MB)]
)
def test_a_body_over_the_limit_is_refused_before_it_reaches_the_app(front, recorder, path, limit):
    """Authors post several photos of up to 25 MB in one save; readers post nothing."""
    seen = len(recorder.requests)
    connection = front.connect()
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Length", str(limit + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    assert len(recorder.requests) == seen


def test_an_update_with_three_photos_of_25_mb_reaches_the_app_whole(front, recorder):
    connection = front.connect()
    try:
        connection.request("POST", "/admin/blog/liveupdate/add/", body=b"x" * (76 * MB))
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    assert recorder.last["body_size"] == 76 * MB


# Slow clients ------------------------------------------------------------------------------------

SLOW_SECONDS = 30
SLOW_TICK = 3  # seconds between two lines from each slow client
SLOW_PAGE = "/entries/slow-clients/"


class SlowClients:
    """Connections that trickle requests, one line every SLOW_TICK seconds, for a bounded time.

    Half send their request headers a line at a time; the other half send
    whole headers, as a browser posting a form would, then the body a few
    bytes at a time. A connection the server answers or closes (as nginx does
    when client_header_timeout runs out) is opened again at once, so ``count``
    of them press on the server all along.
    """

    def __init__(self, connect, count, seconds):
        self.connect, self.count, self.seconds = connect, count, seconds
        self.lines = 0
        self.reopened = {"headers": 0, "body": 0}
        self.error = None
        self.started = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        """Start, and return once every slow client has sent the start of its request."""
        self.thread.start()
        self.started.wait(timeout=30)
        return self

    def __exit__(self, *exc_info):
        self.thread.join(self.seconds + 30)

    @staticmethod
    def opening(kind):
        if kind == "headers":
            return f"GET {SLOW_PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        # With an Origin and a CSRF cookie, as a browser posting a form sends them,
        # Django's CSRF check reads the body to look for the token.
        return (f"POST {SLOW_PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://127.0.0.1\r\n"
                f"Cookie: csrftoken={'c' * 32}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 100000\r\n\r\n").encode()  # fmt: skip

    @staticmethod
    def line(kind, number):
        return f"X-Slow-{number}: {number}\r\n".encode() if kind == "headers" else f"a{number}=b&".encode()

    def open(self, kind):
        sock = self.connect()
        sock.sendall(self.opening(kind))
        return sock

    def run(self):
        kinds = ["headers", "body"] * (self.count // 2)
        sockets = []
        try:
            sockets = [self.open(kind) for kind in kinds]
            self.started.set()
            deadline = time.monotonic() + self.seconds
            number = 0
            while time.monotonic() < deadline:
                time.sleep(SLOW_TICK)
                number += 1
                for index, (kind, sock) in enumerate(zip(kinds, sockets, strict=True)):
                    if answered(sock):
                        sock.close()
                        sockets[index] = sock = self.open(kind)
                        self.reopened[kind] += 1
                    sock.sendall(self.line(kind, number))
                    self.lines += 1
        except OSError as error:
            self.error = error
        finally:
            for sock in sockets:
                sock.close()


def answered(sock):
    """Whether the server has answered or closed ``sock`` (TLS session tickets do not count)."""
    if not select.select([sock], [], [], 0)[0]:
        return False
    sock.setblocking(False)
    try:
        sock.recv(1)
        return True
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    except OSError:
        return True
    finally:
        sock.settimeout(5)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """gunicorn with production settings on a migrated database, with one entry and static files."""
    directory = tmp_path_factory.mktemp("front")
    url = os.environ.get("DATABASE_URL", "")
    with database(directory, url if url.startswith("postgres") else None) as database_url:
        env = base_env(database_url, directory / "static")
        prepare(env)
        manage(env, "bench_data", SLOW_PAGE.split("/")[2], "--updates", "20")
        server = Server(env)
        yield server
        server.stop()


def reader_paths(front):
    status, _, page = front.get(SLOW_PAGE)
    assert status == 200
    stylesheet = re.search(rb'href="(/static/[^"]+\.css)"', page)[1].decode()
    return [SLOW_PAGE, f"{SLOW_PAGE}updates.json", stylesheet, "/healthz"]


def read_all(connect, paths):
    """Fetch each path once, as a new reader would; return (path, status or error, seconds) for each."""
    answers = []
    for path in paths:
        started = time.monotonic()
        connection = connect()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            outcome = response.status
        except OSError as error:
            outcome = type(error).__name__
        finally:
            connection.close()
        answers.append((path, outcome, round(time.monotonic() - started, 3)))
    return answers


@pytest.mark.slow
def test_readers_are_answered_within_a_second_while_50_slow_clients_press_on_the_front(app):
    with nginx_front(f"127.0.0.1:{app.port}") as front:
        paths = reader_paths(front)
        late = []
        rounds = 0
        with SlowClients(front.open_tls_socket, count=50, seconds=SLOW_SECONDS) as slow:
            while slow.thread.is_alive():
                answers = read_all(lambda: front.connect(timeout=1), paths)
                late += [answer for answer in answers if answer[1] != 200 or answer[2] >= 1]
                rounds += 1
                time.sleep(0.5)
    assert late == []
    assert rounds >= 20
    assert slow.error is None
    assert slow.lines >= 50 * (SLOW_SECONDS // SLOW_TICK - 1), "the slow clients pressed on all along"
    assert slow.reopened["headers"] >= 25, "client_header_timeout cut every header trickler off"


@pytest.mark.slow
def test_without_the_front_a_few_slow_clients_starve_gunicorn(app):
    """Why the front exists: straight at gunicorn, eight slow clients leave readers unanswered."""
    connect = functools.partial(socket.create_connection, ("127.0.0.1", app.port), timeout=5)
    with SlowClients(connect, count=8, seconds=2 * SLOW_TICK) as slow:
        answers = read_all(lambda: http.client.HTTPConnection("127.0.0.1", app.port, timeout=2), ["/healthz"])
    assert slow.error is None
    assert [outcome for _, outcome, _ in answers] == ["TimeoutError"]
