"""Link previews (Open Graph, Twitter cards) and canonical URLs, as a crawler reads the page (issue 13).

Requests claim Host 127.0.0.1: every address must still name SITE_URL.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import extruct
import pytest
from lxml import html as lxml_html

from blog.models import Entry, LiveUpdate
from blog.tests.factories import attach_photo, make_entry, make_update

pytestmark = pytest.mark.django_db

SITE = "https://live.example.com"
START = datetime(2026, 11, 3, 19, 0, tzinfo=ZoneInfo("America/New_York"))
DEFAULT_IMAGE = re.compile(rf"{SITE}/static/link-preview(\.[0-9a-f]+)?\.png")


def served(client, path):
    response = client.get(path, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    return response.content.decode()


def open_graph(html):
    """The page's Open Graph properties (og: and article:), as extruct reads them."""
    (graph,) = extruct.extract(html, syntaxes=["opengraph"], uniform=False)["opengraph"]
    return dict(graph["properties"])


def named_meta(html, name):
    return lxml_html.fromstring(html).xpath(f"//head/meta[@name='{name}']/@content")


def canonical(html):
    return lxml_html.fromstring(html).xpath("//head/link[@rel='canonical']/@href")


def election(**fields):
    intro = "Results from **every state**, and why a `<div>` in prose stays text.\n\n```\ncode()\n```"
    defaults = {"title": "Election night", "body": intro, "time_zone": "America/New_York", "created": START}
    return make_entry(**{**defaults, **fields})


def test_the_entry_page_is_previewed_as_an_article_with_its_title_intro_and_address(client):
    entry = election()
    html = served(client, entry.get_absolute_url())
    graph = open_graph(html)
    assert graph["og:type"] == "article"
    assert graph["og:title"] == "Election night"
    assert graph["og:description"] == entry.description()
    assert graph["og:description"].startswith(
        "Results from every state, and why a <div> in prose stays text."
    )
    assert graph["og:url"] == f"{SITE}/entries/{entry.slug}/"
    assert graph["og:site_name"] == "Liveblog"
    assert graph["article:published_time"] == "2026-11-03T19:00:00-05:00"
    assert named_meta(html, "twitter:card") == ["summary_large_image"]


def test_an_entry_without_photos_is_previewed_with_the_sites_default_image(client):
    entry = election()
    make_update(entry, content="Words only.")
    graph = open_graph(served(client, entry.get_absolute_url()))
    assert DEFAULT_IMAGE.fullmatch(graph["og:image"])
    assert (graph["og:image:width"], graph["og:image:height"]) == ("1200", "630")
    assert graph["og:image:alt"] == "Liveblog"


def test_an_entry_with_photos_is_previewed_with_its_latest_photo(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = election()
    attach_photo(make_update(entry, content="Earlier.", created=START), alt="An empty hall.")
    latest = attach_photo(
        make_update(entry, content="The crowd.", created=START + timedelta(hours=1)),
        width=1200,
        height=800,
        alt="The crowd cheers the first result.",
    )
    make_update(entry, content="No photo.", created=START + timedelta(hours=2))
    html = served(client, entry.get_absolute_url())
    graph = open_graph(html)
    assert graph["og:image"] == f"{SITE}/media/{latest.variants[-1]['name']}"
    assert (graph["og:image:width"], graph["og:image:height"]) == ("1200", "800")
    assert graph["og:image:alt"] == "The crowd cheers the first result."
    assert named_meta(html, "twitter:image:alt") == ["The crowd cheers the first result."]


def test_a_long_photo_description_is_cut_for_the_preview(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = election()
    described = "The hall from the balcony: " + "rows of delegates holding up their state's sign, " * 40
    attach_photo(make_update(entry, content="The hall."), alt=described)
    html = served(client, entry.get_absolute_url())
    graph = open_graph(html)
    assert len(graph["og:image:alt"]) == 420  # what X reads at most
    assert graph["og:image:alt"].startswith("The hall from the balcony: rows of delegates")
    assert graph["og:image:alt"].endswith("…")
    assert named_meta(html, "twitter:image:alt") == [graph["og:image:alt"]]


def test_the_modified_time_is_the_entrys_last_change(client):
    entry = election()
    make_update(entry, content="14 regions.", created=START)
    Entry.objects.filter(pk=entry.pk).update(changed=datetime(2026, 11, 4, 9, 30, tzinfo=ZoneInfo("UTC")))
    graph = open_graph(served(client, entry.get_absolute_url()))
    assert graph["article:modified_time"] == "2026-11-04T04:30:00-05:00"


def test_the_home_page_is_previewed_as_the_website(client):
    make_entry()
    html = served(client, "/")
    graph = open_graph(html)
    assert graph["og:type"] == "website"
    assert graph["og:title"] == "Liveblog"
    assert graph["og:url"] == f"{SITE}/"
    assert DEFAULT_IMAGE.fullmatch(graph["og:image"])
    assert "article:published_time" not in graph
    assert named_meta(html, "twitter:card") == ["summary_large_image"]


def test_the_site_name_comes_from_site_name(client, settings):
    settings.SITE_NAME = "The Daily Planet Live"
    entry = election()
    assert open_graph(served(client, "/"))["og:title"] == "The Daily Planet Live"
    assert open_graph(served(client, entry.get_absolute_url()))["og:site_name"] == "The Daily Planet Live"


def test_every_page_names_its_canonical_address(client, settings):
    settings.LIVE_PAGE_SIZE = 5
    entry = election()
    LiveUpdate.objects.bulk_create(
        LiveUpdate(entry=entry, content_html=f"<p>{n}</p>", created=START + timedelta(minutes=n))
        for n in range(20)
    )
    Entry.objects.filter(pk=entry.pk).recount()  # bulk_create() saves no update one by one
    assert canonical(served(client, "/")) == [f"{SITE}/"]
    assert canonical(served(client, entry.get_absolute_url())) == [f"{SITE}/entries/{entry.slug}/"]
    # An archive page's updates are on no other page: it is its own canonical page.
    for page in (1, 2):
        path = f"/entries/{entry.slug}/pages/{page}/"
        assert canonical(served(client, path)) == [f"{SITE}{path}"]


def test_a_headline_with_markup_stays_text_in_every_tag(client):
    entry = election(title='"Quotes" & </title><script>alert(1)</script>')
    html = served(client, entry.get_absolute_url())
    assert "<script>alert(1)" not in html
    assert open_graph(html)["og:title"] == '"Quotes" & </title><script>alert(1)</script>'


@pytest.mark.parametrize("path", ["/", "entry", "archive"])
def test_no_address_in_the_head_comes_from_the_request_host(client, settings, tmp_path, path):
    settings.MEDIA_ROOT = tmp_path
    settings.LIVE_PAGE_SIZE = 5
    entry = election()
    attach_photo(make_update(entry, content="The stage."))
    for _ in range(10):
        make_update(entry)
    path = {"entry": entry.get_absolute_url(), "archive": f"/entries/{entry.slug}/pages/1/"}.get(path, path)
    head = lxml_html.fromstring(served(client, path)).xpath("//head")[0]
    absolute = [
        value for value in head.xpath(".//@content | .//link[@rel='canonical']/@href") if "://" in value
    ]
    assert absolute and all(value.startswith(f"{SITE}/") for value in absolute), absolute
    assert "127.0.0.1" not in lxml_html.tostring(head, encoding="unicode")
