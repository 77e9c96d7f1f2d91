"""The newsroom in the admin (issue 10): bylines, key events, the pinned post, entry times, the end."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from blog.models import KEY_EVENT_NEEDS_HEADLINE, Entry, LiveUpdate
from blog.tests.factories import NO_PHOTOS, make_entry, make_update

pytestmark = pytest.mark.django_db

ADD_UPDATE = reverse("admin:blog_liveupdate_add")
ADD_ENTRY = reverse("admin:blog_entry_add")
ENTRY_LIST = reverse("admin:blog_entry_changelist")
UPDATE_LIST = reverse("admin:blog_liveupdate_changelist")
# 22:40 PST on Tuesday 3 November 2026 in Los Angeles.
ELECTION_NIGHT_END = dt.datetime(2026, 11, 4, 6, 40, tzinfo=dt.UTC)


@pytest.fixture
def reporter(django_user_model):
    """A staff author with every blog permission, but no superuser."""
    user = django_user_model.objects.create_user("maya", password="pw-for-tests", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="blog"))
    return user


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


def update_data(entry, content="Polls close", **fields):
    """An update form's POST: checkboxes are sent only when ticked, as a browser does."""
    return {"entry": entry.pk, "content": content, "created_0": "", "created_1": "", **NO_PHOTOS, **fields}


def change_update(client, update, **fields):
    data = update_data(update.entry, content=update.content, headline=update.headline, **fields)
    return client.post(reverse("admin:blog_liveupdate_change", args=[update.pk]), data)


def entry_data(entry, **fields):
    """The entry form's POST with the entry's current values, its time in its zone."""
    created = timezone.localtime(entry.created, entry.zone)
    data = {
        "title": entry.title,
        "slug": entry.slug,
        "body": entry.body,
        "order": entry.order,
        "time_zone": entry.time_zone,
        "created_0": f"{created:%Y-%m-%d}",
        "created_1": f"{created:%H:%M:%S}",
        **fields,
    }
    if entry.show_bylines:
        data.setdefault("show_bylines", "on")
    return data


def change_entry(client, entry, **fields):
    return client.post(reverse("admin:blog_entry_change", args=[entry.pk]), entry_data(entry, **fields))


def ended_entry(**fields):
    entry = make_entry(**fields)
    Entry.objects.filter(pk=entry.pk).update(ended=ELECTION_NIGHT_END)
    entry.refresh_from_db()
    return entry


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# Bylines: who posted an update.


def test_a_new_update_records_who_posted_it(reporter_client, reporter):
    response = reporter_client.post(ADD_UPDATE, update_data(make_entry()))
    assert response.status_code == HTTPStatus.FOUND
    assert LiveUpdate.objects.get().author == reporter


def test_an_author_who_is_not_a_superuser_sees_the_author_read_only(reporter_client):
    html = reporter_client.get(ADD_UPDATE).content.decode()
    assert 'name="headline"' in html, "the form is there"
    assert 'name="author"' not in html


def test_posting_an_author_field_does_not_let_a_staff_author_post_as_someone_else(
    reporter_client, reporter, django_user_model
):
    editor = django_user_model.objects.create_user("editor")
    reporter_client.post(ADD_UPDATE, update_data(make_entry(), author=editor.pk))
    assert LiveUpdate.objects.get().author == reporter


def test_a_staff_author_editing_an_update_does_not_change_its_author(reporter_client, django_user_model):
    editor = django_user_model.objects.create_user("editor")
    update = make_update(author=editor)
    response = change_update(reporter_client, update, author="")
    assert response.status_code == HTTPStatus.FOUND
    update.refresh_from_db()
    assert update.author == editor


def test_a_superusers_add_form_starts_with_themselves_as_author(admin_client, admin_user):
    form = admin_client.get(ADD_UPDATE).context["adminform"].form
    assert form.initial["author"] == admin_user.pk


def test_a_superusers_author_choices_read_as_the_bylines_do(admin_client, reporter):
    reporter.first_name, reporter.last_name = "Maya", "Okafor"
    reporter.save()
    html = admin_client.get(ADD_UPDATE).content.decode()
    assert f'<option value="{reporter.pk}">Maya Okafor</option>' in html


