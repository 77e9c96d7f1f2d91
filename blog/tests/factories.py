"""Small factory functions: each test says only what matters to it."""

from itertools import count

from blog.models import Entry, LiveUpdate

_numbers = count(1)


def make_entry(**fields):
    number = next(_numbers)
    fields.setdefault("title", f"Event {number}")
    fields.setdefault("slug", f"event-{number}")
    fields.setdefault("body", "An intro.")
    return Entry.objects.create(**fields)


def make_update(entry=None, **fields):
    fields.setdefault("content", f"Update {next(_numbers)}")
    return LiveUpdate.objects.create(entry=entry or make_entry(), **fields)
