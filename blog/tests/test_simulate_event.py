import pytest
from django.core.management import CommandError, call_command

from blog.models import DeletedUpdate
from blog.tests.factories import make_entry

pytestmark = pytest.mark.django_db


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


def test_simulation_of_an_unknown_entry_is_a_clear_error(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="No entry with slug 'nope'"):
        call_command("simulate_event", "nope", changes=1)


def test_simulation_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    make_entry(slug="keynote")
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("simulate_event", "keynote", changes=1)
