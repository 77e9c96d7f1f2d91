"""The live desk: an entry's composer and stream in the admin, and the JSON endpoints behind it (issue 12).

The page (templates/admin/blog/entry/desk.html, static/blog/desk.js) posts,
edits and deletes without a reload. What it relies on, written for a conference
hall's Wi-Fi:

- Every draft carries an id made in the browser. The database keeps one update
  per (entry, draft id), so a post retried after a lost answer finds the update
  it already made instead of making a second one.
- A draft posted and then deleted is not posted again by a late retry (410),
  and a retry whose text differs from what was posted answers 409, so the
  newer words stay in the author's browser instead of being dropped.
- An edit names the revision of the text it started from (LiveUpdate.revision,
  which only changes with what readers read); another edit saved meanwhile
  answers 409 with what is stored now, and the author's text stays in their
  browser. The same edit sent twice (a retry) is not a conflict.
- Every answer is JSON, errors included, never the login page or an HTML error:
  401 once the session has ended, 403 without permission or with a stale CSRF
  token, 400 with a message per field, 404, 409.

docs/api.md, "The live desk", is the contract.
"""

import datetime as dt
import json
import uuid
from functools import wraps
from http import HTTPStatus

from django import forms
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import normalize_newlines
from django.views.decorators.cache import never_cache

from blog import photos
from blog.models import Entry, LiveUpdate, Photo, author_name
from blog.times import LocalTime

# Updates per stream page; older ones come with ?before=.
STREAM_SIZE = 50
# How often the desk asks for a co-author's changes: sooner than readers' polls,
# and cheap (one indexed query when nothing changed).
POLL_MILLISECONDS = 3000
# An uploaded photo's token is good for a week: a draft may wait overnight.
PHOTO_TOKEN_SALT = "blog.desk.photo"
PHOTO_TOKEN_MAX_AGE = dt.timedelta(days=7)
# What the desk may send about an update; the rest (entry, author, times) is the server's.
UPDATE_FIELDS = ("headline", "content", "key_event", "pinned", "correction")
# Sending any of these means "I rewrote it from revision N": they need the revision.
WRITTEN_FIELDS = {"headline", "content", "correction", "photos"}
# More than a keynote's update ever needs; each is a row and three files.
MAX_PHOTOS = 20
EMPTY_UPDATE = "Write something or add a photo: an update cannot be empty."
SESSION_ENDED = "Your session has ended. Log in again (in a new tab) and press Retry: your draft is kept."
POSTED_BEFORE = (
    "This draft was posted already, as it was when first sent (it is in the stream). What is here now "
    "is kept: press Post to add it as a new update, or edit the posted one."
)
POSTED_THEN_DELETED = (
    "This draft was posted and then deleted, so it was not posted again. It is kept here: press Post "
    "to post it as a new update."
)


class DeskError(Exception):
    """An answer the desk shows beside a field or above the composer."""

    def __init__(self, status, message, fields=None, **extra):
        super().__init__(message)
        self.status, self.message, self.fields, self.extra = status, message, fields or {}, extra

    def response(self):
        body = {"error": self.message, **({"fields": self.fields} if self.fields else {}), **self.extra}
        return JsonResponse(body, status=self.status)


def error_for_fields(fields):
    first = next(iter(fields.values()))
    message = first if len(fields) == 1 else "Please correct the errors below."
    return DeskError(HTTPStatus.BAD_REQUEST, message, fields)


class UpdateForm(forms.ModelForm):
    """What an author may set on an update, checked as the admin's form checks it."""

    class Meta:
        model = LiveUpdate
        fields = UPDATE_FIELDS


# The endpoints: each takes the request, the model admin and the entry.


