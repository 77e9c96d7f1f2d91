"""Entries (one event's live blog) and the short updates posted to them.

Every change a reader must see (an update created, edited or deleted) takes
the next value of its entry's change counter, ``Entry.version``. The counter is
bumped with an UPDATE on the entry row, which holds that row's lock until the
transaction commits, so writes to one entry are serialized and commit in
counter order. A reader's cursor is simply the counter value it has seen:
"everything with a version above my cursor" can never skip a change that
committed late, and the cursor depends only on the entry's state, so readers
who are up to date share one cacheable URL.
"""

import datetime as dt
import functools
import html
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, normalize_newlines

from blog import photos
from blog.rendering import render_markdown, render_photos, validate_markdown
from blog.times import LocalTime

# Search engines show about this much of a page's meta description.
DESCRIPTION_LENGTH = 160


def author_name(user):
    """The name a byline shows: the full name, or the username when none is set."""
    return user.get_full_name() or user.get_username()


def default_time_zone():
    return settings.TIME_ZONE


def time_zone_choices():
    """Every zone the system knows, by name: the one list the model and its forms validate against."""
    return _time_zone_choices()


# Listing the zones reads the tz database (about 50 ms): once per process is enough.
@functools.cache
def _time_zone_choices():
    return tuple((name, name) for name in sorted(zoneinfo.available_timezones()))


class EntryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(ended__isnull=True)

    def ended(self):
        return self.filter(ended__isnull=False)

    def bump_version(self, entry_id, updates=0):
        """Take the next change number for an entry, locking its row until commit.

        Call inside a transaction: the row lock is what makes concurrent writers
        to one entry commit in the order of the numbers they took. ``updates``
        is how many updates the change adds (1) or removes (-1).
        """
        counted = {"update_count": F("update_count") + updates} if updates else {}
        self.filter(pk=entry_id).update(version=F("version") + 1, changed=timezone.now(), **counted)
        return self.filter(pk=entry_id).values_list("version", flat=True).get()

    def recount(self):
        """Count each entry's updates again: after a bulk_create(), which saves no update one by one."""
        rows = LiveUpdate.objects.filter(entry=OuterRef("pk")).order_by().values("entry")
        counted = rows.annotate(total=Count("*")).values("total")
        return self.update(update_count=Coalesce(Subquery(counted), 0))


