import random
import time
from itertools import count

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from blog.models import Entry, LiveUpdate

# (headline, text): about half the updates have a headline, as in a newsroom's live blog.
LINES = [
    ("", "The speaker is back on stage."),
    ("A new version next week", "**Announcement:** a new version ships next week."),
    ("", "Big applause for the live demo."),
    ("", "A question from the audience about pricing; no answer yet."),
    ("Three times faster", "Slide: *three times faster* than last year."),
    ("Quote of the day", "Quote of the day:\n\n> Ship small things, often."),
    ("", "Short break. Back in five minutes."),
    ("The roadmap", "Now showing the roadmap:\n\n- offline mode\n- better search\n- an API"),
]
# The share of updates with a headline that are marked as key events.
KEY_EVENT_CHANCE = 0.3


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
        authors = self.authors_of(entry)
        self.stdout.write(f"Changing {entry.get_absolute_url()} every {every:g}s. Ctrl-C stops.")
        try:
            for number in count(1):
                self.stdout.write(self.change(entry, chance, number, authors))
                if changes is not None and number >= changes:
                    break
                time.sleep(every)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def authors_of(self, entry):
        """Who posts: the entry's authors so far, else every staff account; none when there is neither."""
        users = get_user_model().objects.order_by("pk")
        return list(users.filter(live_updates__entry=entry).distinct()) or list(
            users.filter(is_staff=True, is_active=True)
        )

    def change(self, entry, chance, number, authors):
        """Make one change: mostly a new update, sometimes an edit or a deletion."""
        recent = list(entry.updates.order_by("-created", "-id")[:5])
        roll = chance.random()
        if recent and roll < 0.15:
            update = chance.choice(recent)
            # A note readers see: an edit this soon after posting is a silent typo fix.
            update.correction = f"Correction: change #{number} fixed a detail in this update."
            update.save()
            return f"edited update {update.pk}"
        if len(recent) > 3 and roll < 0.25:
            update = chance.choice(recent)
            update_id = update.pk
            update.delete()
            return f"deleted update {update_id}"
        headline, text = chance.choice(LINES)
        update = LiveUpdate.objects.create(
            entry=entry,
            headline=headline,
            content=f"{text} (#{number})",
            key_event=bool(headline) and chance.random() < KEY_EVENT_CHANCE,
            author=chance.choice(authors) if authors else None,
        )
        return f"posted {'key event' if update.key_event else 'update'} {update.pk}"
