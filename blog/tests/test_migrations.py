"""Migrations that move data keep its meaning for a site that upgrades mid-event."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_NEWSROOM = [("blog", "0004_photos")]
AFTER_NEWSROOM = [("blog", "0006_rerender_headings")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    """The models as they were before issue 10; the schema goes back to the latest afterwards."""
    apps = migrate(BEFORE_NEWSROOM)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_upgrading_ends_entries_that_were_not_live_and_keeps_every_pages_order(old_apps):
    Entry, LiveUpdate = old_apps.get_model("blog", "Entry"), old_apps.get_model("blog", "LiveUpdate")
    created = dt.datetime(2026, 11, 3, 23, 0, tzinfo=dt.UTC)
    Entry.objects.create(title="Live", slug="live", is_live=True, created=created)
    over = Entry.objects.create(title="Over", slug="over", is_live=False, created=created)
    Entry.objects.create(title="Empty", slug="empty", is_live=False, created=created)
    last = created + dt.timedelta(hours=7)
    LiveUpdate.objects.create(entry=over, content="# Result", content_html="<h2>Result</h2>", created=last)
    LiveUpdate.objects.create(
        entry=over, content="Polls close", content_html="<p>Polls close</p>", created=created
    )

    apps = migrate(AFTER_NEWSROOM)
    Entry, LiveUpdate = apps.get_model("blog", "Entry"), apps.get_model("blog", "LiveUpdate")
    ended = dict(Entry.objects.values_list("slug", "ended"))
    assert ended == {"live": None, "over": last, "empty": created}
    assert set(Entry.objects.values_list("order", flat=True)) == {"oldest"}
    result = LiveUpdate.objects.get(content="# Result")
    assert (result.posted, result.content_html) == (last, "<h3>Result</h3>")
    assert result.version > LiveUpdate.objects.get(content="Polls close").version, "readers get the new HTML"
