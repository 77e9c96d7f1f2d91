"""SQLite, the embedded default, stays correct for a small site with several authors at once."""

import json
import re
import threading
import time
from http import HTTPStatus

import pytest

from bench.servers import Client, Server, base_env, database, prepare
from blog.tests.factories import NO_PHOTOS

pytestmark = [pytest.mark.serving, pytest.mark.slow]

UPDATES_PER_AUTHOR = 200


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("sqlite-authors")
    # SQLite whatever the suite runs on: this is the embedded default's test.
    with database(directory, postgres_url=None) as database_url:
        env = base_env(database_url, directory / "static")
        prepare(env)
        server = Server(env, workers=2, threads=4)
        yield server
        server.stop()


def post_updates(server, entry_id, author, statuses):
    client = Client(server)
    client.log_in("author", "author-password")
    for number in range(UPDATES_PER_AUTHOR):
        status, _, _ = client.post_form(
            "/admin/blog/liveupdate/add/",
            {
                "entry": entry_id,
                "content": f"{author} says <div> number {number}",
                "_save": "Save",
                **NO_PHOTOS,
            },
        )
        statuses.append(status)


def test_two_authors_saving_at_once_lose_nothing_and_readers_get_every_update(server):
    """Measured before WAL and IMMEDIATE transactions: 149 of these 400 saves were a 500."""
    admin = Client(server)
    admin.log_in("author", "author-password")
    status, _, _ = admin.post_form(
        "/admin/blog/entry/add/",
        {"title": "Election night", "slug": "election-night", "body": "", "order": "newest",
         "time_zone": "UTC", "created_0": "2026-11-03", "created_1": "20:00:00"},
    )  # fmt: skip
    assert status == HTTPStatus.FOUND
    entry_id = re.search(rb"entry=(\d+)", admin.request("/admin/blog/entry/")[2])[1].decode()
    feed = "/entries/election-night/updates.json"
    reader = Client(server)
    cursor = reader.get_json(feed)["cursor"]

    statuses = {"alice": [], "bob": []}
    authors = [
        threading.Thread(target=post_updates, args=(server, entry_id, name, statuses[name]))
        for name in statuses
    ]
    for author in authors:
        author.start()
    seen = set()
    # A reader polls the whole time, as a page would.
    while any(author.is_alive() for author in authors):
        time.sleep(0.2)
        delta = reader.get_json(f"{feed}?since={cursor}")
        seen.update(update["id"] for update in delta["updates"] if not update["deleted"])
        cursor = delta["cursor"]
    for author in authors:
        author.join(timeout=300)
    seen.update(update["id"] for update in reader.get_json(f"{feed}?since={cursor}")["updates"])

    assert [s for s in statuses["alice"] + statuses["bob"] if s != HTTPStatus.FOUND] == []
    # A delta from the entry's first change lists every update (the plain feed shows one page of them).
    everything = json.loads(reader.request(f"{feed}?since={entry_id}-0")[2])["updates"]
    assert len(everything) == 2 * UPDATES_PER_AUTHOR
    assert seen == {update["id"] for update in everything}, "every update reached the polling reader"
