"""Headlines, key events, a pinned update, bylines, corrections, dates and the end of coverage (issue 10)."""

import datetime as dt
from http import HTTPStatus
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog import rendering
from blog.live import changes_since
from blog.models import KEY_EVENT_NEEDS_HEADLINE, Entry, LiveUpdate
from blog.tests.factories import make_entry, make_update, make_user
from blog.tests.test_feed import poll
from blog.times import LocalTime

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(hours=1)


def page(client, entry):
    response = client.get(entry.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def feed_item(client, entry, update):
    return next(item for item in poll(client, entry).json()["updates"] if item["id"] == update.pk)


# Headlines and key events


def test_a_key_event_without_a_headline_is_refused_with_a_reason():
    update = LiveUpdate(entry=make_entry(), content="Doors open.", key_event=True, headline="  ")
    with pytest.raises(ValidationError) as error:
        update.full_clean()
    assert error.value.message_dict["headline"] == [KEY_EVENT_NEEDS_HEADLINE]


def test_the_database_refuses_a_key_event_without_a_headline_too():
    update = make_update(headline="Doors open")
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveUpdate.objects.filter(pk=update.pk).update(key_event=True, headline="")


def test_a_headline_is_kept_on_one_line():
    assert make_update(headline="  Doors\n open  ").headline == "Doors open"


def test_headings_in_the_text_sit_under_the_headline_or_in_its_place():
    assert make_update(content="# Detail").content_html == "<h3>Detail</h3>"
    assert make_update(content="# Detail", headline="News").content_html == "<h4>Detail</h4>"


def test_headline_is_escaped_on_the_page(client):
    entry = make_entry()
    make_update(entry, headline="<script>alert(1)</script> & co", key_event=True)
    html = page(client, entry)
    assert "<script>alert(1)</script>" not in html
    assert '<h3 class="update-headline">&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</h3>' in html


def test_key_events_are_listed_newest_first_near_the_top_linking_to_each_update(client):
    entry = make_entry(time_zone="America/Los_Angeles")
    opening = make_update(entry, headline="Keynote starts", key_event=True, created="2026-06-08T17:00:00Z")
    make_update(entry, headline="Not a key event", created="2026-06-08T17:10:00Z")
    launch = make_update(
        entry, headline="New phone announced", key_event=True, created="2026-06-08T17:19:00Z"
    )
    html = page(client, entry)
    nav = html.split('<nav id="key-events" class="key-events" aria-label="Key events">')[1].split("</nav>")[0]
    assert nav.index("New phone announced") < nav.index("Keynote starts")
    assert "Not a key event" not in nav
    assert (
        f'<a href="/entries/{entry.slug}/updates/{launch.pk}/">'
        '<time datetime="2026-06-08T10:19:00-07:00" '
        'title="Monday 8 June 2026, 10:19 PDT (America/Los_Angeles)">10:19 PDT</time> '
        '<span class="key-event-headline">New phone announced</span></a>'
    ) in nav
    assert f"/updates/{opening.pk}/" in nav
    assert html.index('id="key-events"') < html.index('id="live-updates"')


def test_key_events_of_an_entry_spanning_several_days_carry_their_dates(client):
    entry = make_entry(time_zone="America/New_York")
    make_update(
        entry, headline="Polls close", key_event=True, created="2026-11-04T01:00Z"
    )  # 20:00 on the 3rd
    make_update(entry, headline="A winner", key_event=True, created="2026-11-04T06:30Z")  # 01:30 on the 4th
    html = page(client, entry)
    assert '<nav id="key-events" class="key-events several-days" aria-label="Key events">' in html
    assert ' class="starts-day"><h3 class="key-event-day">Wednesday 4 November 2026</h3><a' in html


def key_event_lists(html):
    """The visible list of key events and the one behind "Show all", as the page's HTML has them."""
    nav = html.split('aria-label="Key events"')[1].split("</nav>")[0]
    latest, more = nav.split('<details class="key-events-more"')
    return latest, more


def test_a_long_list_of_key_events_shows_the_latest_five_and_the_rest_behind_show_all(client):
    entry = make_entry(time_zone="UTC")
    for number in range(8):
        make_update(
            entry,
            headline=f"Key {number}",
            key_event=True,
            created=dt.datetime(2026, 11, 3, 12 + number, tzinfo=dt.UTC),
        )
    latest, more = key_event_lists(page(client, entry))
    assert [f"Key {n}<" in latest for n in range(8)] == [False] * 3 + [True] * 5
    assert [f"Key {n}<" in more for n in range(8)] == [True] * 3 + [False] * 5
    assert latest.index("Key 7<") < latest.index("Key 3<") and more.index("Key 2<") < more.index("Key 0<")
    assert (
        '<summary><span class="show-all">Show all <span class="key-events-count">8</span> key events' in more
    )
    assert not more.startswith(" hidden")


def test_five_key_events_or_fewer_need_no_show_all(client):
    entry = make_entry()
    for number in range(5):
        make_update(entry, headline=f"Key {number}", key_event=True)
    latest, more = key_event_lists(page(client, entry))
    assert latest.count("<li ") == 5
    assert more.startswith(" hidden>")


def test_key_events_of_several_days_have_one_day_heading_per_day_in_each_list(client):
    entry = make_entry(time_zone="UTC")
    # Newest first: three on the 4th, then four on the 3rd (two shown, two behind "Show all").
    for day, hours in ((4, (1, 2, 3)), (3, (20, 21, 22, 23))):
        for hour in hours:
            created = dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)
            make_update(entry, headline=f"{day} at {hour}", key_event=True, created=created)
    latest, more = key_event_lists(page(client, entry))
    fourth = ' class="starts-day"><h3 class="key-event-day">Wednesday 4 November 2026</h3><a'
    third = ' class="starts-day"><h3 class="key-event-day">Tuesday 3 November 2026</h3><a'
    assert latest.count(' class="starts-day"') == 2 and more.count(' class="starts-day"') == 1
    assert latest.index(fourth) < latest.index("4 at 3<") < latest.index(third) < latest.index("3 at 23<")
    assert more.index(third) < more.index("3 at 21<")


