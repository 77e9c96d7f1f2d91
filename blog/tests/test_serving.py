"""The production server: gunicorn running the Dockerfile's command with production settings."""

import json
import os
import re
import time

import pytest

from bench.servers import Client, Server, base_env, database, manage, prepare
from blog.tests.factories import NO_PHOTOS

pytestmark = pytest.mark.serving


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    directory = tmp_path_factory.mktemp("serving")
    url = os.environ.get("DATABASE_URL", "")
    with database(directory, url if url.startswith("postgres") else None) as database_url:
        env = base_env(database_url, directory / "static")
        prepare(env)
        yield env


@pytest.fixture(scope="module")
def server(env):
    server = Server(env)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def entry(env):
    manage(env, "bench_data", "serving-entry", "--updates", "3")
    return "/entries/serving-entry/"


@pytest.fixture(scope="module")
def second_server(env):
    server = Server(env)
    yield server
    server.stop()


def wait_for(read, condition, timeout=10):
    """Poll ``read()`` until ``condition`` holds: a reader's next poll comes within one interval."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if condition(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_health_check_answers_over_plain_http(server):
    status, headers, body = Client(server).request("/healthz", headers={"X-Forwarded-Proto": "http"})
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert "no-cache" in headers["Cache-Control"]


def test_plain_http_is_redirected_to_https(server):
    status, headers, _ = Client(server).request("/", headers={"X-Forwarded-Proto": "http"})
    assert status == 301
    assert headers["Location"].startswith("https://127.0.0.1")


def test_static_files_are_hashed_compressed_and_cached_for_a_year(server):
    client = Client(server)
    _, _, page = client.request("/")
    stylesheet = re.search(rb'href="(/static/blog/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "pages link hashed static names"
    for encoding in ["gzip", "br"]:
        status, headers, _ = client.request(stylesheet[1].decode(), headers={"Accept-Encoding": encoding})
        assert status == 200
        assert headers["Content-Encoding"] == encoding
        assert headers["Cache-Control"] == "max-age=315360000, public, immutable"


def test_an_update_posted_edited_and_deleted_through_one_server_reaches_readers_of_another(
    server, second_server
):
    author, reader = Client(server), Client(second_server)
    author.log_in("author", "author-password")
    status, _, _ = author.post_form(
        "/admin/blog/entry/add/",
        {"title": "Two servers", "slug": "two-servers", "body": "", "order": "newest", "time_zone": "UTC",
         "created_0": "2026-11-25", "created_1": "10:00:00"},
    )  # fmt: skip
    assert status == 302
    feed = "/entries/two-servers/updates.json"
    cursor = reader.get_json(feed)["cursor"]
    entry_id = re.search(rb"entry=(\d+)", author.request("/admin/blog/entry/")[2])[1].decode()

    author.post_form(
        "/admin/blog/liveupdate/add/", {"entry": entry_id, "content": "Posted on one", **NO_PHOTOS}
    )
    posted = wait_for(lambda: reader.get_json(f"{feed}?since={cursor}"), lambda d: d["updates"])
    [update] = posted["updates"]
    assert update["html"] == "<p>Posted on one</p>"

    author.post_form(
        f"/admin/blog/liveupdate/{update['id']}/change/",
        {
            "entry": entry_id,
            "content": "Edited on one",
            "created_0": "2026-11-25",
            "created_1": "10:05:00",
            **NO_PHOTOS,
        },  # fmt: skip
    )
    since = posted["cursor"]
    edited = wait_for(lambda: reader.get_json(f"{feed}?since={since}"), lambda d: d["updates"])
    assert [u["html"] for u in edited["updates"]] == ["<p>Edited on one</p>"]

    author.post_form(f"/admin/blog/liveupdate/{update['id']}/delete/", {"post": "yes"})
    since = edited["cursor"]
    deleted = wait_for(lambda: reader.get_json(f"{feed}?since={since}"), lambda d: d["updates"])
    assert deleted["updates"] == [{"id": update["id"], "deleted": True}]
    assert reader.get_json(feed)["updates"] == []


def test_a_script_name_header_cannot_mount_the_app_elsewhere(server, entry):
    """A client's SCRIPT_NAME once made gunicorn serve pages whose links all pointed under it (issue 8)."""
    status, _, _ = Client(server).request(f"/evil{entry}", headers={"SCRIPT_NAME": "/evil"})
    assert status == 404
    status, _, page = Client(server).request(entry, headers={"SCRIPT_NAME": "/evil"})
    assert status == 200
    assert f'data-feed-url="{entry}updates.json"'.encode() in page
    assert b"/evil" not in page


def test_a_script_name_header_does_not_break_the_feed(server, entry):
    status, headers, body = Client(server).request(f"{entry}updates.json", headers={"SCRIPT_NAME": "/x"})
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert json.loads(body)["entry"]["slug"] == "serving-entry"
