"""Entry.update_count: how many updates an entry has, kept with every change (issue 11)."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count(apps, schema_editor):
    Entry = apps.get_model("blog", "Entry")
    LiveUpdate = apps.get_model("blog", "LiveUpdate")
    rows = LiveUpdate.objects.filter(entry=OuterRef("pk")).order_by().values("entry")
    counted = rows.annotate(total=Count("*")).values("total")
    Entry.objects.update(update_count=Coalesce(Subquery(counted), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0010_entry_changed"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="update_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count, migrations.RunPython.noop),
    ]
