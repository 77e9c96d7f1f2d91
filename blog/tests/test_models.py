import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from blog.models import DeletedUpdate, Entry, LiveUpdate
from blog.tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


def test_entry_created_with_title_slug_and_body_is_public_and_live(settings):
    entry = Entry.objects.create(title="Keynote", slug="keynote", body="Intro")
    assert entry.is_live
    assert entry.time_zone == settings.TIME_ZONE
    assert Entry.objects.live().get() == entry


def test_entry_time_zone_must_be_a_real_zone():
    entry = make_entry(time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError):
        entry.full_clean()


def test_entry_time_zone_choices_are_every_zone_the_system_knows():
    entry = make_entry(time_zone="America/Argentina/Buenos_Aires")
    entry.full_clean()
    assert entry._meta.get_field("time_zone").choices[0] == ("Africa/Abidjan", "Africa/Abidjan")


def test_update_time_is_shown_in_the_entrys_zone():
    entry = make_entry(time_zone="America/New_York")
    update = make_update(entry, created="2026-07-04T16:05:00+00:00")
    update.refresh_from_db()
    assert update.shown_at().clock == "12:05"


def test_every_change_to_an_entrys_updates_takes_the_next_version():
    entry = make_entry()
    first = make_update(entry)
    second = make_update(entry)
    first.content = "Edited"
    first.save()
    second.delete()
    first.refresh_from_db()
    entry.refresh_from_db()
    assert (first.version, entry.version) == (3, 4)
    assert DeletedUpdate.objects.get().version == 4


def test_saving_a_stale_entry_does_not_move_its_version_back():
    """An entry form opened before updates were posted must not rewind the counter."""
    entry = make_entry()
    stale = Entry.objects.get(pk=entry.pk)
    make_update(entry)
    stale.title = "Renamed"
    stale.save()
    assert Entry.objects.get(pk=entry.pk).version == 1


def test_queryset_delete_leaves_a_tombstone_per_update():
    entry = make_entry()
    ids = {make_update(entry).pk, make_update(entry).pk}
    LiveUpdate.objects.filter(entry=entry).delete()
    assert set(DeletedUpdate.objects.values_list("update_id", flat=True)) == ids


def test_deleting_an_entry_deletes_its_updates_without_tombstones():
    entry = make_update().entry
    entry.delete()
    assert not LiveUpdate.objects.exists()
    assert not DeletedUpdate.objects.exists()


def test_update_str_is_its_headline_when_it_has_one():
    assert str(make_update(headline="Polls close", content="In every state.")) == "Polls close"


def test_update_str_is_its_first_line():
    assert str(make_update(content="First line\n\nMore")) == "First line"


def test_migrations_describe_the_models():
    """A model change without its migration (or a field left behind) fails here, not at deploy."""
    call_command("makemigrations", "blog", "--check", "--dry-run", verbosity=0)


def test_every_change_readers_see_moves_the_entrys_last_change_and_never_back():
    """Feeds, the sitemap and search engines read Entry.changed: a quick fix and a deletion count too."""
    entry = make_entry()
    moments = [Entry.objects.get(pk=entry.pk).changed]

    def changed():
        moments.append(Entry.objects.get(pk=entry.pk).changed)
        return moments[-1] > moments[-2]

    update = make_update(entry, content="Delegates from 12 nations.")
    assert changed()
    update.content = "Delegates from 21 nations."  # within the grace: no "Updated" for readers
    update.save()
    assert changed()
    assert update.edited_at() is None and update.edited is not None
    update.delete()
    assert changed()
    entry.end_coverage()
    assert changed()
    entry.title = "The summit, day one"
    entry.save()
    assert changed()


def test_an_entry_keeps_count_of_its_updates_through_posts_moves_and_deletions():
    """Pages are numbered from the count (blog/pages.py); COUNT(*) would read every row of a long entry."""
    entry, other = make_entry(), make_entry()

    def counts():
        return [Entry.objects.get(pk=e.pk).update_count for e in (entry, other)]

    updates = [make_update(entry, content=f"Update {n}") for n in range(4)]
    assert counts() == [4, 0]
    updates[0].content = "Edited"
    updates[0].save()
    assert counts() == [4, 0]
    updates[1].entry = other  # posted to the wrong entry, moved
    updates[1].save()
    assert counts() == [3, 1]
    updates[2].delete()
    LiveUpdate.objects.filter(pk=updates[3].pk).delete()  # the admin's bulk action
    assert counts() == [1, 1]
    Entry.objects.filter(pk=entry.pk).update(update_count=99)
    Entry.objects.filter(pk=entry.pk).recount()
    assert counts() == [1, 1]
