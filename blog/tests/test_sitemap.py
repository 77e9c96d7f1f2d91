"""/sitemap.xml and /robots.txt: what search engines are pointed to, on SITE_URL."""

from datetime import UTC, datetime
from http import HTTPStatus
from xml.etree import ElementTree

import pytest

from blog.models import Entry
from blog.tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db

SITE = "https://live.example.com"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
OTHER_HOST = "127.0.0.1"


def sitemap(client):
    response = client.get("/sitemap.xml", HTTP_HOST=OTHER_HOST)
    assert response.status_code == HTTPStatus.OK
    assert OTHER_HOST.encode() not in response.content
    root = ElementTree.fromstring(response.content)
    urls = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root.iter(f"{SITEMAP}url")
    }
    return response, urls


def test_sitemap_lists_every_entry_with_its_last_change_on_site_url(client):
    keynote = make_entry(slug="keynote", created=datetime(2026, 4, 1, 9, 0, tzinfo=UTC))
    soon = make_entry(slug="soon", created=datetime(2026, 5, 2, 8, 0, tzinfo=UTC))
    Entry.objects.filter(pk=keynote.pk).update(changed=datetime(2026, 4, 1, 12, 15, 30, 250, tzinfo=UTC))
    Entry.objects.filter(pk=soon.pk).update(changed=soon.created)
    response, urls = sitemap(client)
    assert response["Content-Type"] == "application/xml"
    assert urls == {
        f"{SITE}/entries/soon/": "2026-05-02T08:00:00+00:00",
        f"{SITE}/entries/keynote/": "2026-04-01T12:15:30+00:00",
    }
    assert soon  # listed though it has no updates yet


def test_sitemap_lists_archive_pages_so_that_earlier_updates_can_be_found(client, settings):
    settings.LIVE_PAGE_SIZE = 2
    entry = make_entry(slug="long")
    for number in range(7):  # 3 pages of 2 earlier updates: 2 archive pages, the entry's page holds 3
        make_update(entry, content=f"Update {number}")
    make_update(make_entry(slug="short"))
    _, urls = sitemap(client)
    assert set(urls) == {
        f"{SITE}/entries/long/",
        f"{SITE}/entries/long/pages/1/",
        f"{SITE}/entries/long/pages/2/",
        f"{SITE}/entries/short/",
    }
    assert urls[f"{SITE}/entries/long/pages/1/"] is None


def test_sitemap_is_cached_publicly_and_needs_a_fixed_number_of_queries(
    client, settings, django_assert_max_num_queries
):
    settings.LIVE_PAGE_SIZE = 2
    for number in range(5):
        entry = make_entry()
        for _ in range(number * 2):
            make_update(entry)
    with django_assert_max_num_queries(2):  # entries with last changes; entries with update counts
        response, urls = sitemap(client)
    assert len(urls) == 5 + (0 + 0 + 1 + 2 + 3)
    assert response["Cache-Control"] == f"public, max-age={settings.LIVE_ENDED_MAX_AGE}, stale-if-error=300"
    assert not response.cookies and "cookie" not in response.get("Vary", "").lower()
    again = client.get("/sitemap.xml", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == HTTPStatus.NOT_MODIFIED


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt", HTTP_HOST=OTHER_HOST)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (f"User-agent: *\nDisallow: /admin/\n\nSitemap: {SITE}/sitemap.xml\n")
    assert response["Cache-Control"].startswith("public, max-age=")
    assert not response.cookies


@pytest.mark.parametrize("path", ["/sitemap.xml", "/robots.txt"])
def test_a_query_string_redirects_to_the_bare_url(client, path):
    response = client.get(f"{path}?p=2")
    assert response.status_code == HTTPStatus.MOVED_PERMANENTLY
    assert response["Location"] == path