def endpoint(permissions):
    """Wrap a JSON endpoint: staff only, per-method permissions, JSON for every error, never cached.

    ``permissions`` maps an HTTP method to the permission codenames it needs (any one of them).
    """

    def decorate(view):
        @never_cache
        @wraps(view)
        def wrapper(request, model_admin, entry_id, **kwargs):
            if not request.user.is_active:  # logged out, or the session has ended
                return JsonResponse({"error": SESSION_ENDED, "login": login_url(entry_id)}, status=401)
            if not model_admin.admin_site.has_permission(request):
                return JsonResponse({"error": "This account may not use the admin."}, status=403)
            if request.method not in permissions:
                return JsonResponse({"error": f"{request.method} is not allowed here."}, status=405)
            if not any(request.user.has_perm(f"blog.{name}") for name in permissions[request.method]):
                return JsonResponse({"error": "You do not have permission to do this."}, status=403)
            try:
                entry = get_object_or_404(Entry, pk=entry_id)
                return view(request, model_admin, entry, **kwargs)
            except DeskError as error:
                return error.response()
            except Http404:
                return JsonResponse({"error": "There is no such entry or update."}, status=404)

        return wrapper

    return decorate


def login_url(entry_id):
    """The way back after a session ended: log in, then a page saying to close that tab.

    Not the desk itself: the author's desk is still open in its own tab, and the desk there
    sends what was waiting once the author returns to it (static/blog/desk.js).
    """
    return f"{reverse('admin:login')}?next={reverse('admin:blog_entry_desk_signed_in')}"


def read_json(request):
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise DeskError(HTTPStatus.BAD_REQUEST, "The request was not valid JSON.") from None
    if not isinstance(data, dict):
        raise DeskError(HTTPStatus.BAD_REQUEST, "The request must be a JSON object.")
    return data


@endpoint({"GET": ["view_liveupdate", "add_liveupdate"], "POST": ["add_liveupdate"]})
def updates(request, model_admin, entry):
    if request.method == "POST":
        return create(request, model_admin, entry)
    return stream(request, entry)


def stream(request, entry):
    """The entry's updates for the desk, newest first; or what changed since a cursor (a co-author's work)."""
    rows = entry.updates.select_related("author", "entry").prefetch_related("photos")
    until = entry.version
    if "since" in request.GET:
        since = number(request.GET["since"], "since")
        changed = rows.changed_between(since, until) if since < until else []
        deleted = entry.deletions.changed_between(since, until) if since < until else []
        present = {update.pk for update in changed}
        return JsonResponse(
            {
                "entry": serialize_entry(entry),
                "updates": [serialize(update) for update in changed],
                "deleted": [row.update_id for row in deleted if row.update_id not in present],
                "cursor": until,
            }
        )
    rows = rows.order_by("-created", "-id")
    if "before" in request.GET:
        oldest = get_object_or_404(entry.updates, pk=number(request.GET["before"], "before"))
        rows = rows.filter(created__lte=oldest.created).exclude(created=oldest.created, id__gte=oldest.pk)
    page = list(rows[: STREAM_SIZE + 1])
    older = None
    if len(page) > STREAM_SIZE:
        page = page[:STREAM_SIZE]
        older = f"{reverse('admin:blog_entry_desk_updates', args=[entry.pk])}?before={page[-1].pk}"
    return JsonResponse(
        {
            "entry": serialize_entry(entry),
            "updates": [serialize(update) for update in page],
            "cursor": until,
            "older": older,
        }
    )


def create(request, model_admin, entry):
    data = read_json(request)
    try:
        draft_id = uuid.UUID(str(data.get("draft_id", "")))
    except ValueError:
        raise error_for_fields({"draft_id": "Every post needs the draft's id."}) from None
    update = LiveUpdate(entry=entry, author=request.user, draft_id=draft_id)
    form = UpdateForm(form_data(update, data), instance=update)
    attached = clean_photos(data.get("photos", []), update, entry)
    made = already_made(entry, draft_id)
    if made is not None:
        return replay(made, data, attached)
    if entry.deletions.filter(draft_id=draft_id).exists():
        raise DeskError(HTTPStatus.GONE, POSTED_THEN_DELETED)
    check(form, attached)
    try:
        with transaction.atomic():
            form.save()
            save_photos(update, attached)
            update.save()  # again, now with its photos in its HTML: readers see one version of it
    except IntegrityError:
        made = already_made(entry, draft_id)  # the same post, retried while the first was being saved
        if made is None:
            raise
        return replay(made, data, attached)
    model_admin.log_addition(request, update, [{"added": {}}])
    return JsonResponse({"update": serialize(fresh(update))}, status=HTTPStatus.CREATED)


