"""Small factory functions: each test says only what matters to it."""

import io
from itertools import count

from django.contrib.auth import get_user_model
from django.core.files import File
from PIL import Image

from blog import photos
from blog.models import Entry, LiveUpdate, Photo

_numbers = count(1)


def make_entry(**fields):
    number = next(_numbers)
    fields.setdefault("title", f"Event {number}")
    fields.setdefault("slug", f"event-{number}")
    fields.setdefault("body", "An intro.")
    return Entry.objects.create(**fields)


def make_user(username=None, **fields):
    """An author account (get_or_create: tests may name the same author twice)."""
    username = username or f"author{next(_numbers)}"
    user, _ = get_user_model().objects.get_or_create(username=username, defaults=fields)
    return user


def make_update(entry=None, **fields):
    fields.setdefault("content", f"Update {next(_numbers)}")
    return LiveUpdate.objects.create(entry=entry or make_entry(), **fields)


# The photo inline's management form, as the admin's update form sends it with no photos.
NO_PHOTOS = {"photos-TOTAL_FORMS": "0", "photos-INITIAL_FORMS": "0"}


def attach_photo(update, width=1600, height=1200, alt="The stage from row three.", **fields):
    """Attach a generated photo to ``update``, as the admin does, and render the update again."""
    image = io.BytesIO()
    Image.new("RGB", (width, height), (200, 60, 30)).save(image, "JPEG")
    photo = Photo(update=update, alt=alt, **fields)
    photo.use(photos.process(File(image, name="stage.jpg")))
    photo.save()
    update.save()
    return photo
