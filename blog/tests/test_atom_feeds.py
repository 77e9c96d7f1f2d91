"""The Atom feeds: an entry's updates and the site's entries, read as feed readers read them."""

import re
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import feedparser
import pytest

from blog.feeds import absolute_html
from blog.models import Entry, LiveUpdate
from blog.tests.factories import attach_photo, make_entry, make_update, make_user

pytestmark = pytest.mark.django_db

SITE = "https://live.example.com"
ATOM = "{http://www.w3.org/2005/Atom}"
# Any host a request may claim (it is allowed): nothing in a feed may carry it.
OTHER_HOST = "127.0.0.1"
OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")


def fetch(client, path):
    response = client.get(path, HTTP_HOST=OTHER_HOST)
    assert response.status_code == HTTPStatus.OK, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return response


def parse(response):
    """feedparser's reading, with the HTML and its URLs as served (no sanitizing, no resolving)."""
    document = feedparser.parse(response.content, resolve_relative_uris=False, sanitize_html=False)
    assert not document.bozo, document.get("bozo_exception")
    return document


def urls_in(xml):
    """Every link href and id in the feed, and every href, src and srcset URL in its entries' HTML."""
    root = ElementTree.fromstring(xml)
    urls = [link.get("href") for link in root.iter(f"{ATOM}link")]
    urls += [element.text for element in root.iter(f"{ATOM}id")]
    for content in root.iter(f"{ATOM}content"):
        for name, value in re.findall(r'\s(href|src|srcset)="([^"]*)"', content.text or ""):
            urls += [candidate.split()[0] for candidate in value.split(",")] if name == "srcset" else [value]
    return urls


@pytest.fixture
def election(settings):
    """A live entry in New York time with bylines, back-dated updates, markdown, code and photos."""
    entry = make_entry(
        title="Election night",
        slug="election",
        time_zone="America/New_York",
        show_bylines=True,
        body="Results as they come in. See [the map](/entries/map/) and <div> tags in prose.",
    )
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    grace = make_user("grace", first_name="Grace", last_name="Hopper")
    first = make_update(
        entry,
        content="Polls close in **Indiana**, typed as a <div> in prose, with `code` and\n\n"
        "```\nturnout = 0.61\n```\n\n[Results page](/results?state=in&year=2026)",
        created=datetime(2026, 11, 3, 23, 0, tzinfo=UTC),
        author=ada,
    )
    attach_photo(first, alt="Voters queue outside a school.")
    second = make_update(
        entry,
        headline="A winner in Ohio",
        key_event=True,
        content="The networks call it.",
        created=datetime(2026, 11, 4, 3, 30, tzinfo=UTC),
        author=grace,
    )
    attach_photo(second, alt="The count in Columbus.")
    make_update(
        entry, content="An update from before bylines.", created=datetime(2026, 11, 4, 4, 0, tzinfo=UTC)
    )
    return entry


def test_entry_feed_parses_with_every_link_and_id_absolute_on_site_url(client, election):
    response = fetch(client, "/entries/election/feed.atom")
    document = parse(response)
    assert document.version == "atom10"
    urls = urls_in(response.content)
    assert len(urls) > 10
    for url in urls:
        assert url.startswith(SITE + "/"), url
    assert OTHER_HOST.encode() not in response.content
    assert document.feed.link == f"{SITE}/entries/election/"
    assert document.feed.id == f"{SITE}/entries/election/feed.atom"
    for item in document.entries:
        assert item.link == item.id == f"{SITE}/entries/election/updates/{item.id.split('/')[-2]}/"


def test_entry_feed_lists_updates_newest_first_with_titles_times_and_their_html(client, election):
    document = parse(fetch(client, "/entries/election/feed.atom"))
    assert document.feed.title == "Election night"
    assert document.feed.subtitle == "Results as they come in. See the map and <div> tags in prose."
    titles = [item.title for item in document.entries]
    assert titles == [
        "An update from before bylines.",
        "A winner in Ohio",
        "Polls close in Indiana, typed as a <div> in prose, with code and",  # its first paragraph
    ]
    first = document.entries[-1]
    # The shown (back-dated) time, in the entry's zone, with its offset.
    assert first.published == "2026-11-03T18:00:00-05:00"
    # Updated when it was really posted (and its photo added): back-dating it did not make the change older.
    changed = LiveUpdate.objects.get(headline="", author__username="ada").last_change()
    in_new_york = changed.astimezone(ZoneInfo("America/New_York"))
    assert first.updated == in_new_york.replace(microsecond=0).isoformat()
    assert all(OFFSET.search(item.published) and OFFSET.search(item.updated) for item in document.entries)
    assert OFFSET.search(document.feed.updated)
    html = first.content[0].value
    assert first.content[0].type == "text/html"
    assert "<strong>Indiana</strong>" in html and "&lt;div&gt;" in html
    assert "<pre><code>turnout = 0.61\n</code></pre>" in html
    assert f'href="{SITE}/results?state=in&amp;year=2026"' in html
    assert f'<img src="{SITE}/media/photos/' in html and 'alt="Voters queue outside a school."' in html