class Entry(models.Model):
    class Order(models.TextChoices):
        NEWEST = "newest", "Newest first"
        OLDEST = "oldest", "Oldest first"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    body = models.TextField("intro", blank=True, help_text="Markdown.", validators=[validate_markdown])
    body_html = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now)
    # When the author ended live coverage; None while it is live. Only
    # end_coverage() and resume_coverage() write it (see save()).
    ended = models.DateTimeField(null=True, blank=True, editable=False)
    order = models.CharField(
        max_length=6,
        choices=Order,
        default=Order.NEWEST,
        help_text="How the page lists updates, unless a reader picks the other order. "
        "Newest first suits readers who arrive mid-event and want the latest.",
    )
    show_bylines = models.BooleanField(
        "show bylines",
        default=False,
        help_text="Show who posted each update. Leave it off for a one-person live blog.",
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        choices=time_zone_choices,
        help_text="Update times are shown to readers in this zone.",
    )
    # The entry's change counter; see the module docstring. Only bump_version() writes it.
    version = models.PositiveBigIntegerField(default=0, editable=False)
    # When readers' view of it last changed (an update posted, edited or deleted,
    # the entry itself edited, ended or resumed), with every change number: the
    # feeds' and the sitemap's last change, and the pages' dateModified (issue 13).
    changed = models.DateTimeField(default=timezone.now, editable=False)
    # How many updates it has, kept with every change number: a page needs the count
    # (blog/pages.py), and COUNT(*) reads every row of an entry of 50,000 (issue 11).
    update_count = models.PositiveIntegerField(default=0, editable=False)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "entries"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.changed = timezone.now()
        self.body = normalize_newlines(self.body)  # a textarea's CRLFs, as validate_markdown() counts them
        self.body_html = render_markdown(self.body)
        if self._state.adding or self.pk is None:
            super().save(*args, **kwargs)
            return
        if kwargs.get("update_fields") is None:
            # An entry form loaded minutes ago holds a stale counter and a stale
            # end of coverage: writing them back would hand out change numbers
            # again (readers would miss updates) or undo an "End live coverage".
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.WRITTEN_ELSEWHERE
            ]
        with transaction.atomic():
            stored = Entry.objects.filter(pk=self.pk).values(*self.SHOWN_IN_EVERY_UPDATE).first()
            super().save(*args, **kwargs)
            if stored and any(stored[name] != getattr(self, name) for name in stored):
                # Every update reads differently now: send them all to readers again.
                self.updates.update(version=Entry.objects.bump_version(self.pk))

    def get_absolute_url(self):
        # Every update's permalink starts with it, so a page asks once per update:
        # reverse() once per instance and slug (about 60 microseconds each here).
        slug, url = self.__dict__.get("_absolute_url", (None, None))
        if slug != self.slug:
            url = reverse("blog:entry_detail", args=[self.slug])
            self.__dict__["_absolute_url"] = (self.slug, url)
        return url

    # Fields that save() never writes back from a form: see save().
    WRITTEN_ELSEWHERE = {"version", "ended", "update_count"}
    # Entry fields that change how each update is shown (its time, its byline).
    SHOWN_IN_EVERY_UPDATE = ("time_zone", "show_bylines")

    @property
    def is_live(self):
        return self.ended is None

    def end_coverage(self):
        """Mark live coverage as over, now; readers' pages stop polling on their next poll.

        Returns False when it had already ended (the earlier time is kept).
        """
        with transaction.atomic():
            ended = Entry.objects.filter(pk=self.pk, ended__isnull=True).update(ended=timezone.now())
            if ended:
                # A new cursor: the ended answer, cached for LIVE_ENDED_MAX_AGE, never
                # stands at a URL that pages loaded after a resume would poll.
                Entry.objects.bump_version(self.pk)
        self.refresh_from_db(fields=["ended", "version"])
        return bool(ended)

    def resume_coverage(self):
        """Undo end_coverage(): pages loaded from now on poll again (see end_coverage())."""
        with transaction.atomic():
            if Entry.objects.filter(pk=self.pk, ended__isnull=False).update(ended=None):
                Entry.objects.bump_version(self.pk)
        self.refresh_from_db(fields=["ended", "version"])

    def description(self):
        """Return the intro as plain text of at most DESCRIPTION_LENGTH characters, for search results."""
        text = " ".join(html.unescape(strip_tags(self.body_html)).split())
        return Truncator(text).chars(DESCRIPTION_LENGTH)

    def ended_at(self):
        return LocalTime.of(self.ended, self.zone) if self.ended else None

    def created_at(self):
        return LocalTime.of(self.created, self.zone)

    @property
    def zone(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class ChangeQuerySet(models.QuerySet):
    def changed_between(self, since, until):
        """Rows changed after cursor ``since``, up to and including cursor ``until``.

        The upper bound makes a response exactly "the changes from since to
        until", even if a writer commits between the queries that build it.
        """
        return self.filter(version__gt=since, version__lte=until)


# Characters of text above which a pinned post is collapsed to its first lines.
LONG_PINNED_POST = 600
KEY_EVENT_NEEDS_HEADLINE = "A key event needs a headline: the Key events list shows it."


class LiveUpdateQuerySet(ChangeQuerySet):
    def key_events(self):
        """The updates listed under "Key events", newest first."""
        return self.filter(key_event=True).order_by("-created", "-id")


class LiveUpdate(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="updates")
    headline = models.CharField(
        max_length=120, blank=True, help_text="Optional. Plain text, shown above the update as its heading."
    )
    # Blank for an update that is a photo alone (the admin asks for one or the other).
    content = models.TextField(blank=True, help_text="Markdown.", validators=[validate_markdown])
    content_html = models.TextField(blank=True, editable=False)
    key_event = models.BooleanField(
        "key event",
        default=False,
        help_text="List this update under Key events at the top of the page. It needs a headline.",
    )
    pinned = models.BooleanField(
        default=False,
        help_text="Show this update above all the others too (a summary, what we know so far). "
        "Pinning it unpins the entry's previously pinned update.",
    )
    correction = models.CharField(
        max_length=280,
        blank=True,
        help_text="Optional. Shown with the update in its own style, e.g. "
        "\u201cCorrection: 14 regions, not 12.\u201d",
    )
    # Who posted it, set by the admin; None for updates from before bylines.
    # SET_NULL: deleting an account must not delete what it published.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_updates",
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    # When it was really posted, whatever time it shows (created may be back-dated):
    # the grace for silent typo fixes runs from here.
    posted = models.DateTimeField(default=timezone.now, editable=False)
    # Its last edit of what readers read (see save()); readers are told of it
    # ("Updated 10:42") only when it came after the grace (edited_at()).
    edited = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveBigIntegerField(default=0, editable=False)
    # Counts the changes to what readers read of it (READ below), and only those:
    # the desk's edits start from one, and another edit saved meanwhile is a
    # conflict (blog/desk.py). A pin moving away or a new time zone is not.
    revision = models.PositiveIntegerField(default=0, editable=False)
    # Made by the desk's browser for each draft (blog/desk.py): a post retried after a
    # lost answer names the same draft, and finds the update it already made.
    draft_id = models.UUIDField(null=True, blank=True, editable=False)

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["entry", "version"]),
            # The newest updates of an entry's page, and positions for permalinks (blog/pages.py).
            models.Index(fields=["entry", "created", "id"]),
            # The key events list, without reading every update of a long entry.
            models.Index(
                fields=["entry", "created", "id"], condition=models.Q(key_event=True), name="key_events"
            ),
        ]
        constraints = [
            # Enforced by the database, not only by a form: two authors pinning
            # at once, or a bulk update, still leave one pinned post (issue 10).
            models.UniqueConstraint(
                fields=["entry"], condition=models.Q(pinned=True), name="one_pinned_update_per_entry"
            ),
            # Enforced by the database: two retries of one post racing each other make one update.
            models.UniqueConstraint(fields=["entry", "draft_id"], name="one_update_per_draft"),
            # The Key events list shows headlines: a key event without one would be a blank line.
            models.CheckConstraint(
                condition=~models.Q(key_event=True, headline=""),
                name="key_event_has_headline",
                violation_error_message=KEY_EVENT_NEEDS_HEADLINE,
            ),
        ]

    def __str__(self):
        if self.headline:
            return self.headline[:60]
        first_line = self.content.strip().splitlines()[0] if self.content.strip() else ""
        if first_line:
            return first_line[:60]
        first_photo = next(iter(self.photos.all()), None) if self.pk is not None else None
        return f"Photo: {first_photo.alt[:53]}" if first_photo else f"Update {self.pk}"

    def save(self, *args, **kwargs):
        self.content = normalize_newlines(self.content)  # see Entry.save()
        self.headline = " ".join(self.headline.split())  # one line, as the heading shows it
        # Photos are part of the update's HTML, so readers get them like its text:
        # rendered once here, carried unchanged by the feed.
        # A fresh query, not self.photos: a prefetched list (the admin's) may be stale by now.
        attached = Photo.objects.filter(update_id=self.pk) if self.pk is not None else ()
        self.content_html = self.render_html(attached)
        with transaction.atomic():
            stored = self._stored_reading()
            moved_from = stored["entry_id"] if stored and stored["entry_id"] != self.entry_id else None
            # Lock entries in id order, so two writers never wait on each other in a cycle.
            for entry_id in sorted({self.entry_id, moved_from} - {None}):
                # A new update, or one moved here, counts in; one moved away counts out.
                if entry_id == moved_from:
                    counted = -1
                else:
                    counted = 1 if stored is None or moved_from is not None else 0
                version = Entry.objects.bump_version(entry_id, updates=counted)
                if entry_id == self.entry_id:
                    self.version = version
                else:
                    # Posted to the wrong entry and moved: it leaves the old entry's pages.
                    DeletedUpdate.objects.create(entry_id=entry_id, update_id=self.pk, version=version)
            if self.pinned:
                # Before this row is written: the constraint allows one pinned update.
                # The unpinned one takes this change's number, so readers get both.
                LiveUpdate.objects.filter(entry_id=self.entry_id, pinned=True).exclude(pk=self.pk).update(
                    pinned=False, version=self.version
                )
            if stored and any(stored[name] != getattr(self, name) for name in self.READ):
                self.revision = stored["revision"] + 1
                now = timezone.now()
                # Every change to what readers read, for feeds and search engines;
                # readers are told of it only after the grace (edited_at()).
                self.edited = now
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {
                    *kwargs["update_fields"],
                    "version",
                    "content_html",
                    "headline",
                    "edited",
                    "revision",
                }
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        """Its permalink, which redirects to whichever page shows it (blog/views.py)."""
        # Built on the entry's cached URL: a page asks once per update (see Entry.get_absolute_url()).
        return f"{self.entry.get_absolute_url()}updates/{self.pk}/"

    def clean(self):
        if self.key_event and not self.headline.strip():
            raise ValidationError({"headline": KEY_EVENT_NEEDS_HEADLINE})

    def validate_constraints(self, exclude=None):
        # save() unpins the entry's pinned update before writing this one, so a
        # second pin is no conflict to report; the database still enforces the rule.
        if self.pinned:
            exclude = {*(exclude or ()), "entry"}
        super().validate_constraints(exclude)

    # What readers read: a change to any of these after the grace is shown as "Updated".
    # The rendered HTML rather than the markdown, so that a photo added, removed or
    # re-captioned counts too; a change of rendering policy therefore comes with a
    # migration that renders stored HTML again (as 0003 and 0006 do), or the next
    # save of every old update would be shown as an edit.
    READ = ("headline", "content_html", "correction")

    def render_html(self, attached_photos):
        """Return the HTML readers see for its text and these photos (the desk's preview shows the same)."""
        # A heading in the text sits under the update's headline, or in its place.
        heading = "h4" if self.headline.strip() else "h3"
        return render_markdown(self.content, heading=heading) + render_photos(attached_photos)

    def _stored_reading(self):
        """The stored row's entry and what readers read of it, or None for a new update."""
        if self._state.adding or self.pk is None:
            return None
        return LiveUpdate.objects.filter(pk=self.pk).values("entry_id", "revision", *self.READ).first()

    def shown_at(self):
        """The update's time in its entry's zone, as readers see it."""
        return LocalTime.of(self.created, self.entry.zone)

    def last_change(self):
        """When it last changed for readers: posted (a back-dated one changed then), or edited since."""
        return max(moment for moment in (self.created, self.posted, self.edited) if moment is not None)

    def edited_at(self):
        """When it was last edited, for readers: None if never edited, or only fixed right after posting."""
        grace = dt.timedelta(seconds=settings.LIVE_EDIT_GRACE_SECONDS)
        if self.edited is None or self.edited - self.posted <= grace:
            return None
        # Beside its update's day: an edit the next morning must not read as the same night.
        return LocalTime.of(self.edited, self.entry.zone, beside=self.shown_at().day)

    def is_long(self):
        """Whether it starts collapsed when pinned: a guess from its text, as the page loads without script.

        static/blog/live.js measures the real height when a pinned post changes live.
        """
        return len(strip_tags(self.content_html)) > LONG_PINNED_POST or "<figure" in self.content_html

    def byline(self):
        """Who posted it, as readers see it; None when the entry hides bylines or nobody is known."""
        if not self.entry.show_bylines or self.author is None:
            return None
        return author_name(self.author)


