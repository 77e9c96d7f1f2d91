"""Atom feeds: one per entry (its updates) and one for the site (its entries), for feed readers.

Built with Django's syndication framework. Every URL in them is absolute on
settings.SITE_URL (blog/site.py), never on the request's Host header: the CDN
keeps one copy of a feed for every reader, whatever host one request claimed.
They are cached like the live feed (public, the poll interval; longer once an
entry has ended) and never touch the session, so they set no cookie.
"""

import html
import re
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.html import escape
from django.views.decorators.http import require_safe

from blog import live, structured_data
from blog.models import Entry
from blog.site import absolute_url
from blog.views import cache_publicly, takes_no_query

# An entry's feed holds its latest updates, as the issue asks; older ones are on its archive pages.
ENTRY_FEED_LENGTH = 50
# The site feed's newest entries: a feed reader only ever shows the recent ones.
SITE_FEED_LENGTH = 50

# A start tag in the HTML that rendering stores (nh3's serializer or a Django template):
# attribute values are always double-quoted, and a "<" in text is always written "&lt;",
# so this finds every tag and only tags, even with a ">" inside a quoted value.
_START_TAG = re.compile(r'<[a-zA-Z][a-zA-Z0-9]*(?:\s+[^\s"\'=<>/]+(?:="[^"]*")?)*\s*/?>')
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src|srcset)=")([^"]*)(")')


def absolute_html(fragment, base):
    """Return stored HTML with every href, src and srcset made absolute against ``base``.

    A feed reader shows the HTML away from the site, where "/media/..." means nothing.
    """

    def absolute_value(match):
        name = match[1].strip()
        value = html.unescape(match[2])
        if name.startswith("srcset"):
            candidates = (candidate.split(maxsplit=1) or [""] for candidate in value.split(","))
            value = ", ".join(
                " ".join([urljoin(base, parts[0]), *parts[1:]]) for parts in candidates if parts
            )
        else:
            value = urljoin(base, value)
        return f"{match[1]}{escape(value)}{match[3]}"

    return _START_TAG.sub(lambda tag: _URL_ATTRIBUTE.sub(absolute_value, tag[0]), fragment)


def in_zone(moment, entry):
    """The moment in the entry's zone, to the second: feeds say times as the page does, with the offset."""
    return moment.astimezone(entry.zone).replace(microsecond=0)


class AtomFeed(feedgenerator.Atom1Feed):
    """Atom with each item's HTML as its content (not a summary), and the feed's time given, not guessed.

    Django's Atom1Feed dates an itemless feed "now", which would change the
    feed's bytes, and so its ETag, on every request.
    """

    def latest_post_date(self):
        return self.feed.get("updated") or super().latest_post_date()

    def add_item_elements(self, handler, item):
        content, item["description"] = item["description"], None
        super().add_item_elements(handler, item)
        if content is not None:
            handler.addQuickElement("content", content, {"type": "html"})


class EntryFeed(Feed):
    """An entry's latest updates, newest first; the view passes the entry in (see entry_atom())."""

    feed_type = AtomFeed

    def author_name(self):
        # Atom wants an author for every item: the site stands for updates without a byline.
        return settings.SITE_NAME

    def get_object(self, request, entry):
        return entry

    def title(self, entry):
        return entry.title

    def subtitle(self, entry):
        return entry.description() or None

    def link(self, entry):
        return absolute_url(entry.get_absolute_url())

    def feed_url(self, entry):
        return absolute_url(reverse("blog:entry_atom", args=[entry.slug]))

    def feed_guid(self, entry):
        # Its own URL, not the page's: the site feed uses the page's URL as the entry's id.
        return self.feed_url(entry)

    def feed_extra_kwargs(self, entry):
        return {"updated": in_zone(entry.changed, entry)}

    def items(self, entry):
        return live.updates_of(entry).order_by("-created", "-id")[:ENTRY_FEED_LENGTH]

    def item_title(self, update):
        # The same title as in the page's structured data. Plain text: the Atom
        # title is a text construct, so the XML writer's escaping is all it needs.
        return structured_data.ReadUpdate.of(update).headline

    def item_link(self, update):
        return absolute_url(update.get_absolute_url())

    def item_guid(self, update):
        return self.item_link(update)

    def item_description(self, update):
        # What readers read on the page: the update's HTML (photos included) and its correction.
        content = update.content_html
        if update.correction:
            content += f'\n<p class="update-correction">{escape(update.correction)}</p>'
        return absolute_html(content, absolute_url(update.entry.get_absolute_url()))

    def item_pubdate(self, update):
        return in_zone(update.created, update.entry)

    def item_updateddate(self, update):
        return in_zone(update.last_change(), update.entry)

    def item_author_name(self, update):
        return update.byline()


class SiteFeed(Feed):
    """The site's entries, newest first, each linking to its page.

    Newest first by start, not live first as the home page lists them: a feed
    reader sorts items by their dates whatever order they come in, and an
    order that moved an entry when its coverage ended would say nothing to it.
    """

    feed_type = AtomFeed

    def author_name(self):
        # Atom wants an author for every item: the site stands for updates without a byline.
        return settings.SITE_NAME

    def title(self):
        return settings.SITE_NAME

    def subtitle(self):
        return "Live coverage of events as they happen."

    def link(self):
        return absolute_url(reverse("blog:entry_list"))

    def feed_url(self):
        return absolute_url(reverse("blog:site_atom"))

    def feed_guid(self):
        return self.feed_url()

    def items(self):
        return list(Entry.objects.order_by("-created", "-id")[:SITE_FEED_LENGTH])

    def item_title(self, entry):
        return entry.title

    def item_link(self, entry):
        return absolute_url(entry.get_absolute_url())

    def item_guid(self, entry):
        return self.item_link(entry)

    def item_description(self, entry):
        return absolute_html(entry.body_html, self.item_link(entry))

    def item_pubdate(self, entry):
        return in_zone(entry.created, entry)

    def item_updateddate(self, entry):
        return in_zone(entry.changed, entry)


_entry_feed = EntryFeed()
_site_feed = SiteFeed()


@require_safe
@takes_no_query
def entry_atom(request, slug):
    entry = get_object_or_404(Entry, slug=slug)
    return cache_publicly(_entry_feed(request, entry), live.max_age(entry))


@require_safe
@takes_no_query
def site_atom(request):
    return cache_publicly(_site_feed(request))
