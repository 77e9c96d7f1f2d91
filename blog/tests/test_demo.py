import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils.html import strip_tags

from blog.models import LONG_PINNED_POST, Entry, LiveUpdate, Photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("demo")


def keynote():
    return Entry.objects.get(slug="demo-keynote")


def election_night():
    return Entry.objects.get(slug="demo-election-night")


def test_demo_creates_its_entries_with_updates_and_an_admin_once(settings, capsys):
    settings.DEBUG = True
    call_command("demo")
    updates = LiveUpdate.objects.count()
    call_command("demo")
    assert Entry.objects.count() == 2
    assert LiveUpdate.objects.count() == updates >= 5
    assert get_user_model().objects.count() == 3
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("liveblog")
    output = capsys.readouterr().out
    assert "http://127.0.0.1:8000/admin/" in output
    assert "password: liveblog" in output


def test_the_demo_keynote_reads_as_typed_with_angle_brackets_in_its_prose(demo, client):
    page = client.get(keynote().get_absolute_url()).content.decode()
    assert "just fetch() calls polling an endpoint and updating a &lt;div&gt; using innerHTML." in page
    assert "Press &lt;Enter&gt; to send, <code>&lt;b&gt;</code> for bold." in page


def test_the_demo_keynote_has_a_described_photo_drawn_on_the_spot(demo, client):
    page = client.get(keynote().get_absolute_url()).content.decode()
    assert '<figure class="update-photo">' in page
    assert 'alt="A blue slide titled &#x27;Offline first&#x27;.' in page
    variant = Photo.objects.get().variants[-1]["name"]
    assert client.get(f"/media/{variant}").status_code == 200


def test_the_demo_authors_are_named_staff_who_may_post_but_are_not_superusers(demo):
    authors = get_user_model().objects.exclude(username="admin")
    assert len(authors) == 2
    for author in authors:
        assert author.get_full_name()
        assert author.is_staff and not author.is_superuser
        assert author.has_perms(["blog.add_liveupdate", "blog.change_liveupdate", "blog.change_entry"])
        assert author.check_password("liveblog")


def test_the_demo_keynote_shows_bylines_of_both_authors(demo, client):
    entry = keynote()
    assert entry.show_bylines and entry.is_live
    assert {update.byline() for update in entry.updates.all()} == {"Maya Okafor", "Tom Lindqvist"}
    assert (
        '<span class="byline-name">Maya Okafor</span>'
        in client.get(entry.get_absolute_url()).content.decode()
    )


def test_the_demo_keynote_has_headlines_and_a_few_key_events(demo):
    updates = keynote().updates
    assert updates.exclude(headline="").count() > updates.filter(key_event=True).count()
    assert 2 <= updates.filter(key_event=True).count() <= 3
    assert updates.filter(headline="").exists()


def test_the_demo_keynote_pins_a_summary_long_enough_to_be_collapsed(demo, client):
    pinned = keynote().updates.get(pinned=True)
    assert pinned.headline == "What we know so far"
    assert len(strip_tags(pinned.content_html)) > LONG_PINNED_POST
    assert pinned.is_long()
    page = client.get(keynote().get_absolute_url()).content.decode()
    assert 'class="pinned is-long"' in page


def test_the_demo_keynote_has_a_correction_and_updates_shown_as_edited(demo, client, settings):
    updates = keynote().updates
    corrected = updates.exclude(correction="").get()
    assert corrected.correction.startswith("Correction:")
    shown_as_edited = {update for update in updates.all() if update.edited_at() is not None}
    assert shown_as_edited == {corrected, updates.get(pinned=True)}
    page = client.get(keynote().get_absolute_url()).content.decode()
    assert page.count('<span class="update-edited">Updated') >= 2
    assert f'<p class="update-correction">{corrected.correction}</p>' in page


def test_the_demo_election_night_has_ended_and_spans_two_days_in_its_zone(demo, client):
    entry = election_night()
    assert not entry.is_live
    assert entry.order == Entry.Order.OLDEST
    days = {update.shown_at().day for update in entry.updates.all()}
    assert days == {dt.date(2026, 11, 3), dt.date(2026, 11, 4)}
    assert entry.ended_at().label == "02:00 EST"
    page = client.get(entry.get_absolute_url()).content.decode()
    assert '<h3 class="date-divider">Tuesday 3 November 2026</h3>' in page
    assert '<h3 class="date-divider">Wednesday 4 November 2026</h3>' in page
    assert "Coverage ended at" in page


def test_the_home_page_lists_the_keynote_as_live_and_the_election_as_ended(demo, client):
    page = client.get("/").content.decode()
    live, ended = page.split('<h2 id="ended">')
    assert "Demo: the product launch keynote" in live
    assert "Demo: election night in Riverton" in ended


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo")
    assert not get_user_model().objects.exists()
