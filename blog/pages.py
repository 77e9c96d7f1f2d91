"""Which updates each page of an entry shows: the page arithmetic, in one place.

Updates are numbered by position, oldest first (by created, then id). With N
updates and S = LIVE_PAGE_SIZE, archive page p (1 is the oldest) holds positions
[(p - 1) * S, p * S), and there are A = max(0, N // S - 1) archive pages. The
entry's own page holds the rest: the newest S to 2S - 1 updates, or all of them
while N < 2S. Pages are anchored to the oldest update, so a new update never
moves an archive page's boundaries: archive pages can be cached for long.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from blog.models import Entry, LiveUpdate


@dataclass(frozen=True)
class Extent:
    """How many updates an entry has, and the times of its oldest and newest (None without updates)."""

    total: int
    oldest: datetime | None
    newest: datetime | None

    def spans_several_days(self, zone):
        """Whether the entry's updates fall on more than one date in ``zone``.

        Decided for the whole entry, not from one page's updates: an archive page
        within one day of an election night still says which day it is.
        """
        if self.oldest is None:
            return False
        return timezone.localtime(self.oldest, zone).date() != timezone.localtime(self.newest, zone).date()


def extent(entry):
    """The entry's Extent in one query: its count, kept on the entry, and its two ends.

    The ends in subqueries: MIN and MAX beside one another read every row of the
    entry, alone each reads one end of the (entry, created, id) index. Nothing here
    grows with the entry, so neither does a page's cost (issue 11).
    """
    updates = LiveUpdate.objects.filter(entry=OuterRef("pk")).order_by()
    in_order = updates.order_by("created", "id").values("created")[:1]
    last_first = updates.order_by("-created", "-id").values("created")[:1]
    row = (
        Entry.objects.filter(pk=entry.pk)
        .values("update_count", oldest=Subquery(in_order), newest=Subquery(last_first))
        .get()
    )
    return Extent(row["update_count"], row["oldest"], row["newest"])


def page_size():
    return settings.LIVE_PAGE_SIZE


def archive_count(total, size=None):
    """How many archive pages an entry of ``total`` updates has."""
    size = size or page_size()
    return max(0, total // size - 1)


def archive_bounds(page, size=None):
    """The positions [start, stop) archive page ``page`` holds."""
    size = size or page_size()
    return (page - 1) * size, page * size


def live_page_length(total, size=None):
    """How many of the newest updates the entry's own page holds."""
    size = size or page_size()
    return total - archive_count(total, size) * size


def page_of(position, total, size=None):
    """The archive page that shows the update at ``position``; None for the entry's own page."""
    size = size or page_size()
    page = position // size + 1
    return page if page <= archive_count(total, size) else None


def newest(updates, count):
    """The newest ``count`` of ``updates`` (a queryset), oldest first: one query, no OFFSET."""
    if count <= 0:
        return []
    return list(updates.order_by("-created", "-id")[:count])[::-1]


def archive_updates(updates, page, size=None):
    """The updates of archive page ``page``, oldest first."""
    start, stop = archive_bounds(page, size)
    return list(updates.order_by("created", "id")[start:stop])


def position_of(update):
    """How many of its entry's updates come before ``update``."""
    before = Q(created__lt=update.created) | Q(created=update.created, id__lt=update.pk)
    return update.entry.updates.filter(before).count()


def archive_url(entry, page, json=False):
    name = "blog:entry_page_json" if json else "blog:entry_page"
    return reverse(name, args=[entry.slug, page])


def earlier_url(entry, page, json=True):
    """The URL of the archive page before ``page`` (the entry's page counts as A + 1), or None."""
    return archive_url(entry, page - 1, json=json) if page > 1 else None


def live_page(entry, updates, total=None):
    """The updates of the entry's own page, oldest first, and how many archive pages precede it."""
    total = entry.update_count if total is None else total
    return newest(updates, live_page_length(total)), archive_count(total)
