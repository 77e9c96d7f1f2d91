"""Headlines, key events, a pinned post, bylines, corrections, an entry's order and end (issue 10).

Existing data keeps its meaning:
- an entry that was not live has ended, at its last update's time (or its
  own creation time when it has none): the best record there is;
- existing entries keep the order their pages had (oldest first); new ones
  default to newest first;
- an update was posted when it was created, and has no author, no headline;
- stored HTML is rendered again by 0006.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Max


def end_entries_that_were_not_live(apps, schema_editor):
    Entry = apps.get_model("blog", "Entry")
    for entry in Entry.objects.filter(is_live=False).annotate(last_update=Max("updates__created")):
        Entry.objects.filter(pk=entry.pk).update(ended=entry.last_update or entry.created)


def restore_is_live(apps, schema_editor):
    apps.get_model("blog", "Entry").objects.filter(ended__isnull=False).update(is_live=False)


def posted_when_created(apps, schema_editor):
    apps.get_model("blog", "LiveUpdate").objects.update(posted=F("created"))


class Migration(migrations.Migration):

    dependencies = [
        ('blog', '0004_photos'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='entry',
            name='ended',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='entry',
            name='order',
            field=models.CharField(choices=[('newest', 'Newest first'), ('oldest', 'Oldest first')], default='oldest', help_text='How the page lists updates, unless a reader picks the other order. Newest first suits readers who arrive mid-event and want the latest.', max_length=6),
        ),
        migrations.AddField(
            model_name='entry',
            name='show_bylines',
            field=models.BooleanField(default=False, help_text='Show who posted each update. Leave it off for a one-person live blog.', verbose_name='show bylines'),
        ),
        migrations.AddField(
            model_name='liveupdate',
            name='author',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='live_updates', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='liveupdate',
            name='correction',
            field=models.CharField(blank=True, help_text='Optional. Shown with the update in its own style, e.g. “Correction: 14 regions, not 12.”', max_length=280),
        ),
        migrations.AddField(
            model_name='liveupdate',
            name='edited',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='liveupdate',
            name='headline',
            field=models.CharField(blank=True, help_text='Optional. Plain text, shown above the update as its heading.', max_length=120),
        ),
        migrations.AddField(
            model_name='liveupdate',
            name='key_event',
            field=models.BooleanField(default=False, help_text='List this update under Key events at the top of the page. It needs a headline.', verbose_name='key event'),
        ),
        migrations.AddField(
            model_name='liveupdate',
            name='pinned',
            field=models.BooleanField(default=False, help_text="Show this update above all the others too (a summary, what we know so far). Pinning it unpins the entry's previously pinned update."),
        ),
        migrations.AddField(
            model_name='liveupdate',
            name='posted',
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(end_entries_that_were_not_live, restore_is_live),
        migrations.RemoveField(
            model_name='entry',
            name='is_live',
        ),
        # Entries created from now on list their newest update first.
        migrations.AlterField(
            model_name='entry',
            name='order',
            field=models.CharField(choices=[('newest', 'Newest first'), ('oldest', 'Oldest first')], default='newest', help_text='How the page lists updates, unless a reader picks the other order. Newest first suits readers who arrive mid-event and want the latest.', max_length=6),
        ),
        migrations.RunPython(posted_when_created, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='liveupdate',
            constraint=models.UniqueConstraint(condition=models.Q(('pinned', True)), fields=('entry',), name='one_pinned_update_per_entry'),
        ),
        migrations.AddConstraint(
            model_name='liveupdate',
            constraint=models.CheckConstraint(condition=models.Q(('headline', ''), ('key_event', True), _negated=True), name='key_event_has_headline', violation_error_message='A key event needs a headline: the Key events list shows it.'),
        ),
    ]
