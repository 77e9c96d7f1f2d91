from http import HTTPStatus

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.tests.factories import make_entry, make_update, make_user

pytestmark = pytest.mark.django_db


def test_home_lists_live_entries_then_ended_ones_each_newest_first(client):
    make_entry(title="Old keynote", created="2026-01-01T10:00:00Z", ended=timezone.now())
    make_entry(title="Last keynote", created="2026-01-02T10:00:00Z", ended=timezone.now())
    make_entry(title="Election night", created="2026-01-03T10:00:00Z")
    make_entry(title="Product launch", created="2026-02-01T10:00:00Z")
    html = client.get("/").content.decode()
    positions = [html.index(text) for text in ("Live now", "Product launch", "Election night", ">Ended<",
                                                "Last keynote", "Old keynote")]  # fmt: skip
    assert positions == sorted(positions)
    assert html.count('class="badge badge-live"') == 2
    assert html.count('class="badge badge-ended"') == 2
    assert 'href="/entries/' in html


def test_home_says_when_nothing_is_live(client):
    make_entry(title="Old keynote", ended=timezone.now())
    html = client.get("/").content.decode()
    assert "Nothing is live right now." in html
    assert "Old keynote" in html


def test_entry_page_shows_title_badge_intro_and_updates_in_the_entrys_order(client):
    entry = make_entry(title="Launch", body="The *intro*", order="oldest")
    late = make_update(entry, content="Second", created="2026-03-01T10:05:00Z")
    early = make_update(entry, content="First", created="2026-03-01T10:00:00Z")
    response = client.get(f"/entries/{entry.slug}/")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<h1>Launch</h1>" in html
    assert ">Live<" in html
    assert "<p>The <em>intro</em></p>" in html
    assert 'id="live-updates"' in html
    assert html.index(f'id="update-{early.pk}"') < html.index(f'id="update-{late.pk}"')


def test_each_update_has_a_permalinked_time_in_the_entrys_zone(client):
    entry = make_entry(time_zone="Asia/Tokyo")
    update = make_update(entry, created="2026-03-01T10:00:00Z")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert (
        f'<a class="update-time" href="/entries/{entry.slug}/updates/{update.pk}/">'
        '<time datetime="2026-03-01T19:00:00+09:00" title="Sunday 1 March 2026, 19:00 JST (Asia/Tokyo)">'
        "19:00 JST</time></a>"
    ) in html


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        ("2026-03-29T00:30:00Z", "00:30 GMT"),  # before Europe/London moves to BST
        ("2026-03-29T01:30:00Z", "02:30 BST"),  # after
        ("2026-10-25T00:30:00Z", "01:30 BST"),  # first 01:30 of the day BST ends
        ("2026-10-25T01:30:00Z", "01:30 GMT"),  # second 01:30, now GMT
    ],
)
def test_times_are_right_on_both_sides_of_a_daylight_saving_change(client, utc, local):
    entry = make_entry(time_zone="Europe/London")
    make_update(entry, created=utc)
    assert f">{local}</time>" in client.get(entry.get_absolute_url()).content.decode()


def test_title_is_plain_text_and_always_escaped(client):
    entry = make_entry(title="<script>alert(1)</script> & more")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_unknown_entry_is_a_404_page(client):
    response = client.get("/entries/no-such-event/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.content.decode()


def test_page_declares_its_language_and_viewport(client):
    html = client.get(reverse("blog:entry_list")).content.decode()
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html


def test_entry_page_needs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    """The entry, its number of updates, its page of them, its key events and its pinned update."""
    entry = make_entry(show_bylines=True)
    for number in range(20):
        make_update(entry, author=make_user(f"author{number % 3}"), headline=f"News {number}",
                    key_event=number % 2 == 0)  # fmt: skip
    make_update(entry, pinned=True)
    with django_assert_max_num_queries(5):
        client.get(entry.get_absolute_url())


def test_entry_page_is_cacheable_by_a_shared_cache_without_cookies(client):
    response = client.get(make_entry().get_absolute_url())
    assert response["Cache-Control"] == "public, max-age=10, stale-if-error=300"
    assert not response.cookies
    assert "cookie" not in response.get("Vary", "").lower()


def test_entry_page_embeds_the_feed_url_and_its_cursor(client):
    entry = make_entry(slug="launch")
    make_update(entry)
    make_update(entry)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'data-feed-url="/entries/launch/updates.json"' in html
    assert f'data-cursor="{entry.pk}-2"' in html
    assert 'data-poll-interval="10"' in html
    assert '<script src="/static/blog/live.js" defer></script>' in html


def test_ended_entry_page_says_so_and_embeds_no_poll_interval(client):
    html = client.get(make_entry(ended=timezone.now()).get_absolute_url()).content.decode()
    assert 'data-poll-interval=""' in html
    assert "This live blog has ended." in html
    assert 'id="live-badge"' not in html
    assert '<p class="badge badge-ended">Ended</p>' in html


def test_page_holds_an_empty_update_template_for_the_script(client):
    html = client.get(make_entry().get_absolute_url()).content.decode()
    template = html.split('<template id="update-template">')[1].split("</template>")[0]
    assert '<article class="update" id="update-" data-id="" data-day="" data-day-label="">' in template
    # Every optional part is there for the script to fill or remove.
    for part in ("update-edited", "tag-key-event", "tag-pinned", "update-byline", "update-headline",
                 "update-correction", "update-body"):  # fmt: skip
        assert f'class="{part}' in template or f"tag {part}" in template


def test_entry_page_has_an_etag_so_caches_can_revalidate(client):
    entry = make_entry()
    etag = client.get(entry.get_absolute_url())["ETag"]
    response = client.get(entry.get_absolute_url(), headers={"If-None-Match": etag})
    assert response.status_code == HTTPStatus.NOT_MODIFIED


@pytest.mark.parametrize("path", ["/", "/entries/launch/"])
@pytest.mark.parametrize("query", ["x=1", "utm_source=social&utm_medium=post", "="])
def test_a_page_asked_for_with_a_query_string_redirects_to_its_bare_url(
    client, django_assert_num_queries, path, query
):
    """Cache-busters and tracking parameters would each be a separate copy for the CDN to fetch."""
    with django_assert_num_queries(0):
        response = client.get(f"{path}?{query}")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == path
    assert response["Cache-Control"].startswith("public, max-age=10")


@pytest.mark.parametrize("path", ["/", "/entries/launch/"])
def test_a_database_outage_gets_an_html_503_page_with_retry_after(monkeypatch, path):
    """Never a 200 that says "Nothing here yet" for the CDN to cache: templates swallow errors in {% if %}."""
    make_entry(slug="launch")

    def unavailable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", unavailable)
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Briefly unavailable" in response.content.decode()
    assert int(response["Retry-After"]) > 0
