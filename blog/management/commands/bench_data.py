"""Create an entry with N made-up updates for `make bench` (`python -m bench`), once.

The bench runs with production settings on a throwaway database, so unlike
`demo` this command does not insist on DEBUG: it only ever adds to the entry
whose slug it is given, and a second run with the same arguments adds nothing.
"""

import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from blog.models import Entry, LiveUpdate
from blog.rendering import render_markdown

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


def update_markdown(chance, number):
    """Return one update's markdown: mostly a line or two, sometimes a list, quote, link or image."""
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
    elif roll < 0.68:
        text += f"\n\n![The count in {values['district']}](https://example.com/photos/{number}.jpg)"
    elif roll < 0.72:
        text = f"## Summary at {values['hour']}:{values['minute']:02d}\n\n{text} {chance.choice(DETAILS)}"
    return text


class Command(BaseCommand):
    help = "Create an entry with N made-up updates for `make bench` (a second run adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The entry's slug, e.g. bench-200.")
        parser.add_argument("--updates", type=int, default=200, help="How many updates it should have.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (the same content each run).")

    def handle(self, slug, updates, seed, **options):
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
            new = []
            for number in range(updates):
                content = update_markdown(chance, number)  # drawn for every number: same text each run
                if number >= existing:
                    # What LiveUpdate.save() stores, without its queries per update:
                    # 50,000 saves one by one take longer than the bench allows.
                    version += 1
                    new.append(
                        LiveUpdate(
                            entry=entry,
                            content=content,
                            content_html=render_markdown(content, heading="h3"),
                            created=start + timedelta(seconds=30 * number),
                            version=version,
                        )
                    )
            LiveUpdate.objects.bulk_create(new, batch_size=1000)
            Entry.objects.filter(pk=entry.pk).update(version=version)
        added = max(updates - existing, 0)
        self.stdout.write(f"{entry.get_absolute_url()}: {existing + added} updates ({added} added)")
