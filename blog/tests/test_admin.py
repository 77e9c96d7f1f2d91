"""The author's quick loop in the admin."""

import re
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import LiveUpdate, time_zone_choices
from blog.tests.factories import NO_PHOTOS, make_entry, make_update

pytestmark = pytest.mark.django_db

ADD_UPDATE = reverse("admin:blog_liveupdate_add")


def post_update(client, entry, content, button="_save", **extra):
    data = {"entry": entry.pk, "content": content, "created_0": "", "created_1": "", button: "1", **NO_PHOTOS,
            **extra}  # fmt: skip
    return client.post(ADD_UPDATE, data)


def test_author_logs_in_and_posts_an_update(client, django_user_model):
    django_user_model.objects.create_superuser("author", "a@example.com", "pw-for-tests")
    entry = make_entry()
    login = client.post(
        reverse("admin:login"), {"username": "author", "password": "pw-for-tests", "next": ADD_UPDATE}
    )
    assert login.status_code == HTTPStatus.FOUND
    before = timezone.now()
    response = post_update(client, entry, "Doors open")
    assert response.status_code == HTTPStatus.FOUND
    update = LiveUpdate.objects.get()
    assert (update.entry, update.content_html) == (entry, "<p>Doors open</p>")
    assert update.created >= before, "a blank time means the moment of posting"
    assert "Doors open" in client.get(entry.get_absolute_url()).content.decode()


def test_save_and_add_another_keeps_the_entry_selected(admin_client):
    entry = make_entry(title="Election night")
    response = post_update(admin_client, entry, "First", button="_addanother")
    assert response.status_code == HTTPStatus.FOUND
    assert response.url == f"{ADD_UPDATE}?entry={entry.pk}"
    form = admin_client.get(response.url).content.decode()
    assert f'<option value="{entry.pk}" selected>Election night</option>' in form
    assert re.search(r'<textarea name="content"[^>]*>\s*</textarea>', form), "content starts blank"


def test_save_and_add_another_from_a_form_opened_for_an_entry_names_it_once(admin_client):
    entry = make_entry()
    data = {
        "entry": entry.pk,
        "content": "Next",
        "created_0": "",
        "created_1": "",
        "_addanother": "1",
        **NO_PHOTOS,
    }
    response = admin_client.post(f"{ADD_UPDATE}?entry={entry.pk}", data)
    assert response.url == f"{ADD_UPDATE}?entry={entry.pk}"


def test_update_can_be_back_dated_in_the_entrys_time_zone(admin_client):
    entry = make_entry(time_zone="Europe/Paris")
    post_update(admin_client, entry, "Earlier", created_0="2026-05-01", created_1="09:15:00")
    update = LiveUpdate.objects.get()
    assert update.shown_at().clock == "09:15"
    assert update.created.isoformat() == "2026-05-01T07:15:00+00:00"


def test_edit_form_shows_the_time_in_the_entrys_time_zone(admin_client):
    update = make_update(make_entry(time_zone="Asia/Tokyo"), created="2026-05-01T00:30:00Z")
    form = admin_client.get(reverse("admin:blog_liveupdate_change", args=[update.pk])).content.decode()
    assert 'value="2026-05-01"' in form
    assert 'value="09:30:00"' in form


def test_update_without_content_or_photo_is_a_form_error_not_a_500(admin_client):
    response = post_update(admin_client, make_entry(), "")
    assert response.status_code == HTTPStatus.OK
    assert "Write something or add a photo" in response.content.decode()
    assert not LiveUpdate.objects.exists()


def test_update_list_is_newest_first_filterable_and_searchable(admin_client):
    entry, other = make_entry(), make_entry()
    make_update(entry, content="alpha", created="2026-01-01T10:00:00Z")
    make_update(entry, content="bravo", created="2026-01-01T11:00:00Z")
    make_update(other, content="charlie")
    changelist = reverse("admin:blog_liveupdate_changelist")
    html = admin_client.get(changelist).content.decode()
    assert html.index("bravo") < html.index("alpha")
    filtered = admin_client.get(changelist, {"entry__id__exact": entry.pk}).content.decode()
    assert "charlie" not in filtered
    searched = admin_client.get(changelist, {"q": "bravo"}).content.decode()
    assert "bravo" in searched and "alpha" not in searched