def test_saving_a_form_opened_before_a_colleague_pinned_another_update_keeps_their_pin(admin_client):
    entry = make_entry()
    summary = make_update(entry, content="What we know", pinned=True)
    html = admin_client.get(reverse("admin:blog_liveupdate_change", args=[summary.pk])).content.decode()
    assert '<input type="hidden" name="initial-pinned" value="True"' in html
    newer = make_update(entry, content="What we know now", pinned=True)  # a colleague, meanwhile

    summary.content = "What we know (typo fixed)"
    response = change_update(admin_client, summary, pinned="on", **{"initial-pinned": "True"})

    assert response.status_code == HTTPStatus.FOUND
    summary.refresh_from_db()
    newer.refresh_from_db()
    assert (summary.content, summary.pinned, newer.pinned) == ("What we know (typo fixed)", False, True)


def test_pinning_an_update_again_on_purpose_takes_the_pin_back(admin_client):
    entry = make_entry()
    summary = make_update(entry, content="What we know")
    newer = make_update(entry, content="What we know now", pinned=True)
    response = change_update(admin_client, summary, pinned="on", **{"initial-pinned": "False"})
    assert response.status_code == HTTPStatus.FOUND
    summary.refresh_from_db()
    newer.refresh_from_db()
    assert (summary.pinned, newer.pinned) == (True, False)


def test_a_superuser_can_change_an_updates_author(admin_client, reporter):
    update = make_update()
    response = change_update(admin_client, update, author=reporter.pk)
    assert response.status_code == HTTPStatus.FOUND
    update.refresh_from_db()
    assert update.author == reporter


def test_an_author_value_the_database_cannot_store_opens_a_blank_add_form(admin_client):
    response = admin_client.get(f"{ADD_UPDATE}?author=%00")
    assert response.status_code == HTTPStatus.OK


# Headlines, key events and corrections.


def test_a_headline_key_event_and_correction_are_saved_from_the_form(admin_client):
    admin_client.post(
        ADD_UPDATE,
        update_data(
            make_entry(), headline="Polls close", key_event="on", correction="Correction: 14 regions, not 12."
        ),
    )
    update = LiveUpdate.objects.get()
    assert (update.headline, update.key_event) == ("Polls close", True)
    assert update.correction == "Correction: 14 regions, not 12."


def test_a_key_event_without_a_headline_is_a_form_error_on_the_headline(reporter_client):
    response = reporter_client.post(ADD_UPDATE, update_data(make_entry(), key_event="on"))
    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["headline"] == [KEY_EVENT_NEEDS_HEADLINE]
    assert not LiveUpdate.objects.exists()


# The pinned post.


def test_pinning_an_update_in_the_admin_unpins_the_entrys_other_one(reporter_client):
    entry = make_entry()
    summary = make_update(entry, pinned=True)
    newer = make_update(entry)
    response = change_update(reporter_client, newer, pinned="on")
    assert response.status_code == HTTPStatus.FOUND, "saved without a form error"
    summary.refresh_from_db()
    newer.refresh_from_db()
    assert (summary.pinned, newer.pinned) == (False, True)


def test_pinning_in_the_admin_sends_both_updates_to_readers(admin_client):
    entry = make_entry()
    summary = make_update(entry, pinned=True)
    entry.refresh_from_db()
    cursor = entry.version
    admin_client.post(ADD_UPDATE, update_data(entry, pinned="on"))
    newer = LiveUpdate.objects.exclude(pk=summary.pk).get()
    summary.refresh_from_db()
    assert summary.version > cursor and newer.version > cursor


def test_unpinning_an_update_in_the_admin(admin_client):
    update = make_update(pinned=True)
    change_update(admin_client, update)  # the box left unticked
    update.refresh_from_db()
    assert not update.pinned


# The update list.


def test_update_list_shows_headline_key_event_pinned_and_author(admin_client, django_user_model):
    author = django_user_model.objects.create_user("maya", first_name="Maya", last_name="Okafor")
    make_update(headline="Polls close", key_event=True, pinned=True, author=author)
    html = admin_client.get(UPDATE_LIST).content.decode()
    assert ">Polls close</a></th>" in html, "named by its headline"
    assert '<td class="field-key_event"><img src="/static/admin/img/icon-yes.svg" alt="True"></td>' in html
    assert '<td class="field-pinned"><img src="/static/admin/img/icon-yes.svg" alt="True"></td>' in html
    assert '<td class="field-author_name">Maya Okafor</td>' in html


