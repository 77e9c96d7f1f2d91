"""Entry.changed: when readers' view of an entry last changed (issue 13).

Existing entries start from what their rows tell: their start, their end, and
their updates' posting and last edit times. (A deletion left no time behind.)
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Max


def from_history(apps, schema_editor):
    Entry = apps.get_model("blog", "Entry")
    entries = Entry.objects.annotate(last_posted=Max("updates__posted"), last_edited=Max("updates__edited"))
    for entry in entries:
        moments = [entry.created, entry.ended, entry.last_posted, entry.last_edited]
        Entry.objects.filter(pk=entry.pk).update(changed=max(moment for moment in moments if moment))


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0009_desk_drafts"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="changed",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(from_history, migrations.RunPython.noop),
    ]
