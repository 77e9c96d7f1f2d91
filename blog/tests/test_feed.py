"""The live feed: GET /entries/<slug>/updates.json[?since=<cursor>]."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from django.utils import timezone

from blog.models import LiveUpdate
from blog.tests.factories import NO_PHOTOS, make_entry, make_update
from liveblog.errors import RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db


def feed_url(entry, since=None):
    url = f"/entries/{entry.slug}/updates.json"
    return url if since is None else f"{url}?since={since}"


def poll(client, entry, since=None, **headers):
    return client.get(feed_url(entry, since), headers=headers)


def cursor(entry, version):
    """The cursor a reader holds after seeing ``entry`` at change number ``version``."""
    return f"{entry.pk}-{version}"


def test_full_feed_lists_every_update_oldest_first(client):
    entry = make_entry(slug="launch", title="Launch", time_zone="Europe/Paris")
    later = make_update(entry, content="*Second*", created="2026-06-01T10:05:00Z")
    earlier = make_update(entry, content="First", created="2026-06-01T10:00:00Z")
    response = poll(client, entry)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/json"
    plain = {"headline": None, "key_event": False, "pinned": False, "author": None, "edited": None,
             "correction": None, "day_label": "Monday 1 June 2026", "edited_label": None,
             "edited_title": None}  # fmt: skip
    assert response.json() == {
        "entry": {"slug": "launch", "title": "Launch", "is_live": True, "ended": None, "ended_label": None,
                  "ended_title": None, "ended_day_label": None, "order": "newest"},
        "updates": [
            {"id": earlier.pk, "created": "2026-06-01T12:00:00+02:00", "time": "12:00",
             "html": "<p>First</p>", "deleted": False, **plain, "time_label": "12:00 CEST",
             "time_title": "Monday 1 June 2026, 12:00 CEST (Europe/Paris)"},
            {"id": later.pk, "created": "2026-06-01T12:05:00+02:00", "time": "12:05",
             "html": "<p><em>Second</em></p>", "deleted": False, **plain, "time_label": "12:05 CEST",
             "time_title": "Monday 1 June 2026, 12:05 CEST (Europe/Paris)"},
        ],
        "cursor": f"{entry.pk}-2",
        "poll_interval": 10,
        "earlier": None,
    }  # fmt: skip


def test_poll_with_latest_cursor_returns_nothing(client):
    entry = make_entry()
    make_update(entry)
    cursor = poll(client, entry).json()["cursor"]
    body = poll(client, entry, cursor).json()
    assert (body["updates"], body["cursor"]) == ([], cursor)


def test_poll_returns_only_what_was_created_edited_or_deleted_since_the_cursor(client):
    entry = make_entry()
    unchanged, edited, deleted = make_update(entry), make_update(entry), make_update(entry)
    cursor = poll(client, entry).json()["cursor"]
    edited.content = "Corrected"
    edited.save()
    deleted_id = deleted.pk
    deleted.delete()
    new = make_update(entry, content="Fresh")
    updates = poll(client, entry, cursor).json()["updates"]
    assert unchanged.pk not in [u["id"] for u in updates]
    assert [(u["id"], u.get("html")) for u in updates if not u["deleted"]] == [
        (edited.pk, "<p>Corrected</p>"),
        (new.pk, "<p>Fresh</p>"),
    ]
    assert {"id": deleted_id, "deleted": True} in updates


def test_queryset_delete_reaches_readers(client):
    """The admin's bulk delete action uses QuerySet.delete(), which skips Model.delete()."""
    entry = make_entry()
    first, second = make_update(entry), make_update(entry)
    cursor = poll(client, entry).json()["cursor"]
    LiveUpdate.objects.filter(entry=entry).delete()
    updates = poll(client, entry, cursor).json()["updates"]
    assert sorted(u["id"] for u in updates if u["deleted"]) == [first.pk, second.pk]


def test_admin_edit_and_delete_reach_readers(admin_client, client):
    entry = make_entry()
    update = make_update(entry, content="Typo")
    cursor = poll(client, entry).json()["cursor"]
    admin_client.post(
        f"/admin/blog/liveupdate/{update.pk}/change/",
        {
            "entry": entry.pk,
            "content": "Fixed",
            "created_0": "2026-01-01",
            "created_1": "10:00:00",
            **NO_PHOTOS,
        },
    )
    delta = poll(client, entry, cursor).json()
    assert [u["html"] for u in delta["updates"]] == ["<p>Fixed</p>"]
    admin_client.post(f"/admin/blog/liveupdate/{update.pk}/delete/", {"post": "yes"})
    assert poll(client, entry, delta["cursor"]).json()["updates"] == [{"id": update.pk, "deleted": True}]


def test_backdated_update_still_reaches_readers_who_are_past_its_time(client):
    entry = make_entry()
    make_update(entry, created="2026-06-01T12:00:00Z")
    cursor = poll(client, entry).json()["cursor"]
    backdated = make_update(entry, created="2026-06-01T09:00:00Z")
    assert [u["id"] for u in poll(client, entry, cursor).json()["updates"]] == [backdated.pk]


