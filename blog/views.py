from functools import wraps
from http import HTTPStatus

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static as static_url
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views import static
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from blog import live, pages, structured_data
from blog.models import Entry, LiveUpdate
from blog.site import absolute_url
from liveblog.db import deadline
from liveblog.errors import json_errors


def cache_publicly(response, max_age=None):
    """Let browsers and the CDN share this response for one poll interval, or ``max_age`` seconds.

    stale-if-error lets a CDN keep serving the last good copy while the origin
    is down, for as long as the servers' own micro-cache does (LIVE_STALE_SECONDS).
    No stale-while-revalidate: browsers honour it, and a reader whose
    poll URL has not changed would be shown the stale copy and only get the
    fresh one a whole poll later.
    """
    patch_cache_control(
        response,
        public=True,
        max_age=settings.LIVE_POLL_INTERVAL if max_age is None else max_age,
        stale_if_error=round(settings.LIVE_STALE_SECONDS),
    )
    return response


def json_error(status, message):
    return JsonResponse({"error": message}, status=status)


def canonical_url(request, query):
    return f"{request.path}?{query}" if query else request.path


def takes_no_query(view):
    """Send a request with any query string (`?utm_source=`, a cache-buster) to the bare URL.

    The redirect needs no database work, and the CDN and the micro-cache then
    hold one copy of the page instead of one per made-up query string.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.META.get("QUERY_STRING"):
            return cache_publicly(HttpResponsePermanentRedirect(canonical_url(request, "")))
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@takes_no_query
def entry_list(request):
    # Lists, not querysets: the template's {% if a or b %} would swallow a
    # database error and render (and let the CDN cache) "Nothing here yet".
    context = {
        "live_entries": list(Entry.objects.live()),
        "ended_entries": list(Entry.objects.ended()),
        "canonical_url": absolute_url(reverse("blog:entry_list")),
        "preview": structured_data.site_preview(reverse("blog:entry_list")),
    }
    return cache_publicly(render(request, "blog/entry_list.html", context))


# The key events shown before "Show all N key events": enough for the story so far, few enough
# that the latest update still starts near the top of a phone's screen.
KEY_EVENTS_SHOWN = 5


def with_day_starts(updates):
    """Each update with whether it starts a day in ``updates`` (its list's day headings)."""
    days = [update.shown_at().day for update in updates]
    return [(update, index == 0 or days[index - 1] != days[index]) for index, update in enumerate(updates)]


def in_entry_order(entry, updates):
    return updates[::-1] if entry.order == Entry.Order.NEWEST else updates


@require_safe
@takes_no_query
def entry_detail(request, slug):
    entry = get_object_or_404(Entry, slug=slug)
    extent = pages.extent(entry)
    updates, archives = pages.live_page(entry, live.updates_of(entry), extent.total)
    key_events = list(live.updates_of(entry).key_events())  # a list: see entry_list()
    # From the updates already loaded: link previews and search engines cost no query.
    json_ld, preview = structured_data.entry_markup(entry, updates)
    context = {
        "entry": entry,
        "updates": in_entry_order(entry, updates),
        "key_events": key_events,
        "latest_key_events": with_day_starts(key_events[:KEY_EVENTS_SHOWN]),
        "more_key_events": with_day_starts(key_events[KEY_EVENTS_SHOWN:]),
        # Unordered: the one pinned row comes from its constraint's index, not a walk through every update.
        "pinned": next(iter(live.updates_of(entry).filter(pinned=True).order_by()[:1]), None),
        # Date dividers only when the entry has more than one date to tell apart (an election night).
        "several_days": extent.spans_several_days(entry.zone),
        "earlier_url": pages.archive_url(entry, archives) if archives else None,
        "earlier_json_url": pages.archive_url(entry, archives, json=True) if archives else None,
        "cursor": live.cursor_for(entry),
        "poll_interval": live.poll_interval(entry),
        "canonical_url": absolute_url(entry.get_absolute_url()),
        "structured_data": json_ld,
        "preview": preview,
    }
    return cache_publicly(render(request, "blog/entry_detail.html", context), live.max_age(entry))


def archive_page(entry, page):
    """Archive page ``page``'s updates (oldest first), how many archive pages there are, the entry's Extent.

    Raises Http404 past the last one.
    """
    extent = pages.extent(entry)
    archives = pages.archive_count(extent.total)
    if not 1 <= page <= archives:
        raise Http404("There is no such page of updates.")
    return pages.archive_updates(live.updates_of(entry), page), archives, extent


@require_safe
@takes_no_query
def entry_page(request, slug, page):
    """An archive page: static, and cacheable for long, as its boundaries never move (blog/pages.py)."""
    entry = get_object_or_404(Entry, slug=slug)
    updates, archives, extent = archive_page(entry, page)
    context = {
        "entry": entry,
        "page": page,
        "updates": in_entry_order(entry, updates),
        # From the whole entry: a page within one day of a multi-day entry still starts with its date.
        "several_days": extent.spans_several_days(entry.zone),
        "earlier_url": pages.earlier_url(entry, page, json=False),
        "newer_url": pages.archive_url(entry, page + 1) if page < archives else entry.get_absolute_url(),
        # Each archive page is its own canonical page: its updates are on no other.
        "canonical_url": absolute_url(pages.archive_url(entry, page)),
    }
    response = render(request, "blog/entry_page.html", context)
    return cache_publicly(response, settings.LIVE_ENDED_MAX_AGE)


@json_errors
@require_safe
@takes_no_query
def entry_page_json(request, slug, page):
    """An archive page's updates, oldest first, for live.js's "Earlier updates" (docs/api.md)."""
    try:
        entry = Entry.objects.get(slug=slug)
        updates, _, _ = archive_page(entry, page)
    except (Entry.DoesNotExist, Http404):
        return cache_publicly(json_error(HTTPStatus.NOT_FOUND, "There is no such page of updates."))
    document = {
        "entry": live.serialize_entry(entry),
        "updates": [live.serialize_update(update) for update in updates],
        "earlier": pages.earlier_url(entry, page),
    }
    return cache_publicly(JsonResponse(document), settings.LIVE_ENDED_MAX_AGE)


@require_safe
@takes_no_query
def update_permalink(request, slug, update_id):
    """Send a reader to the page that shows the update, at the update."""
    entry = get_object_or_404(Entry, slug=slug)
    update = entry.updates.only("id", "entry_id", "created").filter(pk=update_id).first()
    if update is None:
        return update_gone(request, entry, update_id)
    page = pages.page_of(pages.position_of(update), entry.updates.count())
    url = entry.get_absolute_url() if page is None else pages.archive_url(entry, page)
    # Where an update is shown changes only as pages fill: keep it one poll interval.
    return cache_publicly(HttpResponseRedirect(f"{url}#update-{update.pk}"))


def update_gone(request, entry, update_id):
    """A permalink whose update left the entry: to its new place if it was moved, else 410 Gone.

    Only an update the entry had (its tombstone says so): any other id is a plain 404.
    """
    if not entry.deletions.filter(update_id=update_id).exists():
        raise Http404("There is no such update.")
    moved = LiveUpdate.objects.select_related("entry").filter(pk=update_id).first()
    if moved is not None:
        # Posted to the wrong entry in a hurry, then moved: links shared meanwhile still land on it.
        return cache_publicly(HttpResponseRedirect(moved.get_absolute_url()))
    # A deletion is final: public and cacheable like an archive page.
    response = render(request, "blog/update_gone.html", {"entry": entry}, status=HTTPStatus.GONE)
    return cache_publicly(response, settings.LIVE_ENDED_MAX_AGE)


# Exempt from CSRF so that a POST gets this view's JSON 405 rather than the
# CSRF middleware's HTML 403: the feed accepts no writes at all.
@csrf_exempt
@json_errors
def entry_feed(request, slug):
    """The live feed polled by static/blog/live.js; the contract is in docs/api.md.

    It never touches request.user or the session, so it never sets a cookie or
    varies on Cookie, and a CDN can serve one copy to every reader.
    """
    if request.method not in ("GET", "HEAD"):
        response = json_error(HTTPStatus.METHOD_NOT_ALLOWED, "This endpoint only answers GET and HEAD.")
        response["Allow"] = "GET, HEAD"
        return response
    try:
        since = live.parse_cursor(request.GET.get("since"))
    except live.BadCursor as error:
        return cache_publicly(json_error(HTTPStatus.BAD_REQUEST, str(error)))
    query = live.canonical_query(since)
    if request.META.get("QUERY_STRING", "") != query:
        return cache_publicly(HttpResponsePermanentRedirect(canonical_url(request, query)))
    try:
        entry = Entry.objects.get(slug=slug)
    except Entry.DoesNotExist:
        return cache_publicly(json_error(HTTPStatus.NOT_FOUND, "There is no live blog at this address."))
    if since is not None and since.entry_id != entry.pk:
        # A cursor from another entry that had this slug: the reader starts over.
        # Temporary: the slug may yet pass back to that entry.
        return cache_publicly(HttpResponseRedirect(canonical_url(request, "")))
    document = live.changes_since(entry, since and since.version)
    return cache_publicly(JsonResponse(document), live.max_age(entry))


@require_safe
def media_file(request, path):
    """A stored photo variant from MEDIA_ROOT (django.views.static.serve refuses paths outside it)."""
    response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    # Named by the hash of their content: a name never changes meaning, so caches keep it for good.
    response["Cache-Control"] = settings.MEDIA_CACHE_CONTROL
    return response


@require_safe
def favicon(request):
    """Send browsers that ask for /favicon.ico by habit to the site's SVG icon."""
    return cache_publicly(HttpResponseRedirect(static_url("favicon.svg")), max_age=86400)


@never_cache
@require_safe
def healthz(request):
    """For load balancers: 200 when this server's database answers within 2 seconds, else 503."""
    try:
        # Its own deadline, shorter than a page's: a probe must get its answer
        # before the load balancer gives up on it (docs/deploy.md).
        with deadline(2), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return json_error(HTTPStatus.SERVICE_UNAVAILABLE, "The database is unreachable.")
    return JsonResponse({"status": "ok"})
