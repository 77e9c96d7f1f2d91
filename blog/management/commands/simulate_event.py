import random
import time
from itertools import count

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from blog.models import Entry, LiveUpdate

LINES = [
    "The speaker is back on stage.",
    "**Announcement:** a new version ships next week.",
    "Big applause for the live demo.",
    "A question from the audience about pricing; no answer yet.",
    "Slide: *three times faster* than last year.",
    "Quote of the day:\n\n> Ship small things, often.",
    "Short break. Back in five minutes.",
    "Now showing the roadmap:\n\n- offline mode\n- better search\n- an API",
]


class Command(BaseCommand):
    help = "Post, edit and delete demo updates on an entry every few seconds, until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The entry to post to, e.g. demo-keynote.")
        parser.add_argument("--every", type=float, default=5.0, help="Seconds between changes (default 5).")
        parser.add_argument("--changes", type=int, default=None, help="Stop after this many changes.")
        parser.add_argument("--seed", type=int, default=None, help="Random seed, for repeatable runs.")

    def handle(self, slug, every, changes, seed, **options):
        if not settings.DEBUG:
            raise CommandError("simulate_event posts made-up updates: run it with DEBUG on only.")
        try:
            entry = Entry.objects.get(slug=slug)
        except Entry.DoesNotExist:
            raise CommandError(
                f"No entry with slug {slug!r}. Try `make run` first for demo-keynote."
            ) from None
        chance = random.Random(seed)
        self.stdout.write(f"Changing {entry.get_absolute_url()} every {every:g}s. Ctrl-C stops.")
        try:
            for number in count(1):
                self.stdout.write(self.change(entry, chance, number))
                if changes is not None and number >= changes:
                    break
                time.sleep(every)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def change(self, entry, chance, number):
        """Make one change: mostly a new update, sometimes an edit or a deletion."""
        recent = list(entry.updates.order_by("-created", "-id")[:5])
        roll = chance.random()
        if recent and roll < 0.15:
            update = chance.choice(recent)
            update.content += "\n\n*Edited: corrected a detail.*"
            update.save()
            return f"edited update {update.pk}"
        if len(recent) > 3 and roll < 0.25:
            update = chance.choice(recent)
            update_id = update.pk
            update.delete()
            return f"deleted update {update_id}"
        update = LiveUpdate.objects.create(entry=entry, content=f"{chance.choice(LINES)} (#{number})")
        return f"posted update {update.pk}"