def test_the_key_events_list_is_hidden_while_there_are_none(client):
    entry = make_entry()
    make_update(entry, headline="Just a headline")
    assert '<nav id="key-events" class="key-events" aria-label="Key events" hidden>' in page(client, entry)


# One pinned update


def test_pinning_an_update_unpins_the_previous_one_and_both_reach_readers(client):
    entry = make_entry()
    first = make_update(entry, pinned=True)
    cursor = poll(client, entry).json()["cursor"]
    second = make_update(entry, content="What we know so far", pinned=True)
    first.refresh_from_db()
    assert (first.pinned, second.pinned) == (False, True)
    assert first.version == second.version == entry.__class__.objects.get(pk=entry.pk).version
    delta = {item["id"]: item["pinned"] for item in poll(client, entry, cursor).json()["updates"]}
    assert delta == {first.pk: False, second.pk: True}


def test_validating_a_second_pin_is_no_error_because_saving_it_unpins_the_first():
    entry = make_entry()
    make_update(entry, pinned=True)
    LiveUpdate(entry=entry, content="What we know so far", pinned=True).full_clean()


def test_the_database_allows_one_pinned_update_per_entry():
    entry = make_entry()
    make_update(entry, pinned=True)
    other = make_update(entry)
    make_update(make_entry(), pinned=True)  # another entry's pin is no conflict
    with pytest.raises(IntegrityError), transaction.atomic():
        LiveUpdate.objects.filter(pk=other.pk).update(pinned=True)


def test_the_pinned_update_stands_above_the_stream_and_stays_in_it(client):
    entry = make_entry()
    make_update(entry, content="Doors open.")
    summary = make_update(entry, headline="What we know so far", content="Three launches.", pinned=True)
    html = page(client, entry)
    pinned = html.split('<section id="pinned-update" class="pinned" aria-label="Pinned">')[1].split(
        "</section>"
    )[0]
    assert "Three launches." in pinned
    assert '<span class="tag tag-pinned">Pinned</span>' in pinned
    assert f'data-id="{summary.pk}"' in pinned
    assert 'id="update-' not in pinned, "the copy must not repeat the stream's id"
    assert html.count(f'id="update-{summary.pk}"') == 1
    assert html.index('id="pinned-update"') < html.index('id="live-updates"')