def test_photo_sources_stay_absolute_through_feedparsers_sanitizer(client, election):
    """Some readers sanitize like feedparser does by default: the image must survive it, absolute."""
    document = feedparser.parse(fetch(client, "/entries/election/feed.atom").content)
    sources = re.findall(r'<img[^>]* src="([^"]*)"', document.entries[1].content[0].value)
    assert len(sources) == 1 and sources[0].startswith(f"{SITE}/media/photos/")


def test_an_edited_update_and_its_correction_reach_the_feed(client, election):
    update = election.updates.get(headline="A winner in Ohio")
    update.correction = "Correction: Ohio, not Iowa."
    update.edited = datetime(2026, 11, 4, 5, 0, tzinfo=UTC)
    update.save()
    item = parse(fetch(client, "/entries/election/feed.atom")).entries[1]
    assert "Correction: Ohio, not Iowa." in item.content[0].value
    assert item.published == "2026-11-03T22:30:00-05:00"
    assert item.updated > item.published


def test_authors_are_named_only_when_the_entry_shows_bylines(client, election):
    items = parse(fetch(client, "/entries/election/feed.atom")).entries
    # The update from before bylines has none: the feed's author (the site) stands for it.
    assert [item.get("author") for item in items] == [None, "Grace Hopper", "Ada Lovelace"]
    election.show_bylines = False
    election.save()
    xml = fetch(client, "/entries/election/feed.atom").content.decode()
    assert "Ada Lovelace" not in xml and "Grace Hopper" not in xml
    document = parse(fetch(client, "/entries/election/feed.atom"))
    assert {item.get("author") for item in document.entries} == {None}
    assert document.feed.author == "Liveblog"


def test_a_hostile_headline_is_plain_text_in_the_feed(client):
    entry = make_entry(slug="hostile", title="Title </title><script>alert(1)</script>")
    make_update(entry, headline="</title><script>alert(1)</script>", content="Text.")
    response = fetch(client, "/entries/hostile/feed.atom")
    assert b"<script>" not in response.content and b"</title><script>" not in response.content
    document = parse(response)
    assert document.feed.title == "Title </title><script>alert(1)</script>"
    assert document.entries[0].title == "</title><script>alert(1)</script>"
    assert document.entries[0].title_detail.type == "text/plain"


def test_entry_feed_holds_the_latest_fifty_updates(client):
    entry = make_entry(slug="long")
    start = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    for minute in range(55):
        make_update(entry, content=f"Minute {minute}", created=start + timedelta(minutes=minute))
    titles = [item.title for item in parse(fetch(client, "/entries/long/feed.atom")).entries]
    assert titles == [f"Minute {minute}" for minute in range(54, 4, -1)]


def test_an_update_without_a_headline_is_titled_by_its_first_sentence_as_in_its_structured_data(client):
    entry = make_entry(slug="no-headline")
    make_update(entry, content="Mr. Okafor concedes in Riverside. His speech was short and *gracious*.")
    title = parse(fetch(client, "/entries/no-headline/feed.atom")).entries[0].title
    assert title == "Mr. Okafor concedes in Riverside."
    page = client.get(entry.get_absolute_url()).content.decode()
    assert '"headline":"Mr. Okafor concedes in Riverside."' in page


def test_a_photo_alone_is_titled_by_its_description(client):
    entry = make_entry(slug="photo", time_zone="Europe/Paris")
    update = make_update(entry, content="", created=datetime(2026, 6, 1, 8, 5, tzinfo=UTC))
    attach_photo(update, alt="Counting staff stack ballot papers under bright lights.")
    title = parse(fetch(client, "/entries/photo/feed.atom")).entries[0].title
    assert title == "Counting staff stack ballot papers under bright lights."


def test_relative_urls_in_html_become_absolute_and_others_stay():
    base = f"{SITE}/entries/election/"
    fragment = (
        '<p title="a > b"><a href="/x?a=1&amp;b=2" rel="nofollow">x</a> <a href="https://example.org/y">y</a>'
        ' <a href="mailto:desk@example.org">mail</a> <code>src="/not-a-tag"</code></p>'
        '<img src="/media/a-480.webp" srcset="/media/a-480.webp 480w, /media/a-960.webp 960w">'
    )
    assert absolute_html(fragment, base) == (
        f'<p title="a > b"><a href="{SITE}/x?a=1&amp;b=2" rel="nofollow">x</a> <a href="https://example.org/y">y</a>'
        ' <a href="mailto:desk@example.org">mail</a> <code>src="/not-a-tag"</code></p>'
        f'<img src="{SITE}/media/a-480.webp" '
        f'srcset="{SITE}/media/a-480.webp 480w, {SITE}/media/a-960.webp 960w">'
    )


