import datetime as dt
import io
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from blog import photos
from blog.models import Entry, LiveUpdate, Photo

DEMO_SLUG = "demo-keynote"
ELECTION_SLUG = "demo-election-night"
DEMO_USERNAME = "admin"
DEMO_PASSWORD = "liveblog"
# Two reporters, so the demo shows bylines. They log in with the demo password
# and see the admin as an author who is not a superuser does.
DEMO_AUTHORS = {
    "maya": ("Maya", "Okafor"),
    "tom": ("Tom", "Lindqvist"),
}
# The models an author works with in the admin.
AUTHOR_MODELS = ("entry", "liveupdate", "photo")

# The pinned summary as posted before the keynote, then as its author keeps it up
# to date: long enough by then that the page collapses it behind "Show more".
SUMMARY_FIRST = """\
The keynote starts in a few minutes. We expect a new release, and perhaps its \
price. This summary will say what we know as the morning goes on."""
SUMMARY_LATEST = """\
**The new release ships today**, with an offline mode: updates typed without a \
network wait in a queue on the device and leave by themselves when it returns.

- Offline mode survived a live demo with the network cable pulled out on stage.
- Under the hood it is plain HTTP: the app polls a URL every few seconds, no \
websockets, so it works behind any proxy or CDN.
- Pricing: free for individuals; teams pay per seat, billed monthly.
- Questions from the floor: an API is coming, with no date yet; nothing on the \
Android app.

We keep this summary up to date while the keynote goes on. Every update is \
below, newest first; the key events at the top of the page jump straight to \
the big announcements."""

# The keynote as it was posted: minutes before now, who posted it, and the update's fields.
KEYNOTE = [
    (56, "maya", {"content": "Doors are open and the hall is filling up fast. We're in row three."}),
    (48, "tom", {"content": "The lights go down. **Here we go.**"}),
    (
        40,
        "maya",
        {
            "headline": "The new release ships today",
            "key_event": True,
            "content": "First announcement: the new release ships *today*, with offline mode.\n\n"
            "> We built this for people on bad conference Wi-Fi.",
        },
    ),
    (
        32,
        "tom",
        {
            "headline": "Offline mode survives a pulled cable",
            "key_event": True,
            "content": "Live demo of offline mode: the presenter pulls the network cable. It keeps working.",
        },
    ),
    # Real keynotes talk about code: angle brackets in prose must reach readers as typed.
    (
        24,
        "maya",
        {
            "headline": "No websockets",
            "content": "Under the hood, they say: no websockets, just fetch() calls polling an endpoint and "
            "updating a <div> using innerHTML. Press <Enter> to send, `<b>` for bold.",
        },
    ),
    (
        8,
        "tom",
        {"content": "Q&A now. Questions so far:\n\n- Is there an API?\n- When does the Android app ship?"},
    ),
]
PRICING_FIRST = (
    "Pricing: free for individuals, per-seat for teams, billed yearly. Details on "
    "[the pricing page](https://example.com/pricing)."
)
PRICING_CORRECTED = PRICING_FIRST.replace("yearly", "monthly")
PRICING_CORRECTION = "Correction: team seats are billed monthly, not yearly as this update first said."

# An ended entry that spans two days in its zone, so its page shows a date divider
# before each day's first update: minutes after polls close at 20:00, who, and what.
ELECTION_NIGHT = dt.date(2026, 11, 3)
ELECTION_ZONE = "America/New_York"
ELECTION = [
    (
        0,
        "tom",
        {
            "headline": "Polls close",
            "key_event": True,
            "content": "Polls have closed across Riverton. Counting starts now at City Hall.",
        },
    ),
    (35, "maya", {"content": "Turnout looks high: the clerk's office says 61% of voters cast a ballot."}),
    (
        95,
        "tom",
        {
            "headline": "First results",
            "content": "With 20% of precincts reporting:\n\n- Ana Ruiz: 52%\n- Paul Becker: 48%",
        },
    ),
    (170, "maya", {"content": "The Becker campaign is waiting for the postal votes from the north side."}),
    (
        235,
        "tom",
        {
            "headline": "Too close to call at midnight",
            "content": "With 78% reporting, 412 votes separate the two candidates.",
        },
    ),
    (
        330,
        "maya",
        {
            "headline": "Ruiz wins",
            "key_event": True,
            "content": "With every precinct reporting, Ana Ruiz is Riverton's next mayor: 51.4% to 48.6%. "
            "Paul Becker has called her to concede.",
        },
    ),
    (350, "tom", {"content": "That's it from City Hall tonight. Thanks for following along."}),
]
ELECTION_ENDED_AFTER = timedelta(minutes=360)  # 02:00 the next morning


