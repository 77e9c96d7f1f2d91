"""Long live blogs: the entry page shows its latest updates, archive pages the earlier ones."""

from datetime import UTC, datetime, timedelta

import pytest

from blog import pages
from blog.models import Entry, LiveUpdate
from blog.tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 3, 20, 0, tzinfo=UTC)


def fill(entry, count, start=0):
    """Post ``count`` updates a minute apart, numbered from ``start``; returns them oldest first."""
    return [
        make_update(entry, content=f"Number {number}", created=START + timedelta(minutes=number))
        for number in range(start, start + count)
    ]


def numbers(document):
    return [
        int(update["html"].removeprefix("<p>Number ").removesuffix("</p>")) for update in document["updates"]
    ]


@pytest.mark.parametrize(
    ("total", "archives", "on_entry_page"),
    [(0, 0, 0), (1, 0, 1), (4, 0, 4), (5, 0, 5), (9, 0, 9), (10, 1, 5), (11, 1, 6), (14, 1, 9), (15, 2, 5)],
)
def test_pages_of_five_split_exactly_at_their_boundaries(total, archives, on_entry_page):
    assert pages.archive_count(total, 5) == archives
    assert pages.live_page_length(total, 5) == on_entry_page


def test_archive_pages_hold_the_oldest_updates_in_fives_and_the_entry_page_the_rest():
    assert [pages.archive_bounds(page, 5) for page in (1, 2)] == [(0, 5), (5, 10)]
    assert [pages.page_of(position, 15, 5) for position in (0, 4, 5, 9, 10, 14)] == [1, 1, 2, 2, None, None]
    assert pages.page_of(4, 9, 5) is None


def test_page_size_comes_from_the_setting(settings):
    settings.LIVE_PAGE_SIZE = 3
    assert pages.archive_count(6) == 1
    assert pages.live_page_length(8) == 5


