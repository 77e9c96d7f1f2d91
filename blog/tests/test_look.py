"""What a page tells browsers and search engines about itself: its icon and its description."""

import re
from http import HTTPStatus

import pytest

from blog.tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


def description(response):
    return DESCRIPTION.search(response.content.decode()).group(1)


def test_entry_page_is_described_by_its_intro_as_plain_text(client):
    entry = make_entry(
        body="Live from the *main stage* &\n\n[the schedule](https://example.com/) in <b>Berlin</b>."
    )
    assert description(client.get(entry.get_absolute_url())) == (
        "Live from the main stage &amp; the schedule in &lt;b&gt;Berlin&lt;/b&gt;."
    )


def test_long_intro_is_cut_to_160_characters_for_the_description(client):
    entry = make_entry(body="Word " * 100)
    described = description(client.get(entry.get_absolute_url()))
    assert len(described) == 160 and described.endswith("…")


def test_entry_page_without_an_intro_is_described_by_the_site(client):
    home = description(client.get("/"))
    assert home.startswith("Live coverage of events")
    assert description(client.get(make_entry(body="").get_absolute_url())) == home


def test_every_page_links_the_svg_icon(client):
    entry = make_entry()
    for url in ("/", entry.get_absolute_url(), "/no-such-page/"):
        assert (
            '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
            in client.get(url).content.decode()
        )


def test_favicon_ico_redirects_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/static/favicon.svg"
    assert response["Cache-Control"].startswith("public, max-age=86400")


def test_template_comments_never_reach_the_reader(client):
    entry = make_entry()
    make_update(entry, content="A pinned summary.", pinned=True)
    assert "{#" not in client.get(entry.get_absolute_url()).content.decode()