def already_made(entry, draft_id):
    return entry.updates.select_related("author", "entry").filter(draft_id=draft_id).first()


def replay(made, data, attached):
    """Answer a draft posted before: with the update it made, or 409 if the author has rewritten it since."""
    if as_sent(made, data, attached):
        return JsonResponse({"update": serialize(fresh(made)), "replayed": True})
    raise DeskError(HTTPStatus.CONFLICT, POSTED_BEFORE, update=serialize(fresh(made)), replayed=True)


def as_sent(stored, data, attached):
    """Whether ``stored`` already reads as the desk sent it: its text, as saving cleans it, and its photos."""
    sent = form_data(stored, data)
    same_text = (
        normalize_newlines(sent["content"].strip()) == stored.content
        and " ".join(sent["headline"].split()) == stored.headline
        and sent["correction"].strip() == stored.correction
    )
    if attached is None:
        return same_text
    photos = [(photo.digest, photo.alt, photo.caption, photo.credit) for photo, _ in attached]
    return same_text and photos == [
        (photo.digest, photo.alt, photo.caption, photo.credit) for photo in stored.photos.all()
    ]


@endpoint({"POST": ["change_liveupdate"], "DELETE": ["delete_liveupdate"]})
def update(request, model_admin, entry, update_id):
    if request.method == "DELETE":
        stored = get_object_or_404(entry.updates.select_related("author", "entry"), pk=update_id)
        with transaction.atomic():
            model_admin.log_deletions(request, [stored])
            stored.delete()
        return JsonResponse({"deleted": update_id})
    data = read_json(request)
    sent = (set(UPDATE_FIELDS) | WRITTEN_FIELDS) & data.keys()
    rewritten = WRITTEN_FIELDS & sent
    revision = number(data.get("revision"), "revision") if rewritten else None
    with transaction.atomic():
        # The entry's lock, which every write to its updates takes: the update is
        # read, checked and saved with no other edit in between, so a toggle
        # cannot write back text a co-author changed a moment ago.
        Entry.objects.select_for_update().filter(pk=entry.pk).first()
        stored = get_object_or_404(entry.updates.select_related("author", "entry"), pk=update_id)
        attached = clean_photos(data["photos"], stored, entry) if "photos" in data else None
        if rewritten and revision != stored.revision:
            if as_sent(stored, data, attached):  # this edit, retried after its answer was lost
                return JsonResponse({"update": serialize(fresh(stored))})
            raise conflict(stored)
        form = UpdateForm(form_data(stored, data), instance=stored)
        check(form, attached if attached is not None else list(stored.photos.all()))
        if attached is not None:
            save_photos(stored, attached)
        form.save()
    model_admin.log_change(request, stored, [{"changed": {"fields": sorted(sent)}}])
    return JsonResponse({"update": serialize(fresh(stored))})


def conflict(update):
    """A 409 saying who changed the update's text since the author opened it, with what is stored now."""
    history = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(LiveUpdate), object_id=str(update.pk)
    )
    # The latest change to its text: a pin or key event toggled since is not what conflicts.
    latest = history.select_related("user").order_by("-action_time")[:20]
    last = next((change for change in latest if not toggled(change)), None)
    if last is not None:
        when = LocalTime.of(last.action_time, update.entry.zone)
        message = f"Changed by {author_name(last.user)} at {when.label} since you opened it"
    else:
        message = "Changed since you opened it"
    return DeskError(
        HTTPStatus.CONFLICT, f"{message}: your text is kept here.", update=serialize(fresh(update))
    )