class Photo(models.Model):
    """A photo attached to an update: stored as content-hashed WebP variants (blog/photos.py)."""

    update = models.ForeignKey(LiveUpdate, on_delete=models.CASCADE, related_name="photos")
    position = models.PositiveSmallIntegerField(default=0, help_text="Photos are shown in this order.")
    alt = models.TextField(
        "description",
        max_length=2000,
        help_text="What the photo shows, for readers who cannot see it (alt text).",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    # What blog/photos.py stored: the source's digest names the files; the
    # variants are [{"name", "width", "height"}, ...], smallest first.
    digest = models.CharField(max_length=64, editable=False, db_index=True)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    variants = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.alt[:60]

    def use(self, processed):
        """Store a processed upload (blog/photos.py) as this photo's files, replacing any it had."""
        replaced = (self.digest, self.variants)
        self.variants = photos.save(processed)
        self.digest = processed.digest
        self.width, self.height = processed.width, processed.height
        if replaced[0] and replaced[0] != processed.digest:
            transaction.on_commit(lambda: Photo.delete_files_if_unused(*replaced))

    @staticmethod
    def delete_files_if_unused(digest, variants):
        """Delete stored variants unless another photo has the same source (and so the same files)."""
        if not Photo.objects.filter(digest=digest).exists():
            photos.delete(variants)


class DeletedUpdate(models.Model):
    """A tombstone, so readers who saw an update learn that it was deleted."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="deletions")
    update_id = models.BigIntegerField()
    version = models.PositiveBigIntegerField()
    # The desk's draft that posted it: a retry of that draft must not post it again.
    draft_id = models.UUIDField(null=True, blank=True)

    objects = ChangeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["entry", "version"])]

    def __str__(self):
        return f"Update {self.update_id} deleted"

    @classmethod
    def record(cls, update):
        with transaction.atomic():
            version = Entry.objects.bump_version(update.entry_id, updates=-1)
            return cls.objects.create(
                entry_id=update.entry_id, update_id=update.pk, version=version, draft_id=update.draft_id
            )


# A receiver rather than LiveUpdate.delete(): a queryset delete() (the admin's
# bulk action) never calls the model method, but it does send this signal.
# pre_delete, not post_delete: Django sends it inside the deletion's transaction
# before the DELETE, so a deletion locks the entry row before the update row,
# in the same order as save(), and cannot deadlock with an edit.
@receiver(pre_delete, sender=LiveUpdate, dispatch_uid="record_deleted_update")
def record_deleted_update(sender, instance, origin=None, **kwargs):
    deleting_whole_entry = isinstance(origin, Entry) or getattr(origin, "model", None) is Entry
    if not deleting_whole_entry:
        DeletedUpdate.record(instance)


@receiver(post_delete, sender=Photo, dispatch_uid="delete_photo_files")
def delete_photo_files(sender, instance, origin=None, **kwargs):
    """Remove a deleted photo's files (once no other photo shares them) and its update's HTML for it."""

    # After commit: a rolled-back deletion must still find its files.
    transaction.on_commit(lambda: Photo.delete_files_if_unused(instance.digest, instance.variants))
    deleting_photos_only = isinstance(origin, Photo) or getattr(origin, "model", None) is Photo
    update = LiveUpdate.objects.filter(pk=instance.update_id).first() if deleting_photos_only else None
    if update is not None:
        update.save()