def test_cursor_depends_only_on_the_entrys_state(client):
    """Readers who are up to date all poll one URL, which a CDN can serve from one copy."""
    entry = make_entry()
    make_update(entry)
    make_update(entry)
    from_start = poll(client, entry).json()["cursor"]
    from_middle = poll(client, entry, cursor(entry, 1)).json()["cursor"]
    assert from_start == from_middle
    assert poll(client, entry, from_start).content == poll(client, entry, from_start).content


def test_cursor_ahead_of_the_server_gets_an_empty_delta(client):
    entry = make_entry()
    make_update(entry)
    response = poll(client, entry, cursor(entry, 999))
    assert response.status_code == HTTPStatus.OK
    assert (response.json()["updates"], response.json()["cursor"]) == ([], cursor(entry, 1))


def test_ended_entry_tells_readers_to_stop_polling(client):
    entry = make_entry(time_zone="America/New_York", ended=dt.datetime(2026, 11, 4, 6, 40, tzinfo=dt.UTC))
    body = poll(client, entry).json()
    assert (body["entry"]["is_live"], body["poll_interval"]) == (False, None)
    assert body["entry"]["ended"] == "2026-11-04T01:40:00-05:00"
    assert (body["entry"]["ended_label"], body["entry"]["ended_day_label"]) == (
        "01:40 EST",
        "Wednesday 4 November 2026",
    )


def test_ended_entry_feed_is_cached_longer(client, settings):
    settings.LIVE_ENDED_MAX_AGE = 600
    response = poll(client, make_entry(ended=timezone.now()))
    assert response["Cache-Control"] == "public, max-age=600, stale-if-error=300"


def test_feed_is_publicly_cacheable_for_one_poll_interval(client):
    response = poll(client, make_entry())
    assert response["Cache-Control"] == ("public, max-age=10, stale-if-error=300")
    assert response["ETag"]


def test_feed_never_sets_a_cookie_or_varies_on_cookie(client, admin_user):
    client.force_login(admin_user)
    response = poll(client, make_entry())
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()


def test_matching_if_none_match_answers_304_without_a_body(client):
    entry = make_entry()
    make_update(entry)
    etag = poll(client, entry)["ETag"]
    response = poll(client, entry, If_None_Match=etag)
    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("public, max-age=10")


def test_new_update_changes_the_etag(client):
    entry = make_entry()
    etag = poll(client, entry)["ETag"]
    make_update(entry)
    assert poll(client, entry, If_None_Match=etag).status_code == HTTPStatus.OK


def test_head_answers_the_get_headers_without_a_body(client):
    entry = make_entry()
    make_update(entry)
    get, head = poll(client, entry), client.head(feed_url(entry))
    assert head.status_code == HTTPStatus.OK
    assert head.content == b""
    # No ETag on HEAD straight from Django: its ConditionalGetMiddleware handles GET
    # only. In production the micro-cache answers HEAD from the GET copy, ETag included.
    assert (head["Content-Type"], head["Cache-Control"]) == (get["Content-Type"], get["Cache-Control"])


@pytest.mark.parametrize(
    "since",
    ["abc", "%00", "1" * 40, "-1", "", "1.5", "9223372036854775808", "%D9%A3", "1-", "-1-2", "1-2-3",
     "1-9223372036854775808", "1_2"],
)  # fmt: skip
def test_malformed_or_out_of_range_cursor_is_a_400_with_a_json_error(client, since):
    entry = make_entry()
    response = client.get(f"{feed_url(entry)}?since={since}")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "since" in response.json()["error"]


def test_largest_cursor_is_accepted(client):
    entry = make_entry()
    response = poll(client, entry, cursor(entry, 9223372036854775807))
    assert response.status_code == HTTPStatus.OK
    assert response.json()["updates"] == []


def test_unknown_entry_is_a_404_with_a_json_error(client):
    response = client.get("/entries/no-such-event/updates.json")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": "There is no live blog at this address."}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_a_405_with_a_json_error_not_a_csrf_403(method):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(feed_url(make_entry()))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert response["Allow"] == "GET, HEAD"
    assert "error" in response.json()


# 120: more than two pages (LIVE_PAGE_SIZE is 50), so the full feed is one page of several.
@pytest.mark.parametrize("update_count", [2, 120])
def test_queries_per_poll_do_not_grow_with_the_number_of_updates(
    client, django_assert_num_queries, update_count
):
    entry = make_entry()
    for _ in range(update_count):
        make_update(entry)
    LiveUpdate.objects.filter(pk=LiveUpdate.objects.first().pk).delete()
    with django_assert_num_queries(2):  # the entry (with its number of updates), its page
        poll(client, entry)
    with django_assert_num_queries(3):  # the entry, what changed, what was deleted
        poll(client, entry, cursor(entry, 0))
    entry.refresh_from_db()
    with django_assert_num_queries(1):
        poll(client, entry, cursor(entry, entry.version))


