"""The site's public address, for what is read away from the site: feeds, link previews, structured data.

Absolute URLs come from settings.SITE_URL, never from the request's Host header:
a client chooses that header, and a page the CDN caches would carry it to everyone.
"""

from urllib.parse import urljoin

from django.conf import settings


def absolute_url(location):
    """Return ``location``, a path or an already absolute URL (a photo in a bucket), as an absolute URL."""
    return urljoin(settings.SITE_URL + "/", location)
