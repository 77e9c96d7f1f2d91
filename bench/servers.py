"""Real gunicorn servers with production settings, for the serving tests and `make bench`.

Each server runs the same command as the Dockerfile, on a database of its
own (an SQLite file, or a fresh PostgreSQL database when the tests run on
PostgreSQL) that every server started on it shares.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PRODUCTION_ENV = {
    "SECRET_KEY": "serving-tests-" + "k" * 40,
    "DEBUG": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SITE_URL": "https://live.example.com",
    "LOG_LEVEL": "WARNING",
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def base_env(database_url, static_root, **extra):
    return {
        "PATH": os.environ["PATH"],
        "ENV_FILE": os.devnull,  # a developer's .env must not change what is measured or tested
        **PRODUCTION_ENV,
        "DATABASE_URL": database_url,
        "STATIC_ROOT": str(static_root),
        **extra,
    }


@contextmanager
def database(directory, postgres_url=None):
    """Yield the URL of a new, migrated database, dropped afterwards."""
    if postgres_url is None:
        yield f"sqlite:///{directory / 'serving.sqlite3'}"
        return
    import psycopg

    name = f"liveblog_serving_{uuid.uuid4().hex[:8]}"
    server_url, _, _ = postgres_url.rpartition("/")
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server_url}/{name}"
    finally:
        with psycopg.connect(f"{server_url}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepare(env):
    """Migrate, collect static files and create the author account, as a release step would."""
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    manage(env, "shell", "-c", "from django.contrib.auth.models import User; "
           "User.objects.create_superuser('author', 'a@example.com', 'author-password')")  # fmt: skip


class Server:
    """gunicorn with gunicorn.conf.py, serving ``app`` (the project's WSGI module unless told)."""

    def __init__(self, env, workers=1, threads=4, app="liveblog.wsgi"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers),
               "GUNICORN_THREADS": str(threads)}  # fmt: skip
        self.log = open(Path(env["STATIC_ROOT"]).parent / f"gunicorn-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(GUNICORN), app, "--config", "gunicorn.conf.py"],
            cwd=PROJECT_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            self.wait_until_healthy()
        except RuntimeError:
            self.stop()  # no gunicorn left behind
            raise

    def wait_until_healthy(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            # A busy machine's first answer may take longer than the probe waits (TimeoutError).
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not become healthy; see {self.log.name}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Client:
    """A small HTTP client that talks to a server as a TLS-terminating proxy would.

    Every request says X-Forwarded-Proto: https, so the production redirect
    and Secure cookies behave as they do behind the CDN.
    """

    def __init__(self, server):
        self.server = server
        self.cookies = {}

    def request(self, path, data=None, headers=None, raw=False):
        """Send a GET, or a POST of ``data``: a form's fields, or with ``raw`` bytes the headers describe."""
        headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if raw:
            body = data
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Origin"] = f"https://127.0.0.1:{self.server.port}"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.server.url + path, data=body, headers=headers)
        try:
            response = urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name] = rest.split(";")[0]
            return response.status, dict(response.headers), response.read()

    def get_json(self, path):
        status, _, body = self.request(path)
        assert status == 200, (status, body[:500])
        return json.loads(body)

    def log_in(self, username, password):
        self.request("/admin/login/")
        status, headers, _ = self.request(
            "/admin/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": self.cookies["csrftoken"]},
        )
        assert status == 302, "log in failed"

    def post_form(self, path, data):
        return self.request(path, {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
