"""The live feed's contract: cursors, deltas and their JSON shape, in one place.

A cursor is an entry's change counter (see blog/models.py) written as an opaque
string. A response carries "the changes after `since`, up to `cursor`", where
`cursor` is the entry's counter when the response was built; every reader who
is up to date therefore polls the same URL, which a CDN serves from one copy.
docs/api.md describes the contract for client authors.
"""

import re

from django.conf import settings

CURSOR_PATTERN = re.compile(r"[0-9]{1,19}")
LARGEST_CURSOR = 2**63 - 1  # the counter is a signed 64-bit column on PostgreSQL


class BadCursor(ValueError):
    pass


def parse_cursor(text):
    """Return the version a ``since`` parameter names, None when it is absent."""
    if text is None:
        return None
    if not CURSOR_PATTERN.fullmatch(text) or int(text) > LARGEST_CURSOR:
        raise BadCursor("since must be the cursor of an earlier response from this endpoint.")
    return int(text)


def format_cursor(version):
    return str(version)


def poll_interval(entry):
    """Seconds a reader should wait before polling again; None once the entry has ended."""
    return settings.LIVE_POLL_INTERVAL if entry.is_live else None


def serialize_update(update):
    return {
        "id": update.pk,
        "created": update.local_created_iso(),
        "time": update.local_time(),
        "html": update.content_html,
        "deleted": False,
    }


def changes_since(entry, since=None):
    """The feed document for ``entry``: everything, or only what changed after ``since``.

    A ``since`` ahead of this entry's counter (a reader whose last poll reached
    a server that is further along) gets an empty delta and this server's
    cursor; anything it is sent again later is applied idempotently by id.
    """
    until = entry.version
    updates = entry.updates.defer("content")
    if since is None:
        changed, deleted_ids = updates.all(), []
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
        "entry": {"slug": entry.slug, "title": entry.title, "is_live": entry.is_live},
        "updates": [serialize_update(update) for update in changed]
        + [{"id": update_id, "deleted": True} for update_id in deleted_ids],
        "cursor": format_cursor(until),
        "poll_interval": poll_interval(entry),
    }
