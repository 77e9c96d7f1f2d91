"""Absolute URLs name the configured site, whatever host a request claimed."""

from blog.site import absolute_url


def test_a_path_becomes_a_url_on_the_configured_site(settings):
    settings.SITE_URL = "https://live.example.com"
    assert absolute_url("/entries/keynote/") == "https://live.example.com/entries/keynote/"


def test_an_absolute_url_stays_as_it_is(settings):
    settings.SITE_URL = "https://live.example.com"
    photo = "https://media.example.com/photos/ab12.webp"
    assert absolute_url(photo) == photo
