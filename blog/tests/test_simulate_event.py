import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from blog.models import DeletedUpdate
from blog.tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


def make_user(username, **fields):
    return get_user_model().objects.create(username=username, **fields)


def test_simulation_posts_edits_and_deletes_updates(settings, capsys):
    settings.DEBUG = True
    entry = make_entry(slug="keynote")
    call_command("simulate_event", "keynote", every=0, changes=60, seed=1)
    output = capsys.readouterr().out
    assert entry.updates.exists()
    assert "posted update" in output
    assert "edited update" in output
    assert "deleted update" in output
    assert DeletedUpdate.objects.filter(entry=entry).exists()


def test_simulation_gives_some_updates_headlines_and_marks_some_as_key_events(settings, capsys):
    settings.DEBUG = True
    entry = make_entry(slug="keynote")
    call_command("simulate_event", "keynote", every=0, changes=60, seed=1)
    assert entry.updates.exclude(headline="").exists()
    assert entry.updates.filter(headline="").exists()
    assert entry.updates.filter(key_event=True).exists()
    assert not entry.updates.filter(key_event=True, headline="").exists()
    assert entry.updates.filter(key_event=False).exclude(headline="").exists()
    assert "posted key event" in capsys.readouterr().out


def test_simulated_edits_add_a_correction_note(settings):
    settings.DEBUG = True
    entry = make_entry(slug="keynote")
    call_command("simulate_event", "keynote", every=0, changes=60, seed=1)
    assert entry.updates.exclude(correction="").exists()


def test_simulation_posts_as_the_entrys_authors(settings):
    settings.DEBUG = True
    entry = make_entry(slug="keynote")
    reporters = [make_user("maya", is_staff=True), make_user("tom", is_staff=True)]
    make_user("editor", is_staff=True)
    for reporter in reporters:
        make_update(entry, author=reporter)
    call_command("simulate_event", "keynote", every=0, changes=30, seed=1)
    authors = {update.author for update in entry.updates.all()}
    assert authors == set(reporters)


def test_simulation_of_an_entry_nobody_posted_to_posts_as_staff(settings):
    settings.DEBUG = True
    entry = make_entry(slug="keynote")
    staff = make_user("maya", is_staff=True)
    make_user("reader")
    call_command("simulate_event", "keynote", every=0, changes=10, seed=1)
    assert {update.author for update in entry.updates.all()} == {staff}


def test_simulation_without_staff_posts_without_an_author(settings):
    settings.DEBUG = True
    entry = make_entry(slug="keynote")
    call_command("simulate_event", "keynote", every=0, changes=10, seed=1)
    assert entry.updates.exists()
    assert not entry.updates.filter(author__isnull=False).exists()


def test_simulation_of_an_unknown_entry_is_a_clear_error(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="No entry with slug 'nope'"):
        call_command("simulate_event", "nope", changes=1)


def test_simulation_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    make_entry(slug="keynote")
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("simulate_event", "keynote", changes=1)