def toggled(change):
    """Whether an admin history entry records only the desk's pin or key event toggles."""
    try:
        message = json.loads(change.change_message or "[]")
        fields = {name for part in message for name in part.get("changed", {}).get("fields", [])}
    except (ValueError, AttributeError, TypeError):
        return False
    return change.is_change() and bool(fields) and fields <= {"pinned", "key_event"}


@endpoint({"POST": ["add_liveupdate", "change_liveupdate"]})
def preview(request, model_admin, entry):
    """The update as readers will see it, rendered by the server's own policy, without saving anything."""
    data = read_json(request)
    draft = LiveUpdate(entry=entry, author=request.user, created=timezone.now(), posted=timezone.now())
    form = UpdateForm(form_data(draft, data), instance=draft)
    # An edit's preview names its update, whose stored photos it may keep.
    edited = (
        get_object_or_404(entry.updates, pk=number(data["update"], "update")) if "update" in data else draft
    )
    attached = clean_photos(data.get("photos", []), edited, entry, previewing=True)
    check(form, attached, previewing=True)
    draft.headline = " ".join(draft.headline.split())
    draft.content_html = draft.render_html([photo for photo, _ in attached])
    html = render_to_string("blog/_update.html", {"update": draft, "copy": True, "preview": True})
    return JsonResponse({"html": html.strip()})


@endpoint({"POST": ["add_liveupdate", "change_liveupdate"]})
def upload_photo(request, model_admin, entry):
    """Process and store one photo; answer a token that a post or an edit then attaches."""
    upload = request.FILES.get("file")
    if upload is None:
        raise error_for_fields({"file": "Choose a photo to upload."})
    try:
        processed = photos.process(upload)
    except ValidationError as error:
        raise error_for_fields({"file": error.messages[0]}) from None
    # Stored now, under its content's name: posting it later only refers to it. A
    # photo never posted stays stored, as a form's would have been (see docs/deploy.md).
    variants = photos.save(processed)
    made = {"digest": processed.digest, "width": processed.width, "height": processed.height}
    # Good for this entry only: a token seen on one desk cannot attach its photo elsewhere.
    token = signing.dumps(
        {**made, "variants": variants, "entry": entry.pk}, salt=PHOTO_TOKEN_SALT, compress=True
    )
    thumb = default_storage.url(variants[0]["name"])
    body = {"token": token, "thumb": thumb, "width": processed.width, "height": processed.height}
    return JsonResponse(body, status=HTTPStatus.CREATED)


@endpoint({"POST": ["change_entry"]})
def coverage(request, model_admin, entry):
    data = read_json(request)
    if not isinstance(data.get("ended"), bool):
        raise error_for_fields({"ended": "Say whether coverage has ended: true or false."})
    if data["ended"] and entry.end_coverage():
        model_admin.log_change(request, entry, "Ended live coverage.")
    elif not data["ended"] and not entry.is_live:
        entry.resume_coverage()
        model_admin.log_change(request, entry, "Resumed live coverage.")
    return JsonResponse({"entry": serialize_entry(Entry.objects.get(pk=entry.pk))})


# Reading what the desk sent.


def number(value, name):
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise error_for_fields({name: f"{name} must be a whole number."})
    try:
        result = int(value)
    except ValueError:
        raise error_for_fields({name: f"{name} must be a whole number."}) from None
    if not 0 <= result <= 2**63 - 1:
        raise error_for_fields({name: f"{name} is out of range."})
    return result


def form_data(update, data):
    """The form's data: the update's stored values, overlaid by the fields the desk sent."""
    values = {name: getattr(update, name) for name in UPDATE_FIELDS}
    for name in UPDATE_FIELDS:
        if name in data:
            value = data[name]
            expected = bool if name in ("key_event", "pinned") else str
            if not isinstance(value, expected):
                kind = "true or false" if expected is bool else "text"
                raise error_for_fields({name: f"{name} must be {kind}."})
            values[name] = value
    return values


