"""/sitemap.xml and /robots.txt: what search engines should find, with addresses on SITE_URL.

Django's sitemaps framework builds each URL from the request's site (its Host
header); these sitemaps name settings.SITE_URL's instead, as the feeds do.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import Count
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from blog import pages
from blog.models import Entry
from blog.site import absolute_url
from blog.views import cache_publicly, takes_no_query

# robots.txt changes only with a deploy.
ROBOTS_MAX_AGE = 86400


class SiteSitemap(Sitemap):
    """A sitemap whose URLs start with SITE_URL, whatever host the request named."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class EntrySitemap(SiteSitemap):
    """Every entry's page, with its last change, so that a search engine comes back while it is live."""

    def items(self):
        # A list: the framework's paginator would count a queryset in a query of its own.
        return list(Entry.objects.order_by("-created", "-id"))

    def lastmod(self, entry):
        return entry.changed.replace(microsecond=0)


class ArchiveSitemap(SiteSitemap):
    """Every archive page of earlier updates.

    Listed because an entry's page shows only its latest 50 to 99 updates:
    whatever was said earlier in a long event is on these pages alone, and
    their boundaries never move, so each URL keeps the same updates for good.
    No lastmod: a page changes only when one of its updates is edited or
    deleted, which would cost a query per page to find, and a date that is
    not the page's own would be worse for a search engine than none.
    """

    def items(self):
        entries = Entry.objects.annotate(total=Count("updates")).order_by("-created", "-id")
        return [
            (entry, page)
            for entry in entries.only("slug")
            for page in range(1, pages.archive_count(entry.total) + 1)
        ]

    def location(self, item):
        entry, page = item
        return pages.archive_url(entry, page)


SITEMAPS = {"entries": EntrySitemap, "archives": ArchiveSitemap}


@require_safe
@takes_no_query
def sitemap_xml(request):
    """One sitemap (no ?p= pages: takes_no_query), good for 50,000 URLs; past that it needs an index."""
    response = sitemap(request, SITEMAPS, template_name="blog/sitemap.xml")
    # Search engines read it now and then; the CDN may keep it as long as an ended entry's page.
    return cache_publicly(response, settings.LIVE_ENDED_MAX_AGE)


@require_safe
@takes_no_query
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "",
        f"Sitemap: {absolute_url(reverse('blog:sitemap'))}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    return cache_publicly(response, ROBOTS_MAX_AGE)