def test_entry_page_shows_only_its_latest_updates_with_a_link_to_earlier_ones(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry(order=Entry.Order.NEWEST)
    updates = fill(entry, 16)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "Number 9<" not in html
    assert [number for number in range(10, 16) if f"Number {number}<" in html] == list(range(10, 16))
    assert f'<a href="/entries/{entry.slug}/pages/2/" data-json="/entries/{entry.slug}/pages/2.json">' in html
    # Newest first: the earlier updates belong below the list.
    assert html.index(f'id="update-{updates[10].pk}"') < html.index('id="earlier-updates"')


def test_earlier_updates_link_sits_above_an_oldest_first_list(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry(order=Entry.Order.OLDEST)
    updates = fill(entry, 10)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert html.index('id="earlier-updates"') < html.index(f'id="update-{updates[5].pk}"')


def test_entry_page_of_fewer_than_two_pages_shows_everything_and_no_link(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    fill(entry, 9)
    html = client.get(entry.get_absolute_url()).content.decode()
    assert all(f"Number {number}<" in html for number in range(9))
    assert "earlier-updates" not in html


def test_archive_page_shows_its_updates_with_links_to_newer_and_earlier_ones(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry(order=Entry.Order.OLDEST)
    fill(entry, 20)
    response = client.get(f"/entries/{entry.slug}/pages/2/")
    html = response.content.decode()
    assert [number for number in range(20) if f"Number {number}<" in html] == [5, 6, 7, 8, 9]
    assert html.index("Number 5<") < html.index("Number 9<")
    assert f'<a href="/entries/{entry.slug}/pages/3/" rel="prev">Newer updates</a>' in html
    assert f'<a href="/entries/{entry.slug}/pages/1/" rel="next">Earlier updates</a>' in html
    assert f'href="/entries/{entry.slug}/"' in html
    assert "live.js" not in html, "an archive page never polls"
    assert response["Cache-Control"] == "public, max-age=300, stale-if-error=300"


def test_newest_archive_page_links_to_the_entry_page_and_the_oldest_to_nothing_earlier(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry(order=Entry.Order.NEWEST)
    fill(entry, 10)
    html = client.get(f"/entries/{entry.slug}/pages/1/").content.decode()
    assert html.index("Number 4<") < html.index("Number 0<"), "in the entry's order"
    assert f'<a href="/entries/{entry.slug}/" rel="prev">Newer updates</a>' in html
    assert "Earlier updates</a>" not in html


def test_archive_page_links_to_its_neighbours_above_and_below_its_updates(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry(order=Entry.Order.OLDEST)
    fill(entry, 20)
    html = client.get(f"/entries/{entry.slug}/pages/2/").content.decode()
    newer = f'<a href="/entries/{entry.slug}/pages/3/" rel="prev">Newer updates</a>'
    earlier = f'<a href="/entries/{entry.slug}/pages/1/" rel="next">Earlier updates</a>'
    for link in (newer, earlier):
        assert html.count(link) == 2
        assert html.index(link) < html.index("Number 5<") < html.index("Number 9<") < html.rindex(link)
    assert f'<a href="/entries/{entry.slug}/">Back to the latest updates</a>' in html


def test_newest_archive_page_links_to_the_entry_page_once_at_each_end(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    fill(entry, 15)
    html = client.get(f"/entries/{entry.slug}/pages/2/").content.decode()
    main = html.split('<main id="main" tabindex="-1">')[1]
    latest = f'<a href="/entries/{entry.slug}/" rel="prev">Newer updates</a>'
    assert main.count(f'<a href="/entries/{entry.slug}/"') == main.count(latest) == 2
    assert main.index("Number 9<") < main.rindex(latest)
    assert "Back to the latest updates" not in html


def test_every_page_of_an_entry_spanning_several_days_starts_with_its_date(client, settings):
    settings.LIVE_PAGE_SIZE = 3
    entry = make_entry(order=Entry.Order.OLDEST, time_zone="UTC")
    fill(entry, 3)  # archive page 1: the evening of 3 November
    for number in range(3, 7):  # the entry's page: the next day only
        make_update(entry, content=f"Number {number}", created=START + timedelta(days=1, minutes=number))
    archive = client.get(f"/entries/{entry.slug}/pages/1/").content.decode()
    latest = client.get(entry.get_absolute_url()).content.decode()
    assert archive.index('<h3 class="date-divider">Tuesday 3 November 2026</h3>') < archive.index("Number 0<")
    assert latest.index('<h3 class="date-divider">Wednesday 4 November 2026</h3>') < latest.index("Number 3<")
    assert "data-several-days" in latest, "for live.js, which sees one day's updates"


def test_an_entry_within_one_day_has_no_date_dividers_on_any_page(client, settings):
    settings.LIVE_PAGE_SIZE = 3
    entry = make_entry(time_zone="UTC")
    fill(entry, 7)
    for url in (entry.get_absolute_url(), f"/entries/{entry.slug}/pages/1/"):
        assert "date-divider" not in client.get(url).content.decode().split("<template")[0]


@pytest.mark.parametrize("page", [0, 3])
def test_archive_page_past_the_ends_is_not_found(client, settings, page):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    fill(entry, 14)
    assert client.get(f"/entries/{entry.slug}/pages/{page}/").status_code == 404
    response = client.get(f"/entries/{entry.slug}/pages/{page}.json")
    assert response.status_code == 404
    assert "error" in response.json()


def test_archive_page_json_lists_its_updates_oldest_first_and_the_page_before(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    fill(entry, 17)
    document = client.get(f"/entries/{entry.slug}/pages/2.json").json()
    assert numbers(document) == [5, 6, 7, 8, 9]
    assert document["earlier"] == f"/entries/{entry.slug}/pages/1.json"
    assert document["entry"]["slug"] == entry.slug
    assert client.get(f"/entries/{entry.slug}/pages/1.json").json()["earlier"] is None


def test_archive_pages_keep_their_updates_as_new_ones_arrive(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    fill(entry, 12)
    before = numbers(client.get(f"/entries/{entry.slug}/pages/1.json").json())
    fill(entry, 9, start=12)
    assert numbers(client.get(f"/entries/{entry.slug}/pages/1.json").json()) == before == [0, 1, 2, 3, 4]
    assert numbers(client.get(f"/entries/{entry.slug}/pages/3.json").json()) == [10, 11, 12, 13, 14]


def test_feed_without_since_returns_the_entry_page_and_the_newest_archive_page(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    fill(entry, 16)
    document = client.get(f"/entries/{entry.slug}/updates.json").json()
    assert numbers(document) == list(range(10, 16))
    assert document["earlier"] == f"/entries/{entry.slug}/pages/2.json"


def test_feed_with_since_is_unchanged_and_has_no_earlier(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    fill(entry, 16)
    document = client.get(f"/entries/{entry.slug}/updates.json", {"since": f"{entry.pk}-0"}).json()
    assert numbers(document) == list(range(16))
    assert "earlier" not in document


def test_permalink_to_an_update_on_the_entry_page_redirects_there(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    updates = fill(entry, 12)
    response = client.get(updates[10].get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"/entries/{entry.slug}/#update-{updates[10].pk}"
    assert response["Cache-Control"] == "public, max-age=10, stale-if-error=300"


@pytest.mark.parametrize(("index", "page"), [(0, 1), (4, 1), (5, 2), (9, 2)])
def test_permalink_to_an_earlier_update_redirects_to_its_archive_page(client, settings, index, page):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    updates = fill(entry, 15)
    response = client.get(f"/entries/{entry.slug}/updates/{updates[index].pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/entries/{entry.slug}/pages/{page}/#update-{updates[index].pk}"


def test_permalink_tells_updates_of_the_same_minute_apart_by_id(client, settings):
    settings.LIVE_PAGE_SIZE = 2
    entry = make_entry()
    same = [make_update(entry, created=START) for _ in range(6)]
    locations = [client.get(update.get_absolute_url())["Location"].split("#")[0] for update in same]
    archived = [f"/entries/{entry.slug}/pages/{page}/" for page in (1, 1, 2, 2)]
    assert locations == [*archived, entry.get_absolute_url(), entry.get_absolute_url()]


def test_permalink_of_an_unknown_update_or_another_entrys_is_not_found(client):
    entry, other = make_entry(), make_entry()
    elsewhere = make_update(other)
    assert client.get(f"/entries/{entry.slug}/updates/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/entries/{entry.slug}/updates/{elsewhere.pk + 1000}/").status_code == 404


def test_permalink_of_a_deleted_update_says_it_was_removed_and_links_to_the_entry(client):
    entry = make_entry(title="Election night")
    deleted = make_update(entry).pk
    LiveUpdate.objects.get(pk=deleted).delete()
    response = client.get(f"/entries/{entry.slug}/updates/{deleted}/")
    assert response.status_code == 410
    html = response.content.decode()
    assert "This update was removed" in html
    assert f'<a href="/entries/{entry.slug}/">Election night</a>' in html
    assert response["Cache-Control"] == "public, max-age=300, stale-if-error=300"


def test_permalink_of_an_update_moved_to_another_entry_follows_it(client):
    wrong, right = make_entry(), make_entry()
    update = make_update(wrong)
    update.entry = right
    update.save()
    response = client.get(f"/entries/{wrong.slug}/updates/{update.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/entries/{right.slug}/updates/{update.pk}/"


def test_key_events_list_every_key_event_through_permalinks(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    first = make_update(entry, headline="Polls close", key_event=True, created=START - timedelta(hours=1))
    fill(entry, 14)
    html = client.get(entry.get_absolute_url()).content.decode()
    nav = html.split('aria-label="Key events"')[1].split("</nav>")[0]
    assert f'<a href="/entries/{entry.slug}/updates/{first.pk}/">' in nav


@pytest.mark.parametrize("total", [20, 400])
def test_entry_page_archive_page_permalink_and_feed_need_a_fixed_number_of_queries(
    client, settings, django_assert_num_queries, total
):
    settings.LIVE_PAGE_SIZE = 5
    entry = make_entry()
    make_update(entry, headline="Polls close", key_event=True, pinned=True, created=START)
    LiveUpdate.objects.bulk_create(
        LiveUpdate(entry=entry, content_html=f"<p>{n}</p>", created=START + timedelta(minutes=n))
        for n in range(1, total)
    )
    Entry.objects.filter(pk=entry.pk).recount()  # bulk_create() saves no update one by one
    oldest = entry.updates.order_by("created", "id").first()
    with django_assert_num_queries(5):  # entry, count, page, key events, pinned
        client.get(entry.get_absolute_url())
    with django_assert_num_queries(3):  # entry, count, page
        client.get(f"/entries/{entry.slug}/pages/1/")
    with django_assert_num_queries(3):
        client.get(f"/entries/{entry.slug}/pages/1.json")
    with django_assert_num_queries(2):  # entry (with its count), page
        client.get(f"/entries/{entry.slug}/updates.json")
    with django_assert_num_queries(4):  # entry, update, its position, count
        client.get(oldest.get_absolute_url())