def test_a_long_pinned_update_starts_collapsed_with_a_show_more_control(client):
    entry = make_entry()
    make_update(entry, content="A summary that goes on. " * 40, pinned=True)
    html = page(client, entry)
    assert '<section id="pinned-update" class="pinned is-long" aria-label="Pinned">' in html
    assert '<input type="checkbox" id="pinned-expand" class="pinned-expand visually-hidden">' in html
    assert '<label class="pinned-more" for="pinned-expand">' in html


def test_no_pinned_section_shows_without_a_pinned_update(client):
    entry = make_entry()
    make_update(entry)
    assert '<section id="pinned-update" class="pinned" aria-label="Pinned" hidden>' in page(client, entry)


# Bylines


def test_bylines_show_the_full_name_or_the_username_when_the_entry_shows_them(client):
    entry = make_entry(show_bylines=True)
    make_update(entry, author=make_user("ada", first_name="Ada", last_name="Lovelace"))
    make_update(entry, author=make_user("grace"))
    make_update(entry)  # from before bylines: no author
    html = page(client, entry)
    assert '<span class="update-byline">By <span class="byline-name">Ada Lovelace</span></span>' in html
    assert '<span class="byline-name">grace</span>' in html
    assert html.count('class="update-byline"') == 2 + 1  # two updates, and the script's template


def test_bylines_are_hidden_unless_the_entry_shows_them(client):
    entry = make_entry()
    update = make_update(entry, author=make_user("ada", first_name="Ada"))
    assert "Ada" not in page(client, entry)
    assert feed_item(client, entry, update)["author"] is None


def test_switching_bylines_on_sends_every_update_again_with_its_author(client):
    entry = make_entry()
    update = make_update(entry, author=make_user("ada", first_name="Ada", last_name="Lovelace"))
    cursor = poll(client, entry).json()["cursor"]
    entry.show_bylines = True
    entry.save()
    items = poll(client, entry, cursor).json()["updates"]
    assert [(item["id"], item["author"]) for item in items] == [(update.pk, {"name": "Ada Lovelace"})]


# Visible corrections


def test_a_quick_typo_fix_stays_silent(client):
    update = make_update(content="Teh keynote")
    update.content = "The keynote"
    update.save()
    assert update.edited is not None, "feeds and search engines still learn of it"
    assert update.edited_at() is None
    assert "Updated" not in page(client, update.entry).split('id="live-updates"')[1].split("<template")[0]


def test_an_edit_after_the_grace_shows_updated_with_its_time(client, settings):
    settings.LIVE_EDIT_GRACE_SECONDS = 120
    entry = make_entry(time_zone="Europe/Paris")
    # Shown now, posted long ago: the edit is past the grace and on the update's own day.
    update = make_update(entry, content="12 regions", posted=LONG_AGO)
    update.content = "14 regions"
    update.correction = "Correction: 14 regions, not 12."
    update.save()
    assert update.edited is not None
    edited = timezone.localtime(update.edited, entry.zone)
    item = feed_item(client, entry, update)
    assert item["edited"] == edited.isoformat(timespec="seconds")
    assert item["edited_label"] == f"{edited:%H:%M %Z}"
    assert item["correction"] == "Correction: 14 regions, not 12."
    html = page(client, entry)
    assert f'<span class="update-edited">Updated <time datetime="{item["edited"]}"' in html
    assert '<p class="update-correction">Correction: 14 regions, not 12.</p>' in html


@pytest.mark.parametrize(
    ("edited", "label"),
    [
        ("2026-11-03T23:50:00Z", "18:50 EST"),  # the same evening in New York
        ("2026-11-04T14:46:00Z", "09:46 EST, 4 Nov"),  # the next morning: not the same night
        ("2027-01-04T14:46:00Z", "09:46 EST, 4 Jan 2027"),
    ],
)
def test_an_edit_on_another_day_than_its_update_says_which_day_in_page_and_feed(client, edited, label):
    entry = make_entry(time_zone="America/New_York")
    posted = dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.UTC)
    update = make_update(entry, content="12 regions", created=posted, posted=posted)
    LiveUpdate.objects.filter(pk=update.pk).update(edited=edited)
    assert feed_item(client, entry, update)["edited_label"] == label
    assert f">{label}</time></span>" in page(client, entry)


