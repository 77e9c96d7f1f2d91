"""Render every update again: a heading in its text now sits one level under the update.

Before issue 10 an author's "# Heading" became an <h2>, level with the page's
own sections; now it is an <h3>, or an <h4> under the update's headline
(blog/rendering.py), so the page's outline never skips a level. As in 0003,
each entry whose updates changed takes one new change number, given to each
changed update, so open pages receive the new HTML on their next poll.
"""

from django.db import migrations, transaction
from django.db.models import F

from blog.rendering import render_markdown, render_photos


def rerender_updates(apps, schema_editor):
    """Render every update again with its headings one level under the update (see 0003 for the method)."""
    Entry = apps.get_model("blog", "Entry")
    LiveUpdate = apps.get_model("blog", "LiveUpdate")
    for entry_id in list(Entry.objects.values_list("pk", flat=True)):
        with transaction.atomic():
            # Lock the entry first, as LiveUpdate.save() does (see 0003).
            Entry.objects.select_for_update().only("pk").get(pk=entry_id)
            changed = {}
            updates = LiveUpdate.objects.filter(entry_id=entry_id).prefetch_related("photos")
            for update in updates.only("pk", "content", "content_html", "headline"):
                heading = "h4" if update.headline else "h3"
                html = render_markdown(update.content, heading=heading) + render_photos(update.photos.all())
                if html != update.content_html:
                    changed[update.pk] = html
            if not changed:
                continue
            Entry.objects.filter(pk=entry_id).update(version=F("version") + 1)
            version = Entry.objects.filter(pk=entry_id).values_list("version", flat=True).get()
            for update_id, html in changed.items():
                LiveUpdate.objects.filter(pk=update_id).update(content_html=html, version=version)


class Migration(migrations.Migration):
    # One transaction per entry, not one for the whole table.
    atomic = False

    dependencies = [
        ("blog", "0005_newsroom"),
    ]

    operations = [
        # Backwards leaves the HTML as it is: it is valid under either policy.
        migrations.RunPython(rerender_updates, migrations.RunPython.noop),
    ]
