"""Create an entry with N made-up updates for `make bench` (`python -m bench`), once.

The bench runs with production settings on a throwaway database, so unlike
`demo` this command does not insist on DEBUG: it only ever adds to the entry
whose slug it is given, and a second run with the same arguments adds nothing.
"""

import io
import random
from datetime import timedelta

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from blog import photos
from blog.models import Entry, LiveUpdate, Photo
from blog.rendering import render_markdown, render_photos

DISTRICTS = ["Northfield", "Riverside", "Old Town", "Harbour", "Hillcrest", "Eastgate", "Millbrook"]
CANDIDATES = ["Adams", "Okafor", "Lindqvist", "Moreau", "Tanaka"]
OPENERS = [
    "Turnout in {district} is running at {percent}%, up on last time.",
    "Counting has started in {district}. Ballot boxes arrived at {hour}:{minute:02d}.",
    "{candidate}'s campaign team has just walked into the count centre, smiling.",
    "A recount has been requested in {district}; we expect it to take about an hour.",
    "Quiet moment here. Volunteers are stacking ballot papers into bundles of fifty.",
    "The returning officer says {district} should declare within {minutes} minutes.",
]
DETAILS = [
    "That is the highest figure we have seen tonight.",
    "Both campaigns say they are *cautiously optimistic*.",
    "Our reporter at the count says the mood is tense.",
    "Postal votes are being verified separately.",
    "The result will decide whether the council changes hands.",
]


def update_markdown(chance, number, photos=False):
    """Return one update's markdown: mostly a line or two, sometimes a list, quote, link or image.

    With ``photos``, no image linked from elsewhere: the caller attaches uploaded photos instead.
    """
    values = {
        "district": chance.choice(DISTRICTS),
        "candidate": chance.choice(CANDIDATES),
        "percent": chance.randint(38, 79),
        "hour": chance.randint(20, 23),
        "minute": chance.randint(0, 59),
        "minutes": chance.choice([10, 15, 20, 30, 45]),
    }
    text = chance.choice(OPENERS).format(**values)
    roll = chance.random()
    if roll < 0.25:
        text += " " + chance.choice(DETAILS)
    elif roll < 0.40:
        votes = sorted((chance.randint(800, 9000) for _ in range(3)), reverse=True)
        names = chance.sample(CANDIDATES, 3)
        rows = [f"- **{name}**: {count:,} votes" for name, count in zip(names, votes, strict=True)]
        text = f"**Result, {values['district']}:**\n\n" + "\n".join(rows)
    elif roll < 0.52:
        text += f'\n\n> "We ran the campaign we wanted to run," says {values["candidate"]}.'
    elif roll < 0.62:
        text += f" Full figures on [the council's results page](https://example.com/results/{number})."
    elif roll < 0.68 and not photos:
        text += f"\n\n![The count in {values['district']}](https://example.com/photos/{number}.jpg)"
    elif roll < 0.72:
        text = f"## Summary at {values['hour']}:{values['minute']:02d}\n\n{text} {chance.choice(DETAILS)}"
    return text


# With --photos, every this many updates has an uploaded photo.
PHOTO_EVERY = 4


def count_photo():
    """Return a stored 1600x1200 photo of a count (a gradient with shapes), whose files every copy shares."""
    image = Image.new("RGB", (1600, 1200))
    draw = ImageDraw.Draw(image)
    for row in range(0, 1200, 8):
        draw.rectangle((0, row, 1600, row + 8), fill=(40 + row // 10, 60 + row // 20, 120))
    for left in range(100, 1500, 280):
        draw.ellipse((left, 500, left + 200, 900), fill=(230, 200, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    photo = Photo(alt="Counting staff at long tables under bright lights, stacking ballot papers.")
    photo.use(photos.process(File(buffer, name="count.jpg")))
    return photo


class Command(BaseCommand):
    help = "Create an entry with N made-up updates for `make bench` (a second run adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The entry's slug, e.g. bench-200.")
        parser.add_argument("--updates", type=int, default=200, help="How many updates it should have.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the same content each run).")
        parser.add_argument(
            "--photos",
            action="store_true",
            help=f"Attach an uploaded photo to every {PHOTO_EVERY}th update, and link no image from "
            "elsewhere (example.com fails offline: `make audit` counts a failed load as a console error).",
        )

    def handle(self, slug, updates, seed, photos, **options):
        if updates < 0:
            raise CommandError("--updates must be zero or more.")
        with transaction.atomic():
            start = timezone.now() - timedelta(seconds=30 * updates)
            entry, _ = Entry.objects.get_or_create(
                slug=slug,
                defaults={
                    "title": f"Election night ({updates} updates)",
                    "body": "Results from every district as they are declared. *Keep this page open.*",
                    "created": start - timedelta(minutes=5),
                },
            )
            existing = entry.updates.count()
            chance = random.Random(seed)
            version = entry.version
            new, new_photos = [], {}
            stored = count_photo() if photos else None
            for number in range(updates):
                # Drawn for every number, so each run makes the same text.
                content = update_markdown(chance, number, photos)
                photo = None
                if photos and number % PHOTO_EVERY == 0:
                    photo = Photo(
                        alt=stored.alt,
                        digest=stored.digest,
                        width=stored.width,
                        height=stored.height,
                        variants=stored.variants,
                    )
                if number >= existing:
                    # What LiveUpdate.save() stores, without its queries per update:
                    # 50,000 saves one by one take longer than the bench allows.
                    version += 1
                    new.append(
                        LiveUpdate(
                            entry=entry,
                            content=content,
                            content_html=render_markdown(content, heading="h3")
                            + render_photos([photo] if photo else []),
                            created=start + timedelta(seconds=30 * number),
                            version=version,
                        )
                    )
                    if photo:
                        new_photos[len(new) - 1] = photo
            LiveUpdate.objects.bulk_create(new, batch_size=1000)
            for index, photo in new_photos.items():
                photo.update = new[index]  # its id, set by bulk_create on SQLite and PostgreSQL
            Photo.objects.bulk_create(new_photos.values(), batch_size=1000)
            Entry.objects.filter(pk=entry.pk).update(version=version)
            Entry.objects.filter(pk=entry.pk).recount()
        added = max(updates - existing, 0)
        self.stdout.write(f"{entry.get_absolute_url()}: {existing + added} updates ({added} added)")