def test_a_times_title_names_a_zone_once_and_a_fixed_offset_by_its_offset_alone():
    moment = dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.UTC)
    assert LocalTime.of(moment, ZoneInfo("UTC")).title == "Tuesday 3 November 2026, 23:30 UTC"
    assert (
        LocalTime.of(moment, ZoneInfo("Europe/London")).title
        == "Tuesday 3 November 2026, 23:30 GMT (Europe/London)"
    )
    assert LocalTime.of(moment, ZoneInfo("Etc/UTC")).title == "Tuesday 3 November 2026, 23:30 UTC"
    assert LocalTime.of(moment, ZoneInfo("Etc/GMT+3")).title == "Tuesday 3 November 2026, 20:30 UTC-3"


def test_the_title_of_an_edit_on_another_day_says_its_date_once():
    posted = dt.datetime(2026, 11, 3, 23, 30, tzinfo=dt.UTC)
    update = make_update(created=posted, posted=posted)
    update.entry.time_zone = "America/New_York"
    update.edited = dt.datetime(2026, 11, 4, 14, 46, tzinfo=dt.UTC)
    assert update.edited_at().title == "Wednesday 4 November 2026, 09:46 EST (America/New_York)"


def test_the_grace_counts_from_posting_not_from_a_back_dated_time():
    update = make_update(content="Earlier today", created=LONG_AGO)
    update.content = "Earlier today, at the venue"
    update.save()
    assert update.edited_at() is None


def test_pinning_or_marking_a_key_event_is_not_an_edit():
    update = make_update(headline="Launch", posted=LONG_AGO)
    update.pinned = update.key_event = True
    update.save()
    assert update.edited is None


# Times that say what they mean


def test_date_dividers_stand_before_each_day_of_an_entry_spanning_several(client):
    entry = make_entry(time_zone="America/New_York", order="oldest")
    make_update(entry, content="Polls close", created="2026-11-03T23:00:00Z")  # 18:00 EST on the 3rd
    make_update(entry, content="First results", created="2026-11-04T04:30:00Z")  # 23:30 on the 3rd
    make_update(entry, content="A winner", created="2026-11-04T06:10:00Z")  # 01:10 on the 4th
    html = page(client, entry).split("<body", 1)[1]  # the head's structured data repeats the text
    dividers = ['<h3 class="date-divider">Tuesday 3 November 2026</h3>',
                '<h3 class="date-divider">Wednesday 4 November 2026</h3>']  # fmt: skip
    positions = [
        html.index(text) for text in (dividers[0], "Polls close", "First results", dividers[1], "A winner")
    ]
    assert positions == sorted(positions)


def test_newest_first_puts_each_days_divider_above_its_latest_update(client):
    entry = make_entry(time_zone="America/New_York")
    make_update(entry, content="Polls close", created="2026-11-03T23:00:00Z")
    make_update(entry, content="A winner", created="2026-11-04T06:10:00Z")
    html = page(client, entry).split("<body", 1)[1]  # the head's structured data repeats the text
    positions = [html.index(text) for text in ("Wednesday 4 November 2026", "A winner",
                                               "Tuesday 3 November 2026", "Polls close")]  # fmt: skip
    assert positions == sorted(positions)


def test_an_entry_within_one_day_has_no_dividers(client):
    entry = make_entry(time_zone="America/New_York")
    make_update(entry, created="2026-11-03T13:00:00Z")
    make_update(entry, created="2026-11-04T04:59:00Z")  # 23:59 EST, still the 3rd
    assert '<h3 class="date-divider">' not in page(client, entry).split("<template")[0]


def test_a_zone_without_an_abbreviation_shows_its_offset(client):
    entry = make_entry(time_zone="America/Sao_Paulo")
    make_update(entry, created="2026-06-01T17:19:00Z")
    assert ">14:19 UTC-3</time>" in page(client, entry)


# Order, and a clear end


