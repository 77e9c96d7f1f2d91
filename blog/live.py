"""The live feed's contract: cursors, deltas and their JSON shape, in one place.

A cursor is an entry's id and its change counter (see blog/models.py) written as
an opaque string. A response carries "the changes after `since`, up to `cursor`", where
`cursor` is the entry's counter when the response was built; every reader who
is up to date therefore polls the same URL, which a CDN serves from one copy.
docs/api.md describes the contract for client authors.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings

from blog import pages

# "<entry id>-<change counter>". The entry's id makes a cursor from another life
# of the slug (an entry deleted and created again under the same address) tell
# itself apart: its reader must start over, not wait for a counter to catch up.
CURSOR_PATTERN = re.compile(r"([0-9]{1,19})-([0-9]{1,19})")
# Before cursors named their entry they were a bare counter (pages cached then).
LEGACY_CURSOR_PATTERN = re.compile(r"[0-9]{1,19}")
LARGEST_NUMBER = 2**63 - 1  # ids and counters are signed 64-bit columns on PostgreSQL


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    entry_id: int
    version: int

    def __str__(self):
        return f"{self.entry_id}-{self.version}"


def parse_cursor(text):
    """Return the Cursor a ``since`` parameter names; None when absent or from before cursors named entries.

    Leading zeros are accepted here and written out canonically by str(); the
    feed redirects such a URL to its canonical spelling (canonical_query()).
    """
    if text is None:
        return None
    if LEGACY_CURSOR_PATTERN.fullmatch(text) and int(text) <= LARGEST_NUMBER:
        return None
    match = CURSOR_PATTERN.fullmatch(text)
    if not match or max(int(match[1]), int(match[2])) > LARGEST_NUMBER:
        raise BadCursor("since must be the cursor of an earlier response from this endpoint.")
    return Cursor(int(match[1]), int(match[2]))


def cursor_for(entry):
    return Cursor(entry.pk, entry.version)


def canonical_query(since=None):
    """The one query string under which the feed answers for ``since``: every other spelling redirects.

    A CDN and the micro-cache key on the URL, so `?since=07-3`, `?since=7-3&x=1`
    and `?since=7-3` would otherwise be three copies of one answer, each built
    by the origin: a cheap way to bypass every cache.
    """
    return "" if since is None else urlencode({"since": str(since)})


def poll_interval(entry):
    """Seconds a reader should wait before polling again; None once the entry has ended."""
    return settings.LIVE_POLL_INTERVAL if entry.is_live else None


def max_age(entry):
    """Seconds the CDN and browsers may keep the entry's page or feed: longer once nothing changes live."""
    return settings.LIVE_POLL_INTERVAL if entry.is_live else settings.LIVE_ENDED_MAX_AGE


def updates_of(entry):
    """The entry's updates with what showing them needs, in one query (bylines need the author)."""
    updates = entry.updates.defer("content")
    return updates.select_related("author") if entry.show_bylines else updates


def serialize_update(update):
    shown, edited, byline = update.shown_at(), update.edited_at(), update.byline()
    return {
        "id": update.pk,
        "created": shown.iso,
        "time": shown.clock,
        "html": update.content_html,
        "deleted": False,
        "headline": update.headline or None,
        "key_event": update.key_event,
        "pinned": update.pinned,
        "author": {"name": byline} if byline else None,
        "edited": edited.iso if edited else None,
        "correction": update.correction or None,
        # Written out by the server, so that the page and the feed say a time the same way.
        "time_label": shown.label,
        "time_title": shown.title,
        "day_label": shown.day_label,
        "edited_label": edited.label if edited else None,
        "edited_title": edited.title if edited else None,
    }


def serialize_entry(entry):
    ended = entry.ended_at()
    return {
        "slug": entry.slug,
        "title": entry.title,
        "is_live": entry.is_live,
        "ended": ended.iso if ended else None,
        "ended_label": ended.label if ended else None,
        "ended_title": ended.title if ended else None,
        "ended_day_label": ended.day_label if ended else None,
        "order": entry.order,
    }


def changes_since(entry, since=None):
    """The feed document for ``entry``: everything, or only what changed after counter ``since``.

    A ``since`` ahead of this entry's counter (a reader whose last poll reached
    a server that is further along) gets an empty delta and this server's
    cursor; anything it is sent again later is applied idempotently by id.
    """
    until = entry.version
    updates = updates_of(entry)
    earlier = None
    if since is None:
        # The entry's page, not every update: earlier ones are on archive pages (blog/pages.py).
        changed, archives = pages.live_page(entry, updates)
        deleted_ids = []
        earlier = pages.archive_url(entry, archives, json=True) if archives else None
    elif since >= until:
        changed, deleted_ids = [], []
    else:
        changed = list(updates.changed_between(since, until))
        present = {update.pk for update in changed}
        # An update moved away and back again has a tombstone older than its return.
        deleted_ids = [
            update_id
            for update_id in entry.deletions.changed_between(since, until).values_list("update_id", flat=True)
            if update_id not in present
        ]
    return {
        "entry": serialize_entry(entry),
        "updates": [serialize_update(update) for update in changed]
        + [{"id": update_id, "deleted": True} for update_id in deleted_ids],
        "cursor": str(Cursor(entry.pk, until)),
        "poll_interval": poll_interval(entry),
        **({"earlier": earlier} if since is None else {}),
    }
