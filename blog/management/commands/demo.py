import io
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from blog import photos
from blog.models import Entry, LiveUpdate, Photo

DEMO_SLUG = "demo-keynote"
DEMO_USERNAME = "admin"
DEMO_PASSWORD = "liveblog"
DEMO_UPDATES = [
    "Doors are open and the hall is filling up fast. We're in row three.",
    "The lights go down. **Here we go.**",
    "First announcement: the new release ships *today*, with offline mode.\n\n"
    "> We built this for people on bad conference Wi-Fi.",
    "Live demo of offline mode: the presenter pulls the network cable. It keeps working.",
    # Real keynotes talk about code: angle brackets in prose must reach readers as typed.
    "Under the hood, they say: no websockets, just fetch() calls polling an endpoint and "
    "updating a <div> using innerHTML. Press <Enter> to send, `<b>` for bold.",
    "Pricing: free for individuals, per-seat for teams. Details on "
    "[the pricing page](https://example.com/pricing).",
    "Q&A now. Questions so far:\n\n- Is there an API?\n- When does the Android app ship?",
]


class Command(BaseCommand):
    help = "Create the demo entry and a local admin account (local development only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo sets a well-known admin password: run it with DEBUG on only.")
        with transaction.atomic():
            created = self.create_demo_entry()
            self.ensure_admin()
        entry_url = f"http://127.0.0.1:8000/entries/{DEMO_SLUG}/"
        self.stdout.write(
            ("Created" if created else "Kept") + f" the demo entry: {entry_url}\n"
            "Admin: http://127.0.0.1:8000/admin/\n"
            f"  username: {DEMO_USERNAME}\n"
            f"  password: {DEMO_PASSWORD}"
        )

    def create_demo_entry(self):
        if Entry.objects.filter(slug=DEMO_SLUG).exists():
            return False
        now = timezone.now()
        entry = Entry.objects.create(
            title="Demo: the product launch keynote",
            slug=DEMO_SLUG,
            body="We're covering the keynote live. Keep this page open: updates appear on their own.",
            created=now - timedelta(hours=1),
        )
        for minutes_ago, content in zip(range(56, 0, -8), DEMO_UPDATES, strict=True):
            LiveUpdate.objects.create(
                entry=entry, content=content, created=now - timedelta(minutes=minutes_ago)
            )
        self.add_slide_photo(entry, created=now - timedelta(minutes=44))
        return True

    def add_slide_photo(self, entry, created):
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
        update = LiveUpdate.objects.create(entry=entry, content="The slide of the morning:", created=created)
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

    def ensure_admin(self):
        user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = user.is_superuser = True
        user.set_password(DEMO_PASSWORD)
        user.save()