def test_new_entries_list_their_newest_update_first(client):
    entry = Entry.objects.create(title="Launch", slug="launch")
    assert entry.order == Entry.Order.NEWEST
    early = make_update(entry, created="2026-06-01T10:00:00Z")
    late = make_update(entry, created="2026-06-01T10:05:00Z")
    html = page(client, entry)
    assert html.index(f'id="update-{late.pk}"') < html.index(f'id="update-{early.pk}"')
    assert '<article class="entry" data-order="newest">' in html
    assert poll(client, entry).json()["entry"]["order"] == "newest"


def test_ending_coverage_records_when_and_the_page_says_so(client):
    entry = make_entry(time_zone="America/New_York")
    assert entry.end_coverage()
    ended = timezone.localtime(entry.ended, entry.zone)
    assert entry.ended is not None and not entry.is_live
    html = page(client, entry)
    assert '<p class="badge badge-ended">Ended</p>' in html
    assert (
        f'<p class="entry-ended" id="coverage-ended">Coverage ended at <time datetime="'
        f'{ended.isoformat(timespec="seconds")}"'
    ) in html
    assert f">{ended:%H:%M %Z}</time> on {ended:%A} {ended.day} {ended:%B %Y}.</p>" in html


def test_ending_twice_keeps_the_first_time_and_resuming_undoes_it():
    entry = make_entry()
    entry.end_coverage()
    first = entry.ended
    assert not entry.end_coverage()
    assert entry.ended == first
    entry.resume_coverage()
    assert Entry.objects.get(pk=entry.pk).is_live


def test_ending_and_resuming_each_give_the_entry_a_new_cursor(client):
    """The ended answer is cached longer: a page loaded after a resume must not poll its URL."""
    entry = make_entry()
    make_update(entry)
    live_cursor = poll(client, entry).json()["cursor"]
    entry.end_coverage()
    ended_cursor = poll(client, entry).json()["cursor"]
    entry.resume_coverage()
    resumed = poll(client, entry).json()
    assert len({live_cursor, ended_cursor, resumed["cursor"]}) == 3
    assert resumed["poll_interval"] == 10


def test_saving_an_entry_form_loaded_before_the_end_does_not_undo_it():
    stale = make_entry()
    Entry.objects.get(pk=stale.pk).end_coverage()
    stale.title = "Renamed after the end"
    stale.save()
    assert not Entry.objects.get(pk=stale.pk).is_live


def test_an_ended_entry_page_is_cached_longer(client, settings):
    settings.LIVE_ENDED_MAX_AGE = 300
    entry = make_entry()
    entry.end_coverage()
    response = client.get(entry.get_absolute_url())
    assert response["Cache-Control"] == "public, max-age=300, stale-if-error=300"


def test_an_ended_entry_is_still_editable_and_the_edit_reaches_the_feed(client):
    entry = make_entry()
    update = make_update(entry, content="12 regions")
    entry.end_coverage()
    update.correction = "Correction: 14 regions, not 12."
    update.save()
    assert feed_item(client, entry, update)["correction"] == "Correction: 14 regions, not 12."


# The feed contract


def test_a_poll_needs_a_fixed_number_of_queries_with_every_new_field(client, django_assert_num_queries):
    entry = make_entry(show_bylines=True)
    make_update(entry)
    cursor = poll(client, entry).json()["cursor"]
    for number in range(10):
        make_update(entry, author=make_user(f"author{number}"), headline=f"News {number}", key_event=True,
                    pinned=number == 9, correction="Fixed.")  # fmt: skip
    with django_assert_num_queries(2):
        assert len(poll(client, entry).json()["updates"]) == 11
    with django_assert_num_queries(3):
        assert len(poll(client, entry, cursor).json()["updates"]) == 10


def test_the_feed_renders_no_markdown(monkeypatch):
    entry = make_entry(show_bylines=True)
    make_update(entry, headline="News", author=make_user("ada"), key_event=True, pinned=True)
    # The parser itself, so that no way of reaching it goes unnoticed.
    monkeypatch.setattr(rendering._markdown, "parse", lambda *args, **kwargs: pytest.fail("rendered"))
    assert changes_since(Entry.objects.get(pk=entry.pk))["updates"][0]["headline"] == "News"