@pytest.mark.parametrize("field", ["key_event", "pinned"])
def test_update_list_filters_by(admin_client, field):
    entry = make_entry()
    make_update(entry, headline="Marked", **{field: True})
    make_update(entry, headline="Plain")
    html = admin_client.get(UPDATE_LIST, {f"{field}__exact": "1"}).content.decode()
    assert ">Marked</a>" in html and ">Plain</a>" not in html


# Entry times, in the entry's zone.


@override_settings(TIME_ZONE="America/Los_Angeles")
def test_a_new_entry_starts_in_the_sites_time_zone(admin_client):
    html = admin_client.get(ADD_ENTRY).content.decode()
    assert '<option value="America/Los_Angeles" selected>' in html


def test_an_entrys_created_time_is_read_in_the_zone_chosen_in_the_same_form(admin_client):
    response = admin_client.post(
        ADD_ENTRY,
        {"title": "T", "slug": "t", "order": "newest", "time_zone": "Asia/Tokyo",
         "created_0": "2026-05-01", "created_1": "09:30:00"},
    )  # fmt: skip
    assert response.status_code == HTTPStatus.FOUND
    assert Entry.objects.get().created.isoformat() == "2026-05-01T00:30:00+00:00"


def test_a_blank_created_time_means_now(admin_client):
    before = timezone.now()
    admin_client.post(
        ADD_ENTRY,
        {"title": "T", "slug": "t", "order": "newest", "time_zone": "UTC", "created_0": "", "created_1": ""},
    )
    assert Entry.objects.get().created >= before


def test_the_entry_form_shows_its_created_time_in_the_entrys_zone(admin_client):
    entry = make_entry(time_zone="Asia/Tokyo", created=dt.datetime(2026, 5, 1, 0, 30, tzinfo=dt.UTC))
    html = admin_client.get(reverse("admin:blog_entry_change", args=[entry.pk])).content.decode()
    assert 'value="2026-05-01"' in html and 'value="09:30:00"' in html


def test_changing_an_entrys_zone_keeps_the_moment_it_was_created(admin_client):
    created = dt.datetime(2026, 5, 1, 0, 30, tzinfo=dt.UTC)
    entry = make_entry(time_zone="Asia/Tokyo", created=created)
    response = change_entry(admin_client, entry, time_zone="Europe/Paris")
    assert response.status_code == HTTPStatus.FOUND
    entry.refresh_from_db()
    assert (entry.time_zone, entry.created) == ("Europe/Paris", created)


def test_a_created_time_the_entrys_clocks_skip_is_a_form_error(admin_client):
    response = admin_client.post(
        ADD_ENTRY,
        {"title": "T", "slug": "t", "order": "newest", "time_zone": "Europe/Paris",
         "created_0": "2026-03-29", "created_1": "02:30:00"},
    )  # fmt: skip
    assert response.status_code == HTTPStatus.OK
    assert "does not exist: the clocks go forward then" in response.content.decode()


def test_the_entry_list_shows_when_it_was_created_in_the_entrys_zone(admin_client):
    make_entry(time_zone="Asia/Tokyo", created=dt.datetime(2026, 5, 1, 0, 30, tzinfo=dt.UTC))
    html = admin_client.get(ENTRY_LIST).content.decode()
    assert "01 May 2026, 09:30 JST" in html


# The end of live coverage.


def test_end_coverage_action_ends_the_selected_live_entries_and_skips_ended_ones(reporter_client):
    live = [make_entry(), make_entry()]
    ended = ended_entry()
    response = reporter_client.post(
        ENTRY_LIST,
        {"action": "end_coverage", "_selected_action": [entry.pk for entry in [*live, ended]]},
        follow=True,
    )
    assert messages_of(response) == [
        "Ended live coverage of 2 entries.",
        "Skipped 1 entry that had already ended.",
    ]
    assert not Entry.objects.live().exists()
    ended.refresh_from_db()
    assert ended.ended == ELECTION_NIGHT_END, "the first end is kept"