def test_update_can_be_edited_and_deleted(admin_client):
    update = make_update(content="Typo")
    change = reverse("admin:blog_liveupdate_change", args=[update.pk])
    admin_client.post(
        change,
        {"entry": update.entry_id, "content": "Fixed", "created_0": "2026-01-01", "created_1": "10:00:00",
         **NO_PHOTOS},
    )  # fmt: skip
    update.refresh_from_db()
    assert update.content_html == "<p>Fixed</p>"
    admin_client.post(reverse("admin:blog_liveupdate_delete", args=[update.pk]), {"post": "yes"})
    assert not LiveUpdate.objects.exists()


def test_entry_autocomplete_finds_entries_by_title(admin_client):
    entry = make_entry(title="Product launch")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "launch", "app_label": "blog", "model_name": "liveupdate", "field_name": "entry"},
    )
    assert [r["id"] for r in response.json()["results"]] == [str(entry.pk)]


def test_entry_list_shows_live_status_update_count_and_links_to_the_desk(admin_client):
    entry = make_entry(title="Keynote")
    make_update(entry)
    make_update(entry)
    html = admin_client.get(reverse("admin:blog_entry_changelist")).content.decode()
    assert '<td class="field-update_count">2</td>' in html
    assert f'<a class="desk-link" href="/admin/blog/entry/{entry.pk}/desk/">Open&nbsp;desk</a>' in html
    assert f'href="{ADD_UPDATE}?entry={entry.pk}">or&nbsp;the&nbsp;form</a>' in html
    assert '<td class="field-coverage_status">Live</td>' in html


def test_entry_form_prepopulates_the_slug_and_links_to_the_site(admin_client):
    entry = make_entry()
    add_form = admin_client.get(reverse("admin:blog_entry_add")).content.decode()
    assert "&quot;id&quot;: &quot;#id_slug&quot;" in add_form
    assert "&quot;dependency_ids&quot;: [&quot;#id_title&quot;]" in add_form
    change_form = admin_client.get(reverse("admin:blog_entry_change", args=[entry.pk])).content.decode()
    assert "View on site" in change_form
    assert f'href="/admin/blog/entry/{entry.pk}/desk/">Open&nbsp;desk</a>' in change_form


def test_entry_with_unknown_time_zone_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:blog_entry_add"),
        {"title": "T", "slug": "t", "body": "", "order": "newest", "time_zone": "Nowhere/Special",
         "created_0": "2026-01-01", "created_1": "10:00:00"},
    )  # fmt: skip
    assert response.status_code == HTTPStatus.OK
    assert "Select a valid choice" in response.content.decode()


def test_update_list_shows_times_in_each_entrys_zone(admin_client):
    make_update(make_entry(time_zone="Asia/Tokyo"), created="2026-05-01T00:30:00Z")
    html = admin_client.get(reverse("admin:blog_liveupdate_changelist")).content.decode()
    assert "01 May 2026, 09:30 JST" in html


def change_time(admin_client, update, date, time):
    return admin_client.post(
        reverse("admin:blog_liveupdate_change", args=[update.pk]),
        {
            "entry": update.entry_id,
            "content": update.content,
            "created_0": date,
            "created_1": time,
            **NO_PHOTOS,
        },
    )


def test_resaving_an_update_in_a_repeated_hour_keeps_its_time(admin_client):
    """02:30 happens twice in Paris on 25 Oct 2026; this update is the second one."""
    update = make_update(make_entry(time_zone="Europe/Paris"), created="2026-10-25T01:30:00Z")
    response = change_time(admin_client, update, "2026-10-25", "02:30:00")
    assert response.status_code == HTTPStatus.FOUND, "saved without a form error"
    update.refresh_from_db()
    assert update.created.isoformat() == "2026-10-25T01:30:00+00:00"


@pytest.mark.parametrize(
    ("date", "time", "message"),
    [
        ("2026-03-29", "02:30:00", "does not exist: the clocks go forward then"),
        ("2026-10-25", "02:30:00", "happens twice: the clocks go back then"),
    ],
)
def test_a_time_the_entrys_clocks_skip_or_repeat_is_a_form_error(admin_client, date, time, message):
    entry = make_entry(time_zone="Europe/Paris")
    response = post_update(admin_client, entry, "Back-dated", created_0=date, created_1=time)
    assert response.status_code == HTTPStatus.OK
    assert message in response.content.decode()
    assert not LiveUpdate.objects.exists()