class Command(BaseCommand):
    help = "Create the demo entries, their authors and a local admin account (local development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo sets a well-known admin password: run it with DEBUG on only.")
        with transaction.atomic():
            self.ensure_admin()
            authors = self.ensure_authors()
            created = self.create_keynote(authors)
            self.create_election_night(authors)
        entry_url = f"http://127.0.0.1:8000/entries/{DEMO_SLUG}/"
        self.stdout.write(
            ("Created" if created else "Kept") + f" the demo entry: {entry_url}\n"
            "Admin: http://127.0.0.1:8000/admin/\n"
            f"  username: {DEMO_USERNAME}\n"
            f"  password: {DEMO_PASSWORD}\n"
            f"Authors (not superusers), same password: {', '.join(DEMO_AUTHORS)}"
        )

    def create_keynote(self, authors):
        if Entry.objects.filter(slug=DEMO_SLUG).exists():
            return False
        now = timezone.now()
        entry = Entry.objects.create(
            title="Demo: the product launch keynote",
            slug=DEMO_SLUG,
            body="We're covering the keynote live. Keep this page open: updates appear on their own.",
            created=now - timedelta(hours=1),
            time_zone="America/Los_Angeles",
            show_bylines=True,
        )
        summary = post(
            entry,
            now - timedelta(minutes=58),
            authors["maya"],
            content=SUMMARY_FIRST,
            headline="What we know so far",
            pinned=True,
        )
        for minutes_ago, author, fields in KEYNOTE:
            post(entry, now - timedelta(minutes=minutes_ago), authors[author], **fields)
        self.add_slide_photo(entry, now - timedelta(minutes=36), authors["tom"])
        pricing = post(
            entry,
            now - timedelta(minutes=16),
            authors["tom"],
            content=PRICING_FIRST,
            headline="Free for individuals, per seat for teams",
            key_event=True,
        )
        edit(pricing, now - timedelta(minutes=12), content=PRICING_CORRECTED, correction=PRICING_CORRECTION)
        edit(summary, now - timedelta(minutes=4), content=SUMMARY_LATEST)
        return True

    def create_election_night(self, authors):
        if Entry.objects.filter(slug=ELECTION_SLUG).exists():
            return
        zone = zoneinfo.ZoneInfo(ELECTION_ZONE)
        polls_close = dt.datetime.combine(ELECTION_NIGHT, dt.time(20), tzinfo=zone)
        entry = Entry.objects.create(
            title="Demo: election night in Riverton",
            slug=ELECTION_SLUG,
            body="Results of the mayoral race as they came in, from City Hall. Times are Eastern.",
            created=polls_close - timedelta(minutes=30),
            time_zone=ELECTION_ZONE,
            show_bylines=True,
            # Read after the fact, the night makes most sense in the order it happened.
            order=Entry.Order.OLDEST,
        )
        for minutes, author, fields in ELECTION:
            post(entry, polls_close + timedelta(minutes=minutes), authors[author], **fields)
        entry.end_coverage()
        # end_coverage() records the moment it is called; this one ended that night.
        Entry.objects.filter(pk=entry.pk).update(ended=polls_close + ELECTION_ENDED_AFTER)

    def add_slide_photo(self, entry, created, author):
        """An update with a photo of a slide, drawn here: the demo downloads nothing."""
        slide = Image.new("RGB", (1600, 900), (11, 92, 173))
        draw = ImageDraw.Draw(slide)
        draw.rectangle((80, 80, 1520, 820), outline=(255, 255, 255), width=6)
        font = ImageFont.load_default(size=72)
        draw.text((140, 200), "Offline first", fill=(255, 255, 255), font=font)
        draw.text((140, 380), "Your updates wait in a queue", fill=(255, 244, 194), font=font)
        draw.text((140, 520), "and leave when the network returns.", fill=(255, 244, 194), font=font)
        image = io.BytesIO()
        slide.save(image, "PNG")
        update = LiveUpdate.objects.create(
            entry=entry, created=created, author=author, content="The slide of the morning:"
        )
        photo = Photo(
            update=update,
            alt="A blue slide titled 'Offline first'. Below the title: 'Your updates wait in a queue and "
            "leave when the network returns.'",
            caption="Offline mode, as the keynote put it.",
            credit="Liveblog demo",
        )
        photo.use(photos.process(File(image, name="slide.png")))
        photo.save()
        update.save()  # its HTML now shows the photo
        posted_at(update, created)

    def ensure_admin(self):
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()

    def ensure_authors(self):
        """Return the demo's reporters by username: staff with the blog's permissions, not superusers."""
        permissions = Permission.objects.filter(
            content_type__app_label="blog", content_type__model__in=AUTHOR_MODELS
        )
        authors = {}
        for username, (first_name, last_name) in DEMO_AUTHORS.items():
            user, _ = get_user_model().objects.get_or_create(username=username)
            user.first_name, user.last_name = first_name, last_name
            user.is_staff = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.user_permissions.add(*permissions)
            authors[username] = user
        return authors


def post(entry, at, author, **fields):
    """Post an update as if it had been typed at ``at``."""
    update = LiveUpdate.objects.create(entry=entry, created=at, author=author, **fields)
    posted_at(update, at)
    return update


def posted_at(update, at):
    """Record that ``update`` was first saved at ``at``: a later edit() is then past the grace.

    Whatever was saved until now (a photo attached) was part of posting it, not an edit.
    """
    LiveUpdate.objects.filter(pk=update.pk).update(posted=at, edited=None)
    update.posted, update.edited = at, None


def edit(update, at, **changes):
    """Edit an update as its author did at ``at``: readers see "Updated" with that time."""
    for name, value in changes.items():
        setattr(update, name, value)
    update.save()  # a real edit, past the grace: save() records it in `edited`
    # save() records the moment it runs; this edit happened earlier in the story.
    LiveUpdate.objects.filter(pk=update.pk).update(edited=at)
    update.edited = at