def test_poll_never_renders_markdown(client, monkeypatch):
    entry = make_entry()
    make_update(entry)

    def fail(_text):
        raise AssertionError("markdown rendered on the read path")

    monkeypatch.setattr("blog.rendering.render_markdown", fail)
    monkeypatch.setattr("blog.models.render_markdown", fail)
    assert poll(client, entry).status_code == HTTPStatus.OK
    assert poll(client, entry, cursor(entry, 0)).status_code == HTTPStatus.OK


def test_update_moved_to_another_entry_leaves_the_old_one_and_joins_the_new(client):
    """An author who posted to the wrong entry moves the update in the admin."""
    wrong, right = make_entry(), make_entry()
    update = make_update(wrong, content="Posted in haste")
    wrong_cursor = poll(client, wrong).json()["cursor"]
    right_cursor = poll(client, right).json()["cursor"]

    update.entry = right
    update.save()

    assert poll(client, wrong, wrong_cursor).json()["updates"] == [{"id": update.pk, "deleted": True}]
    assert [u["id"] for u in poll(client, right, right_cursor).json()["updates"]] == [update.pk]


def test_update_moved_away_and_back_is_not_reported_deleted(client):
    entry, other = make_entry(), make_entry()
    update = make_update(entry)
    cursor = poll(client, entry).json()["cursor"]
    update.entry = other
    update.save()
    update.entry = entry
    update.save()
    assert [(u["id"], u["deleted"]) for u in poll(client, entry, cursor).json()["updates"]] == [
        (update.pk, False)
    ]


def test_changing_the_entrys_time_zone_sends_every_update_again_with_its_new_time(client):
    entry = make_entry(time_zone="UTC")
    update = make_update(entry, created="2026-06-01T10:00:00Z")
    cursor = poll(client, entry).json()["cursor"]
    entry.time_zone = "Europe/Paris"
    entry.save()
    [resent] = poll(client, entry, cursor).json()["updates"]
    assert (resent["id"], resent["time"]) == (update.pk, "12:00")
    assert resent["created"] == "2026-06-01T12:00:00+02:00"


def test_other_entry_edits_do_not_resend_updates(client):
    entry = make_entry()
    make_update(entry)
    cursor = poll(client, entry).json()["cursor"]
    entry.title = "Renamed"
    entry.save()
    body = poll(client, entry, cursor).json()
    assert (body["entry"]["title"], body["updates"]) == ("Renamed", [])


def test_a_cursor_from_another_entry_that_had_this_slug_starts_the_reader_over(client):
    """An entry deleted and created again under its slug: old cursors must not wait for its counter."""
    old = make_entry(slug="keynote")
    for _ in range(5):
        make_update(old)
    stale_cursor = poll(client, old).json()["cursor"]
    old.delete()
    new = make_entry(slug="keynote")
    fresh = make_update(new, content="Back on")
    response = poll(client, new, stale_cursor)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == feed_url(new)
    assert response["Cache-Control"].startswith("public, max-age=10")
    body = client.get(response["Location"]).json()
    assert ([u["id"] for u in body["updates"]], body["cursor"]) == ([fresh.pk], cursor(new, 1))


def test_a_bare_counter_from_before_cursors_named_entries_starts_the_reader_over(client):
    entry = make_entry()
    response = poll(client, entry, "5")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == feed_url(entry)


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("since=0007-0003", "?since=7-3"),
        ("since=7-3&x=1", "?since=7-3"),
        ("x=123", ""),
        ("since=7%2D3", "?since=7-3"),
        ("since=7-3&", "?since=7-3"),
        ("since=1-1&since=7-3", "?since=7-3"),
    ],
)
def test_any_other_spelling_of_a_feed_url_redirects_to_the_canonical_one(
    client, django_assert_num_queries, query, canonical
):
    """A cache-buster (`?x=<n>`) or a padded cursor would otherwise bypass the CDN and the micro-cache."""
    with django_assert_num_queries(0):
        response = client.get(f"/entries/launch/updates.json?{query}")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == f"/entries/launch/updates.json{canonical}"
    assert response["Cache-Control"].startswith("public, max-age=10")


def test_a_disallowed_host_gets_a_json_400(client):
    response = client.get(feed_url(make_entry()), headers={"Host": "evil.example"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json()


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("gone")])
def test_a_database_outage_gets_a_json_503_with_retry_after(monkeypatch, error):
    entry = make_entry()

    def unavailable(*args, **kwargs):
        raise error

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", unavailable)
    response = Client(raise_request_exception=False).get(feed_url(entry))
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {"error": "The live blog is briefly unavailable. Please try again in a moment."}
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_any_other_server_error_is_a_json_500(monkeypatch):
    entry = make_entry()

    def broken(*args, **kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("blog.live.changes_since", broken)
    response = Client(raise_request_exception=False).get(feed_url(entry))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.json() == {"error": "Something went wrong."}


def test_a_write_precondition_is_ignored_as_the_micro_cache_ignores_it(client):
    """Django alone answered `If-Match: "junk"` with a 412, a warm micro-cache with a 200."""
    response = poll(client, make_entry(), If_Match='"junk"')
    assert response.status_code == HTTPStatus.OK
    assert "updates" in response.json()