def test_a_time_only_the_sites_zone_skips_is_accepted(admin_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    entry = make_entry(time_zone="America/New_York")
    post_update(admin_client, entry, "Back-dated", created_0="2026-03-29", created_1="02:30:00")
    assert LiveUpdate.objects.get().shown_at().clock == "02:30"


# Limits on what an author may save, and what happens past them.


def test_an_update_over_the_length_limit_is_a_form_error_that_states_the_limit(admin_client, settings):
    settings.MARKDOWN_MAX_LENGTH = 20_000
    response = post_update(admin_client, make_entry(), "x" * 20_001)
    assert response.status_code == HTTPStatus.OK
    assert "This text has 20,001 characters; the limit is 20,000." in response.content.decode()
    assert not LiveUpdate.objects.exists()


def test_line_breaks_count_once_towards_the_limit_as_the_author_sees_them(admin_client, settings):
    """Browsers send a textarea's line breaks as CRLF: 100 lines of 9 characters are 999, not 1,098."""
    settings.MARKDOWN_MAX_LENGTH = 999
    typed = "\r\n".join(["a" * 9] * 100)
    response = post_update(admin_client, make_entry(), typed)
    assert response.status_code == HTTPStatus.FOUND, "refused although within the limit"
    assert LiveUpdate.objects.get().content == typed.replace("\r\n", "\n")


def test_an_intro_over_the_length_limit_is_a_form_error_that_states_the_limit(admin_client, settings):
    settings.MARKDOWN_MAX_LENGTH = 100
    response = admin_client.post(
        reverse("admin:blog_entry_add"),
        {"title": "T", "slug": "t", "body": "x" * 101, "order": "newest", "time_zone": "UTC",
         "created_0": "2026-01-01", "created_1": "10:00:00"},
    )  # fmt: skip
    assert response.status_code == HTTPStatus.OK
    assert "the limit is 100." in response.content.decode()


def test_a_5_mb_update_reaches_the_form_instead_of_a_bare_bad_request(admin_client):
    """Django's default request limit (2.5 MB) answered "Bad Request (400)" before the form could."""
    response = post_update(admin_client, make_entry(), "All of the transcript. " * 230_000)
    assert response.status_code == HTTPStatus.OK
    assert "characters; the limit is 20,000." in response.content.decode()
    assert not LiveUpdate.objects.exists()


def test_lists_nested_too_deeply_are_a_form_error_not_a_500(admin_client):
    response = post_update(admin_client, make_entry(), "- " * 1_000 + "deep")
    assert response.status_code == HTTPStatus.OK
    assert "nested more than 8 levels deep" in response.content.decode()


# Hostile query strings: a 400 or an ignored parameter, never a 500.


@pytest.mark.parametrize("value", ["%00", "99999999999999999999", "not-a-number"])
def test_post_an_update_link_with_an_unusable_entry_opens_a_blank_form(admin_client, value):
    make_entry(title="Keynote")
    response = admin_client.get(f"{ADD_UPDATE}?entry={value}")
    assert response.status_code == HTTPStatus.OK
    assert " selected>Keynote</option>" not in response.content.decode()


def test_post_an_update_link_still_chooses_its_entry(admin_client):
    entry = make_entry(title="Keynote")
    response = admin_client.get(f"{ADD_UPDATE}?entry={entry.pk}")
    assert f'<option value="{entry.pk}" selected>Keynote</option>' in response.content.decode()


@pytest.mark.parametrize("query", ["entry=99999999999999999999", "entry__id__exact=%00"])
def test_update_list_filtered_by_an_impossible_value_is_a_bad_request(admin_client, query):
    response = admin_client.get(f"{reverse('admin:blog_liveupdate_changelist')}?{query}")
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_entry_autocomplete_ignores_nul_characters_in_the_term(admin_client):
    entry = make_entry(title="Product launch")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "\x00launch\x00", "app_label": "blog", "model_name": "liveupdate", "field_name": "entry"},
    )
    assert response.status_code == HTTPStatus.OK
    assert [r["id"] for r in response.json()["results"]] == [str(entry.pk)]


def test_entry_form_offers_the_models_time_zones(admin_client):
    form = admin_client.get(reverse("admin:blog_entry_add")).context["adminform"].form
    assert list(form.fields["time_zone"].choices) == list(time_zone_choices())


def test_the_admin_home_lists_live_entries_with_their_desks(admin_client):
    live = make_entry(title="Keynote")
    ended = make_entry(title="Yesterday's launch")
    ended.end_coverage()
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "<caption>Live now</caption>" in html
    assert f'href="/admin/blog/entry/{live.pk}/desk/">Open desk</a>' in html
    assert f"/admin/blog/entry/{ended.pk}/desk/" not in html


def test_the_admin_home_lists_no_desks_for_staff_who_cannot_post(client, django_user_model):
    make_entry(title="Keynote")
    client.force_login(django_user_model.objects.create(username="viewer", is_staff=True))
    assert "Live now" not in client.get(reverse("admin:index")).content.decode()
