"""Render every stored intro and update again under the current policy (blog/rendering.py).

Issue 8 changed the policy: raw HTML in markdown is now escaped and shown as
typed, where before the sanitizer deleted it with the author's words. Stored
HTML is only rendered on save, so rows saved before keep the old output until
this migration renders them again.

Historical models have no custom save(), and importing today's models here
would break once they gain fields this migration does not know, so the
change counter is moved the way Entry.objects.bump_version() moves it: one
new version per entry whose updates changed, given to each changed update,
so open pages receive the corrected text on their next poll. An intro is not
part of the feed and needs no version: readers see it on their next load.
Copy this migration when the policy changes again.
"""

from django.db import migrations, transaction
from django.db.models import F

from blog.rendering import render_markdown


def rerender(apps, schema_editor):
    Entry = apps.get_model("blog", "Entry")
    LiveUpdate = apps.get_model("blog", "LiveUpdate")
    for entry_id in list(Entry.objects.values_list("pk", flat=True)):
        with transaction.atomic():
            # Lock the entry first, as LiveUpdate.save() does, so an author's edit
            # made while this runs is neither lost nor rendered from stale text.
            entry = Entry.objects.select_for_update().only("pk", "body", "body_html").get(pk=entry_id)
            body_html = render_markdown(entry.body)
            if body_html != entry.body_html:
                Entry.objects.filter(pk=entry.pk).update(body_html=body_html)
            changed = {}
            for update in LiveUpdate.objects.filter(entry_id=entry.pk).only("pk", "content", "content_html"):
                content_html = render_markdown(update.content)
                if content_html != update.content_html:
                    changed[update.pk] = content_html
            if not changed:
                continue
            Entry.objects.filter(pk=entry.pk).update(version=F("version") + 1)
            version = Entry.objects.filter(pk=entry.pk).values_list("version", flat=True).get()
            for update_id, content_html in changed.items():
                LiveUpdate.objects.filter(pk=update_id).update(content_html=content_html, version=version)


class Migration(migrations.Migration):
    # One transaction per entry, not one for the whole table.
    atomic = False

    dependencies = [
        ("blog", "0002_time_zone_choices_drop_modified"),
    ]

    operations = [
        # Backwards leaves the HTML as it is: it is valid under either policy.
        migrations.RunPython(rerender, migrations.RunPython.noop),
    ]