def test_site_feed_lists_entries_newest_first_linking_to_their_pages(client, election):
    keynote = make_entry(title="Keynote", slug="keynote", body="The **keynote**, live.")
    make_update(keynote, content="Doors open.")
    response = fetch(client, "/feed.atom")
    document = parse(response)
    assert document.feed.title == "Liveblog"
    assert document.feed.link == f"{SITE}/" and document.feed.id == f"{SITE}/feed.atom"
    for url in urls_in(response.content):
        assert url.startswith(SITE + "/"), url
    assert OTHER_HOST.encode() not in response.content
    assert [(item.title, item.link, item.id) for item in document.entries] == [
        ("Keynote", f"{SITE}/entries/keynote/", f"{SITE}/entries/keynote/"),
        ("Election night", f"{SITE}/entries/election/", f"{SITE}/entries/election/"),
    ]
    assert "<strong>keynote</strong>" in document.entries[0].content[0].value
    assert f'href="{SITE}/entries/map/"' in document.entries[1].content[0].value
    assert all(OFFSET.search(item.published) and OFFSET.search(item.updated) for item in document.entries)
    assert document.entries[1].published.endswith("-05:00")  # New York, in December


def test_feeds_are_cached_publicly_without_cookies(client, election):
    for path in ("/entries/election/feed.atom", "/feed.atom"):
        response = fetch(client, path)
        assert response["Cache-Control"] == "public, max-age=10, stale-if-error=300"
        assert not response.cookies
        assert "cookie" not in response.get("Vary", "").lower()
        etag = response["ETag"]
        again = client.get(path, HTTP_HOST=OTHER_HOST, headers={"If-None-Match": etag})
        assert again.status_code == HTTPStatus.NOT_MODIFIED


def test_an_ended_entrys_feed_is_cached_for_longer(client, election, settings):
    settings.LIVE_ENDED_MAX_AGE = 600
    election.end_coverage()
    response = fetch(client, "/entries/election/feed.atom")
    assert response["Cache-Control"] == "public, max-age=600, stale-if-error=300"
    assert (
        parse(response).feed.updated
        == election.ended.astimezone(election.zone).replace(microsecond=0).isoformat()
    )


def test_a_feed_without_updates_keeps_its_date_so_its_etag_holds(client):
    entry = make_entry(slug="soon", created=datetime(2026, 3, 1, 12, 0, tzinfo=UTC), time_zone="UTC")
    Entry.objects.filter(pk=entry.pk).update(changed=entry.created)
    response = fetch(client, "/entries/soon/feed.atom")
    assert parse(response).feed.updated == "2026-03-01T12:00:00+00:00"
    again = client.get(entry.get_absolute_url() + "feed.atom", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == HTTPStatus.NOT_MODIFIED


def test_feed_of_an_unknown_entry_is_not_found(client):
    assert client.get("/entries/nothing/feed.atom").status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("path", ["/feed.atom", "/entries/election/feed.atom"])
def test_a_feed_asked_for_with_a_query_string_redirects_to_its_bare_url(
    client, django_assert_num_queries, path
):
    with django_assert_num_queries(0):
        response = client.get(f"{path}?utm_source=reader")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == path


def test_feeds_refuse_writes(client):
    assert client.post("/feed.atom").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_feeds_need_a_fixed_number_of_queries(client, election, django_assert_max_num_queries):
    for number in range(6):
        update = make_update(election, content=f"More {number}", author=make_user(f"author-{number}"))
        attach_photo(update)
    for number in range(4):
        make_entry(body=f"Entry {number}")
    with django_assert_max_num_queries(3):  # entry, its last change, its updates with their authors
        fetch(client, "/entries/election/feed.atom")
    with django_assert_max_num_queries(1):  # the entries with their last changes
        fetch(client, "/feed.atom")


def test_every_page_links_the_site_feed_and_entry_pages_their_own(client, settings):
    settings.LIVE_PAGE_SIZE = 2
    entry = make_entry(title="Launch & more", slug="launch")
    for number in range(5):
        make_update(entry, content=f"Update {number}")
    site_feed = (
        '<link rel="alternate" type="application/atom+xml" title="Liveblog: all live blogs" '
        'href="/feed.atom">'
    )
    entry_feed = (
        '<link rel="alternate" type="application/atom+xml" title="Launch &amp; more: updates" '
        'href="/entries/launch/feed.atom">'
    )
    for path in ("/", "/entries/launch/", "/entries/launch/pages/1/", "/entries/nothing/"):
        html = client.get(path).content.decode()
        head = html.split("</head>")[0]
        assert site_feed in head, path
        assert (entry_feed in head) == (path.startswith("/entries/launch/")), path