def clean_photos(items, update, entry, previewing=False):
    """Return [(Photo, is_new)] in the order sent: stored photos of this update by id, new ones by token."""
    if not isinstance(items, list):
        raise error_for_fields({"photos": "photos must be a list."})
    if len(items) > MAX_PHOTOS:
        raise error_for_fields({"photos": f"An update may have up to {MAX_PHOTOS} photos."})
    stored = {photo.pk: photo for photo in update.photos.all()} if update.pk else {}
    attached, errors, seen = [], {}, set()
    for position, item in enumerate(items, start=1):
        key = f"photos.{position - 1}"
        if not isinstance(item, dict):
            errors[key] = "Each photo must be an object."
            continue
        if "token" in item:
            made = photo_from_token(item["token"], entry)
            if made is None:
                errors[key] = "This photo's upload has expired or is not valid: add it again."
                continue
            photo, new, identity = Photo(update=update if update.pk else None, **made), True, made["digest"]
        elif isinstance(item.get("id"), int) and item["id"] in stored:
            photo, new, identity = stored[item["id"]], False, item["id"]
        else:
            errors[key] = "This photo is not one of this update's: add it again."
            continue
        if identity in seen:
            errors[key] = "This photo is in the update twice."
            continue
        seen.add(identity)
        for name in ("alt", "caption", "credit"):
            value = item.get(name, "")
            if not isinstance(value, str) or "\x00" in value:
                errors[f"{key}.{name}"] = f"{name} must be text."
            else:
                setattr(photo, name, value.strip())
        photo.position = position
        attached.append((photo, new))
    if errors:
        raise error_for_fields(errors)
    for index, (photo, _) in enumerate(attached):
        try:
            photo.full_clean(exclude=["update", "digest", "width", "height", "variants", "position"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors[f"photos.{index}.{name}"] = (
                    "Describe the photo for readers who cannot see it." if name == "alt" else messages[0]
                )
    if errors and not previewing:
        raise error_for_fields(errors)
    return attached


def photo_from_token(token, entry):
    """Return the photo fields an upload's token holds, or None: forged, expired, another entry's, gone."""
    try:
        made = signing.loads(str(token), salt=PHOTO_TOKEN_SALT, max_age=PHOTO_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    if made.pop("entry", None) != entry.pk:
        return None
    # Its files go once no photo uses them (Photo.delete_files_if_unused): a token outlives them.
    if not default_storage.exists(made["variants"][-1]["name"]):
        return None
    return made


def check(form, attached, previewing=False):
    """Raise a 400 with every field's first message unless the update is valid and not empty."""
    errors = {name: messages[0] for name, messages in form.errors.items()}
    if not previewing and not form.data["content"].strip() and not attached and "content" not in errors:
        errors["content"] = EMPTY_UPDATE
    if errors:
        raise error_for_fields(errors)


def save_photos(update, attached):
    """Make the update's photos exactly these, in this order (the caller saves the update after)."""
    keep = {photo.pk for photo, new in attached if not new}
    for photo in update.photos.exclude(pk__in=keep):
        photo.delete()
    for photo, _ in attached:
        photo.update = update
        photo.save()


def fresh(update):
    return LiveUpdate.objects.select_related("author", "entry").prefetch_related("photos").get(pk=update.pk)


# What the desk reads.


def serialize(update):
    shown, edited = update.shown_at(), update.edited_at()
    return {
        "id": update.pk,
        "version": update.version,
        "revision": update.revision,
        "draft_id": str(update.draft_id) if update.draft_id else None,
        "content": update.content,
        "headline": update.headline,
        "key_event": update.key_event,
        "pinned": update.pinned,
        "correction": update.correction,
        "created": shown.iso,
        "time_label": shown.label,
        "time_title": shown.title,
        # "Updated 10:42 PST", as readers see it (blog/live.py): None for an edit within the grace.
        "edited": edited.iso if edited else None,
        "edited_label": edited.label if edited else None,
        "edited_title": edited.title if edited else None,
        "author": author_name(update.author) if update.author else None,
        "html": update.content_html,
        "photos": [
            {
                "id": photo.pk,
                "alt": photo.alt,
                "caption": photo.caption,
                "credit": photo.credit,
                "thumb": default_storage.url(photo.variants[0]["name"]) if photo.variants else None,
                "width": photo.width,
                "height": photo.height,
            }
            for photo in update.photos.all()
        ],
        "url": update.get_absolute_url(),
        "deleted": False,
    }


def serialize_entry(entry):
    ended = entry.ended_at()
    return {
        "id": entry.pk,
        "title": entry.title,
        "slug": entry.slug,
        "is_live": entry.is_live,
        "ended_label": f"{ended.label} on {ended.day_label}" if ended else None,
        "url": entry.get_absolute_url(),
    }


# The page.


def page(request, model_admin, entry_id):
    if not request.user.has_perm("blog.add_liveupdate"):
        raise PermissionDenied
    entry = get_object_or_404(Entry, pk=entry_id)
    urls = {
        name: reverse(f"admin:blog_entry_desk_{name}", args=[entry.pk])
        for name in ("updates", "preview", "photos", "coverage")
    }
    desk = {
        "stream": urls["updates"],
        "create": urls["updates"],
        "update_template": reverse("admin:blog_entry_desk_update", args=[entry.pk, 0]),
        "preview": urls["preview"],
        "photos": urls["photos"],
        "coverage": urls["coverage"],
        "public": entry.get_absolute_url(),
        "login": login_url(entry.pk),
        "change_entry": reverse("admin:blog_entry_change", args=[entry.pk]),
    }
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Entry._meta,
        "title": f"Desk: {entry}",
        "entry": entry,
        "desk": desk,
        "photo_help": photos.upload_help_text(),
        "accept": photos.ACCEPTED_MIME_TYPES,
        "can_change": request.user.has_perm("blog.change_liveupdate"),
        "can_delete": request.user.has_perm("blog.delete_liveupdate"),
        "can_end": request.user.has_perm("blog.change_entry"),
        "poll_ms": POLL_MILLISECONDS,
    }
    response = TemplateResponse(request, "admin/blog/entry/desk.html", context)
    # The admin's other pages send none (their inline styles); the desk's own page is written for one.
    response["Content-Security-Policy"] = settings.DESK_CONTENT_SECURITY_POLICY
    return response


def signed_in(request, model_admin):
    context = {**model_admin.admin_site.each_context(request), "title": "Signed in again"}
    response = TemplateResponse(request, "admin/blog/entry/desk_signed_in.html", context)
    response["Content-Security-Policy"] = settings.DESK_CONTENT_SECURITY_POLICY
    return response


def urls(model_admin):
    """The desk's URLs, under the entry's admin URLs (EntryAdmin.get_urls())."""

    def bind(view):
        return lambda request, **kwargs: view(request, model_admin, **kwargs)

    def json_view(view):
        bound = bind(view)
        bound.json_errors = True  # liveblog/errors.py answers this view's own failures in JSON
        return bound

    return [
        path(
            "desk/signed-in/",
            model_admin.admin_site.admin_view(bind(signed_in)),
            name="blog_entry_desk_signed_in",
        ),
        path("<int:entry_id>/desk/", model_admin.admin_site.admin_view(bind(page)), name="blog_entry_desk"),
        path("<int:entry_id>/desk/updates.json", json_view(updates), name="blog_entry_desk_updates"),
        path(
            "<int:entry_id>/desk/updates/<int:update_id>.json",
            json_view(update),
            name="blog_entry_desk_update",
        ),
        path("<int:entry_id>/desk/preview.json", json_view(preview), name="blog_entry_desk_preview"),
        path("<int:entry_id>/desk/photos.json", json_view(upload_photo), name="blog_entry_desk_photos"),
        path("<int:entry_id>/desk/coverage.json", json_view(coverage), name="blog_entry_desk_coverage"),
    ]