def test_the_entry_form_of_a_live_entry_offers_to_end_coverage(admin_client):
    entry = make_entry()
    html = admin_client.get(reverse("admin:blog_entry_change", args=[entry.pk])).content.decode()
    assert 'name="_end_coverage"' in html and 'name="_resume_coverage"' not in html
    assert html.index('name="_save"') < html.index('name="_end_coverage"'), "Enter still saves"


def test_the_entry_form_of_an_ended_entry_offers_to_resume_coverage(admin_client):
    entry = ended_entry()
    html = admin_client.get(reverse("admin:blog_entry_change", args=[entry.pk])).content.decode()
    assert 'name="_resume_coverage"' in html and 'name="_end_coverage"' not in html


def test_a_new_entry_form_offers_neither(admin_client):
    html = admin_client.get(ADD_ENTRY).content.decode()
    assert "_end_coverage" not in html and "_resume_coverage" not in html


def test_end_coverage_button_saves_the_form_then_ends_coverage(reporter_client):
    entry = make_entry(title="Election night")
    response = change_entry(reporter_client, entry, title="Election night: results", _end_coverage="1")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == reverse("admin:blog_entry_change", args=[entry.pk])
    entry.refresh_from_db()
    assert entry.title == "Election night: results"
    assert not entry.is_live


def test_end_coverage_button_says_when_it_ended(admin_client):
    entry = make_entry(time_zone="America/Los_Angeles")
    response = change_entry(admin_client, entry, _end_coverage="1")
    ended = Entry.objects.get().ended_at()
    [message] = messages_of(response)
    assert f"ended at {ended.label} on {ended.day_label}" in message


def test_resume_coverage_button_makes_an_ended_entry_live_again(reporter_client):
    entry = ended_entry()
    response = change_entry(reporter_client, entry, _resume_coverage="1")
    assert response.status_code == HTTPStatus.FOUND
    entry.refresh_from_db()
    assert entry.is_live


def test_an_ended_entry_is_still_editable_and_stays_ended(admin_client):
    entry = ended_entry()
    response = change_entry(admin_client, entry, body="Corrected after the event.")
    assert response.status_code == HTTPStatus.FOUND
    entry.refresh_from_db()
    assert (entry.body, entry.ended) == ("Corrected after the event.", ELECTION_NIGHT_END)


def test_an_ended_entrys_updates_can_still_be_corrected(admin_client):
    update = make_update(ended_entry())
    response = change_update(admin_client, update, correction="Correction: 14 regions, not 12.")
    assert response.status_code == HTTPStatus.FOUND
    update.refresh_from_db()
    assert update.correction == "Correction: 14 regions, not 12."


def test_the_entry_form_says_when_coverage_ended_in_the_entrys_zone(admin_client):
    entry = ended_entry(time_zone="America/Los_Angeles")
    html = admin_client.get(reverse("admin:blog_entry_change", args=[entry.pk])).content.decode()
    assert "Ended at 22:40 PST on Tuesday 3 November 2026" in html


def test_the_entry_form_says_when_coverage_is_live(admin_client):
    entry = make_entry()
    html = admin_client.get(reverse("admin:blog_entry_change", args=[entry.pk])).content.decode()
    assert re.search(r'<label>Coverage:</label>\s*<div class="readonly">Live</div>', html)


def test_the_entry_list_shows_live_and_ended_entries(admin_client):
    make_entry(title="Keynote")
    ended_entry(title="Election night", time_zone="America/Los_Angeles")
    html = admin_client.get(ENTRY_LIST).content.decode()
    assert '<td class="field-coverage_status">Live</td>' in html
    assert ">Ended 03 Nov 2026, 22:40 PST</span>" in html


@pytest.mark.parametrize(
    ("coverage", "shown", "hidden"), [("live", "Keynote", "Election"), ("ended", "Election", "Keynote")]
)
def test_the_entry_list_filters_by_coverage(admin_client, coverage, shown, hidden):
    make_entry(title="Keynote")
    ended_entry(title="Election night")
    html = admin_client.get(ENTRY_LIST, {"coverage": coverage}).content.decode()
    assert shown in html and hidden not in html
