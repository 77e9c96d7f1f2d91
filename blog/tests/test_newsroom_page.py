"""Issue 10 on an open page, in Chromium: key events, pinned post, bylines, corrections, dates, order, end.

The page's clock is paused as in test_live_page.py, whose helpers these tests use.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from blog.tests.factories import make_entry, make_update
from blog.tests.test_live_page import START, Feed, next_poll, open_entry, update_bodies
from blog.tests.test_new_updates_button import OBSERVE_LAYOUT_SHIFTS, unexpected_shifts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEDNESDAY = "Wednesday 25 November 2026"
THURSDAY = "Thursday 26 November 2026"
LONG_TEXT = "\n\n".join(
    f"Paragraph {number}: what we know so far, and what we do not." for number in range(12)
)


@pytest.fixture
def feed(page):
    return Feed(page)


def key_event_headlines(page):
    return page.locator("#key-events li .key-event-headline")


def pinned_copy(page):
    return page.locator("#pinned-update .pinned-content > .update")


def dividers_and_bodies(page):
    """The stream as a reader scans it: each date divider's text, and each update's body."""
    return page.locator("#live-updates > .date-divider, #live-updates > .update > .update-body")


def posted_long_ago(entry, **fields):
    """An update posted well before the grace for silent typo fixes ran out."""
    return make_update(entry, posted=timezone.now() - timedelta(hours=1), **fields)


# Key events


def test_first_key_event_posted_live_shows_the_key_events_list(page, feed):
    entry = make_entry(time_zone="UTC")
    make_update(entry, content="Doors are open.", created=START.replace(hour=9))
    open_entry(page, entry)
    expect(page.locator("#key-events")).to_be_hidden()

    update = make_update(entry, headline="Polls close", key_event=True, created=START)
    next_poll(page, feed)

    expect(page.locator("#key-events")).to_be_visible()
    link = page.locator("#key-events li a")
    expect(link).to_have_text("14:00 UTC Polls close", use_inner_text=True)
    expect(link).to_have_attribute("href", update.get_absolute_url())
    expect(page.locator(f"#update-{update.pk}")).to_have_class(re.compile(r"\bis-key-event\b"))
    expect(page.locator(f"#update-{update.pk} .tag-key-event")).to_have_text("Key event")


def test_key_events_show_their_dates_once_the_entry_spans_a_second_day(page, feed):
    entry = make_entry(time_zone="UTC")
    make_update(entry, headline="Polls close", key_event=True, created=START.replace(hour=20))
    open_entry(page, entry)
    items = page.locator("#key-events li")
    expect(items).to_have_text("20:00 UTC Polls close", use_inner_text=True)

    make_update(entry, headline="A winner", key_event=True, created=START + timedelta(hours=12))
    next_poll(page, feed)

    # A heading per day, not the date on every line.
    expect(items).to_have_text(
        [re.compile(r"^Thursday 26 November 2026\s+02:00 UTC\s+A winner$", re.IGNORECASE),
         re.compile(r"^Wednesday 25 November 2026\s+20:00 UTC\s+Polls close$", re.IGNORECASE)],
        use_inner_text=True,
    )  # fmt: skip
    make_update(entry, headline="Concession", key_event=True, created=START + timedelta(hours=13))
    next_poll(page, feed)
    expect(page.locator("#key-events .key-event-day:visible")).to_have_text([THURSDAY, WEDNESDAY])
    expect(items.first).to_have_text(
        re.compile(r"^Thursday 26 November 2026\s+03:00 UTC", re.IGNORECASE), use_inner_text=True
    )
    expect(items.nth(1)).to_have_text("02:00 UTC A winner", use_inner_text=True)


def post_key_events(entry, count):
    return [
        make_update(
            entry, headline=f"Result {number}", key_event=True, created=START + timedelta(minutes=number)
        )
        for number in range(count)
    ]


def shown_key_events(page):
    return page.locator("#key-events .key-events-latest .key-event-headline")


# The elements that moved in the layout shifts so far, other than the key events list's own items:
# a new key event moves the ones below it down a line inside the box, as a ticker's do.
SHIFTED_OUTSIDE_KEY_EVENTS = """() => window.layoutShifts.concat(window.layoutShiftObserver.takeRecords())
    .flatMap(shift => shift.sources.map(source => source.node))
    .filter(node => node && !document.getElementById("key-events").contains(node))
    .map(node => node.nodeName + "#" + (node.id || "") + "." + (node.className || ""))"""


def test_a_new_key_event_replaces_the_oldest_shown_one_and_moves_nothing_around_the_list(page, feed):
    page.set_viewport_size({"width": 390, "height": 700})
    entry = make_entry(time_zone="UTC")
    post_key_events(entry, 6)
    make_update(entry, content=LONG_TEXT, pinned=True, created=START - timedelta(hours=1))
    page.add_init_script(OBSERVE_LAYOUT_SHIFTS)
    open_entry(page, entry)
    assert page.evaluate(
        "() => document.getElementById('live-updates').getBoundingClientRect().top > innerHeight"
    )
    expect(shown_key_events(page)).to_have_text([f"Result {number}" for number in (5, 4, 3, 2, 1)])
    unexpected_shifts(page)  # the page's load is another test's matter

    make_update(entry, headline="Result 6", key_event=True, created=START + timedelta(minutes=6))
    next_poll(page, feed)

    expect(shown_key_events(page)).to_have_text([f"Result {number}" for number in (6, 5, 4, 3, 2)])
    expect(page.locator("#key-events summary")).to_have_text("Show all 7 key events", use_inner_text=True)
    assert page.evaluate(SHIFTED_OUTSIDE_KEY_EVENTS) == [], (
        "the list grew: the pinned post and the stream moved"
    )


def test_a_shown_key_event_deleted_live_brings_the_next_one_into_view(page, feed):
    entry = make_entry()
    results = post_key_events(entry, 6)
    open_entry(page, entry)
    expect(page.locator("#key-events summary")).to_be_visible()

    results[5].delete()
    next_poll(page, feed)

    expect(shown_key_events(page)).to_have_text([f"Result {number}" for number in (4, 3, 2, 1, 0)])
    expect(page.locator("#key-events summary")).to_be_hidden()


def test_show_all_key_events_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    entry = make_entry()
    post_key_events(entry, 7)
    page.goto(entry.get_absolute_url())
    headlines = page.locator("#key-events .key-event-headline")
    expect(headlines.filter(visible=True)).to_have_count(5)

    page.get_by_text("Show all 7 key events").click()

    expect(headlines.filter(visible=True)).to_have_text([f"Result {number}" for number in range(6, -1, -1)])
    expect(page.locator("#key-events summary")).to_have_text("Show fewer key events", use_inner_text=True)
    context.close()


def test_key_events_posted_live_are_listed_newest_first(page, feed):
    entry = make_entry()
    make_update(entry, headline="Polls close", key_event=True, created=START.replace(hour=9))
    open_entry(page, entry)

    make_update(entry, headline="First result", key_event=True, created=START.replace(hour=11))
    make_update(entry, headline="Exit poll", key_event=True, created=START.replace(hour=10))
    next_poll(page, feed)

    expect(key_event_headlines(page)).to_have_text(["First result", "Exit poll", "Polls close"])


def test_key_event_edited_live_changes_its_headline_and_place(page, feed):
    entry = make_entry(time_zone="UTC")
    edited = make_update(entry, headline="Polls close", key_event=True, created=START.replace(hour=9))
    make_update(entry, headline="Exit poll", key_event=True, created=START.replace(hour=10))
    open_entry(page, entry)
    expect(key_event_headlines(page)).to_have_text(["Exit poll", "Polls close"])

    edited.headline = "Polls close late"
    edited.created = START.replace(hour=11)
    edited.save()
    next_poll(page, feed)

    expect(key_event_headlines(page)).to_have_text(["Polls close late", "Exit poll"])
    expect(page.locator("#key-events li").first.locator("time")).to_have_text("11:00 UTC")


def test_key_event_unmarked_live_leaves_the_list_and_an_empty_list_hides(page, feed):
    entry = make_entry()
    update = make_update(entry, headline="Polls close", key_event=True)
    open_entry(page, entry)
    expect(page.locator("#key-events")).to_be_visible()

    update.key_event = False
    update.save()
    next_poll(page, feed)

    expect(page.locator("#key-events li")).to_have_count(0)
    expect(page.locator("#key-events")).to_be_hidden()
    expect(page.locator(f"#update-{update.pk}")).not_to_have_class(re.compile(r"\bis-key-event\b"))
    expect(page.locator(f"#update-{update.pk} .tag-key-event")).to_have_count(0)


def test_key_event_deleted_live_leaves_the_list(page, feed):
    entry = make_entry()
    make_update(entry, headline="Polls close", key_event=True, created=START.replace(hour=9))
    deleted = make_update(entry, headline="Wrong result", key_event=True, created=START.replace(hour=10))
    open_entry(page, entry)

    deleted.delete()
    next_poll(page, feed)

    expect(key_event_headlines(page)).to_have_text(["Polls close"])


# Headlines, bylines, "Updated" labels and corrections


def test_headline_added_and_removed_live(page, feed):
    entry = make_entry()
    update = make_update(entry, content="Turnout is high.")
    open_entry(page, entry)
    headline = page.locator(f"#update-{update.pk} h3.update-headline")
    expect(headline).to_have_count(0)

    update.headline = "Record turnout"
    update.save()
    next_poll(page, feed)
    expect(headline).to_have_text("Record turnout")

    update.headline = ""
    update.save()
    next_poll(page, feed)
    expect(headline).to_have_count(0)


def test_new_update_shows_only_the_parts_it_has(page, feed):
    entry = make_entry()
    open_entry(page, entry)

    update = make_update(entry, content="Doors are open.")
    next_poll(page, feed)

    element = page.locator(f"#update-{update.pk}")
    expect(element.locator(".update-body")).to_have_text("Doors are open.")
    for part in [".update-edited", ".tag", ".update-byline", ".update-headline", ".update-correction"]:
        expect(element.locator(part)).to_have_count(0)


def test_bylines_show_the_authors_name_or_username_when_the_entry_shows_bylines(page, feed):
    entry = make_entry(show_bylines=True)
    open_entry(page, entry)
    users = get_user_model().objects
    named = make_update(entry, author=users.create_user("ada", first_name="Ada", last_name="Lovelace"))
    unnamed = make_update(entry, author=users.create_user("grace"))
    nobody = make_update(entry)
    next_poll(page, feed)

    expect(page.locator(f"#update-{named.pk} .update-byline")).to_have_text("By Ada Lovelace")
    expect(page.locator(f"#update-{unnamed.pk} .update-byline")).to_have_text("By grace")
    expect(page.locator(f"#update-{nobody.pk} .update-byline")).to_have_count(0)


def test_turning_bylines_on_and_off_reaches_the_open_page(page, feed):
    entry = make_entry()
    update = make_update(entry, author=get_user_model().objects.create_user("ada", first_name="Ada"))
    open_entry(page, entry)
    byline = page.locator(f"#update-{update.pk} .update-byline")
    expect(byline).to_have_count(0)

    entry.show_bylines = True
    entry.save()
    next_poll(page, feed)
    expect(byline).to_have_text("By Ada")

    entry.show_bylines = False
    entry.save()
    next_poll(page, feed)
    expect(byline).to_have_count(0)


def test_edit_after_the_grace_shows_updated_and_its_time_live(page, feed):
    entry = make_entry(time_zone="UTC")
    update = posted_long_ago(entry, content="12 regions have voted.")
    open_entry(page, entry)

    update.content = "14 regions have voted."
    update.save()
    next_poll(page, feed)

    update.refresh_from_db()
    edited = update.edited_at()
    label = page.locator(f"#update-{update.pk} .update-edited")
    expect(label).to_have_text(f"Updated {edited.label}")
    expect(label.locator("time")).to_have_attribute("datetime", edited.iso)
    expect(label.locator("time")).to_have_attribute("title", edited.title)


def test_typo_fixed_within_the_grace_stays_silent(page, feed):
    entry = make_entry()
    update = make_update(entry, content="Tunrout is high.")
    open_entry(page, entry)

    update.content = "Turnout is high."
    update.save()
    next_poll(page, feed)

    expect(page.locator(f"#update-{update.pk} .update-body")).to_have_text("Turnout is high.")
    expect(page.locator(f"#update-{update.pk} .update-edited")).to_have_count(0)


def test_correction_added_live_shows_under_the_update_and_can_be_removed(page, feed):
    entry = make_entry()
    update = make_update(entry, content="12 regions have voted.")
    open_entry(page, entry)
    correction = page.locator(f"#update-{update.pk} > .update-correction")

    update.correction = "Correction: 14 regions, not 12."
    update.save()
    next_poll(page, feed)
    expect(correction).to_have_text("Correction: 14 regions, not 12.")
    # After the text it corrects, in its own style.
    assert correction.evaluate("element => element.previousElementSibling.className") == "update-body"
    assert correction.evaluate("element => getComputedStyle(element).borderLeftStyle") == "solid"

    update.correction = ""
    update.save()
    next_poll(page, feed)
    expect(correction).to_have_count(0)


# The pinned post


def test_update_pinned_live_is_copied_above_the_stream(page, feed):
    entry = make_entry()
    update = make_update(entry, content="What we know so far.")
    open_entry(page, entry)
    expect(page.locator("#pinned-update")).to_be_hidden()

    update.pinned = True
    update.save()
    next_poll(page, feed)

    expect(page.locator("#pinned-update")).to_be_visible()
    expect(pinned_copy(page).locator(".update-body")).to_have_text("What we know so far.")
    expect(pinned_copy(page)).to_have_attribute("data-id", str(update.pk))
    assert pinned_copy(page).get_attribute("id") is None, "two elements with one id"
    expect(page.locator(f"#update-{update.pk}")).to_have_class(re.compile(r"\bis-pinned\b"))
    expect(page.locator(f"#update-{update.pk} .tag-pinned")).to_have_text("Pinned")


def test_pinning_another_update_live_replaces_the_copy_and_unpins_the_first(page, feed):
    entry = make_entry()
    first = make_update(entry, content="Summary at nine.", pinned=True)
    second = make_update(entry, content="Summary at ten.")
    open_entry(page, entry)
    expect(pinned_copy(page).locator(".update-body")).to_have_text("Summary at nine.")

    second.pinned = True
    second.save()
    next_poll(page, feed)

    expect(pinned_copy(page)).to_have_count(1)
    expect(pinned_copy(page).locator(".update-body")).to_have_text("Summary at ten.")
    expect(page.locator(f"#update-{first.pk} .tag-pinned")).to_have_count(0)
    expect(page.locator(f"#update-{first.pk}")).not_to_have_class(re.compile(r"\bis-pinned\b"))
    expect(page.locator(f"#update-{second.pk} .tag-pinned")).to_have_count(1)


def test_update_unpinned_live_empties_and_hides_the_pinned_section(page, feed):
    entry = make_entry()
    update = make_update(entry, content="What we know so far.", pinned=True)
    open_entry(page, entry)
    expect(page.locator("#pinned-update")).to_be_visible()

    update.pinned = False
    update.save()
    next_poll(page, feed)

    expect(page.locator("#pinned-update")).to_be_hidden()
    expect(pinned_copy(page)).to_have_count(0)
    expect(update_bodies(page)).to_have_text(["What we know so far."])


def test_pinned_update_edited_live_changes_its_copy(page, feed):
    entry = make_entry()
    update = make_update(entry, content="Two candidates lead.", pinned=True)
    open_entry(page, entry)

    update.content = "Three candidates lead."
    update.headline = "What we know"
    update.save()
    next_poll(page, feed)

    expect(pinned_copy(page).locator(".update-body")).to_have_text("Three candidates lead.")
    expect(pinned_copy(page).locator(".update-headline")).to_have_text("What we know")
    expect(page.locator(f"#update-{update.pk} .update-body")).to_have_text("Three candidates lead.")


def test_pinned_update_deleted_live_hides_the_pinned_section(page, feed):
    entry = make_entry()
    update = make_update(entry, content="What we know so far.", pinned=True)
    make_update(entry, content="Still here.")
    open_entry(page, entry)

    update.delete()
    next_poll(page, feed)

    expect(page.locator("#pinned-update")).to_be_hidden()
    expect(pinned_copy(page)).to_have_count(0)
    expect(update_bodies(page)).to_have_text(["Still here."])


def test_long_post_pinned_live_is_collapsed_behind_show_more(page, feed):
    entry = make_entry()
    update = make_update(entry, content=LONG_TEXT)
    open_entry(page, entry)
    section, content = page.locator("#pinned-update"), page.locator("#pinned-update .pinned-content")

    update.pinned = True
    update.save()
    next_poll(page, feed)

    expect(section).to_have_class(re.compile(r"\bis-long\b"))
    assert content.evaluate("element => element.scrollHeight > element.clientHeight"), "not collapsed"
    more = page.locator("#pinned-update .pinned-more")
    expect(more).to_have_text("Show more", use_inner_text=True)
    more.click()
    expect(more).to_have_text("Show less", use_inner_text=True)
    assert content.evaluate("element => element.scrollHeight === element.clientHeight"), "not expanded"


def test_pinned_post_shortened_live_loses_its_show_more(page, feed):
    entry = make_entry()
    update = make_update(entry, content=LONG_TEXT, pinned=True)
    open_entry(page, entry)
    expect(page.locator("#pinned-update")).to_have_class(re.compile(r"\bis-long\b"))

    update.content = "Short now."
    update.save()
    next_poll(page, feed)

    expect(page.locator("#pinned-update")).not_to_have_class(re.compile(r"\bis-long\b"))
    expect(page.locator("#pinned-update .pinned-more")).to_be_hidden()


def test_show_more_shows_keyboard_focus(page, feed):
    entry = make_entry()
    make_update(entry, content=LONG_TEXT, pinned=True)
    open_entry(page, entry)
    page.locator("#pinned-expand").focus()

    page.keyboard.press("Space")

    expect(page.locator("#pinned-update .pinned-more")).to_have_text("Show less", use_inner_text=True)
    outline = page.locator("#pinned-update .pinned-more").evaluate(
        "element => getComputedStyle(element).outlineStyle"
    )
    assert outline == "solid"


def test_show_more_opens_with_enter_like_the_button_it_looks_like(page, feed):
    entry = make_entry()
    make_update(entry, content=LONG_TEXT, pinned=True)
    open_entry(page, entry)
    page.locator("#pinned-expand").focus()

    page.keyboard.press("Enter")

    expect(page.locator("#pinned-update .pinned-more")).to_have_text("Show less", use_inner_text=True)
    assert page.locator("#pinned-update .pinned-content").evaluate(
        "box => box.scrollHeight === box.clientHeight"
    )


def test_show_more_works_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    entry = make_entry()
    make_update(entry, content=LONG_TEXT, pinned=True)
    page.goto(entry.get_absolute_url())
    content = page.locator("#pinned-update .pinned-content")
    collapsed = content.bounding_box()["height"]

    page.get_by_text("Show more").click()

    expect(page.locator("#pinned-update .pinned-more")).to_have_text("Show less", use_inner_text=True)
    assert content.bounding_box()["height"] > collapsed
    context.close()


def test_keyboard_focus_reaches_the_pinned_posts_links_before_show_more(page, feed):
    entry = make_entry()
    make_update(entry, content="[The statement](https://example.com/s) " + LONG_TEXT, pinned=True)
    open_entry(page, entry)
    page.locator("#pinned-update a", has_text="The statement").focus()

    page.keyboard.press("Tab")

    expect(page.locator("#pinned-expand")).to_be_focused()


def test_a_link_in_the_collapsed_part_of_the_pinned_post_shows_when_it_has_focus(page, feed):
    entry = make_entry()
    make_update(
        entry, content=LONG_TEXT + "\n\n[The full statement](https://example.com/statement)", pinned=True
    )
    open_entry(page, entry)
    link = page.locator("#pinned-update a", has_text="The full statement")
    expect(link).not_to_be_in_viewport()  # clipped: the collapsed box ends above it
    page.locator("#pinned-update .update-time").focus()

    page.keyboard.press("Tab")

    expect(link).to_be_focused()
    assert link.evaluate("link => link.closest('.pinned-content').scrollHeight === "
                         "link.closest('.pinned-content').clientHeight")  # fmt: skip


# Date dividers


def test_update_on_a_new_day_brings_date_dividers_live(page, feed):
    entry = make_entry(order="newest", time_zone="UTC")
    make_update(entry, content="Polls open.", created=START.replace(hour=9))
    make_update(entry, content="Turnout is high.", created=START.replace(hour=15))
    open_entry(page, entry)
    expect(page.locator(".date-divider")).to_have_count(0)

    make_update(entry, content="Counting goes on.", created=START + timedelta(hours=12))
    next_poll(page, feed)

    expect(dividers_and_bodies(page)).to_have_text(
        [THURSDAY, "Counting goes on.", WEDNESDAY, "Turnout is high.", "Polls open."]
    )
    expect(page.locator("h3.date-divider")).to_have_count(2)


def test_last_update_of_another_day_deleted_live_takes_the_dividers_away(page, feed):
    entry = make_entry(order="oldest", time_zone="UTC")
    make_update(entry, content="Polls open.", created=START.replace(hour=9))
    late = make_update(entry, content="Counting goes on.", created=START + timedelta(hours=12))
    open_entry(page, entry)
    expect(page.locator(".date-divider")).to_have_count(2)

    late.delete()
    next_poll(page, feed)

    expect(page.locator(".date-divider")).to_have_count(0)


def test_multi_day_entry_has_date_dividers_in_either_order(page, feed):
    entry = make_entry(order="oldest", time_zone="UTC")
    make_update(entry, content="Polls open.", created=START.replace(hour=9))
    make_update(entry, content="Turnout is high.", created=START.replace(hour=15))
    make_update(entry, content="Counting goes on.", created=START + timedelta(hours=12))
    open_entry(page, entry)
    expect(dividers_and_bodies(page)).to_have_text(
        [WEDNESDAY, "Polls open.", "Turnout is high.", THURSDAY, "Counting goes on."]
    )

    page.locator("#order-toggle [data-order=newest]").click()

    expect(dividers_and_bodies(page)).to_have_text(
        [THURSDAY, "Counting goes on.", WEDNESDAY, "Turnout is high.", "Polls open."]
    )


def test_update_moved_back_a_day_live_moves_across_the_divider(page, feed):
    entry = make_entry(order="oldest", time_zone="UTC")
    make_update(entry, content="Polls open.", created=START.replace(hour=9))
    make_update(entry, content="Counting goes on.", created=START + timedelta(hours=12))
    moved = make_update(entry, content="Moved.", created=START + timedelta(hours=13))
    open_entry(page, entry)

    moved.created = START.replace(hour=10)
    moved.save()
    next_poll(page, feed)

    expect(dividers_and_bodies(page)).to_have_text(
        [WEDNESDAY, "Polls open.", "Moved.", THURSDAY, "Counting goes on."]
    )


# Order


@pytest.mark.parametrize(
    ("order", "expected"), [("newest", ["Second.", "First."]), ("oldest", ["First.", "Second."])]
)
def test_page_is_in_the_entrys_order_by_default(page, feed, order, expected):
    entry = make_entry(order=order)
    make_update(entry, content="First.", created=START.replace(hour=9))
    make_update(entry, content="Second.", created=START.replace(hour=10))
    open_entry(page, entry)

    expect(update_bodies(page)).to_have_text(expected)
    expect(page.locator(f"#order-toggle [data-order={order}]")).to_have_attribute("aria-pressed", "true")


def test_readers_remembered_order_overrides_the_entrys(page, feed):
    entry = make_entry(order="newest")
    make_update(entry, content="First.", created=START.replace(hour=9))
    make_update(entry, content="Second.", created=START.replace(hour=10))
    open_entry(page, entry)
    page.locator("#order-toggle [data-order=oldest]").click()

    page.reload()

    expect(update_bodies(page)).to_have_text(["First.", "Second."])
    expect(page.locator("#order-toggle [data-order=oldest]")).to_have_attribute("aria-pressed", "true")


def test_readers_order_for_one_entry_leaves_other_entries_in_their_authors_order(page, feed):
    election, keynote = make_entry(order="newest"), make_entry(order="newest")
    for entry in (election, keynote):
        make_update(entry, content="First.", created=START.replace(hour=9))
        make_update(entry, content="Second.", created=START.replace(hour=10))
    open_entry(page, election)
    page.locator("#order-toggle [data-order=oldest]").click()

    open_entry(page, keynote)

    expect(update_bodies(page)).to_have_text(["Second.", "First."])
    expect(page.locator("#order-toggle [data-order=newest]")).to_have_attribute("aria-pressed", "true")


def test_pressed_order_button_looks_pressed(page, feed):
    entry = make_entry(order="newest")
    open_entry(page, entry)
    style = "element => [getComputedStyle(element).backgroundColor, getComputedStyle(element).color]"

    pressed = page.locator("#order-toggle [data-order=newest]").evaluate(style)
    unpressed = page.locator("#order-toggle [data-order=oldest]").evaluate(style)

    assert pressed == ["rgb(11, 92, 173)", "rgb(255, 255, 255)"]
    assert unpressed != pressed
    mark = "element => getComputedStyle(element, '::before').borderRightStyle"
    assert page.locator("#order-toggle [data-order=newest]").evaluate(mark) == "solid"


def test_entrys_order_changed_live_is_followed_by_a_reader_who_never_chose(page, feed):
    entry = make_entry(order="oldest")
    make_update(entry, content="First.", created=START.replace(hour=9))
    make_update(entry, content="Second.", created=START.replace(hour=10))
    open_entry(page, entry)

    entry.order = "newest"
    entry.save()
    next_poll(page, feed)

    expect(update_bodies(page)).to_have_text(["Second.", "First."])
    expect(page.locator("#order-toggle [data-order=newest]")).to_have_attribute("aria-pressed", "true")


def test_entrys_order_changed_live_leaves_a_readers_choice_alone(page, feed):
    entry = make_entry(order="oldest")
    make_update(entry, content="First.", created=START.replace(hour=9))
    make_update(entry, content="Second.", created=START.replace(hour=10))
    open_entry(page, entry)
    page.locator("#order-toggle [data-order=oldest]").click()

    entry.order = "newest"
    entry.save()
    next_poll(page, feed)

    expect(update_bodies(page)).to_have_text(["First.", "Second."])


# The end of coverage


def test_a_cached_ended_page_whose_entry_was_resumed_shows_it_live_again(page, feed):
    entry = make_entry(time_zone="UTC")
    entry.end_coverage()

    open_entry(page, entry, after_render=entry.resume_coverage)

    expect(page.locator(".entry-header .badge")).to_have_text(["Live"])
    expect(page.locator("#coverage-ended")).to_be_hidden()
    expect(page.locator("#live-connection")).to_have_text("Live: new updates appear automatically.")


def test_coverage_ended_live_shows_the_ended_badge_and_when(page, feed):
    entry = make_entry(time_zone="UTC")
    open_entry(page, entry)
    expect(page.locator("#coverage-ended")).to_be_hidden()

    entry.end_coverage()
    next_poll(page, feed)

    ended = entry.ended_at()
    expect(page.locator(".entry-header .badge")).to_have_text(["Ended"])
    expect(page.locator(".entry-header .badge")).to_have_class(re.compile(r"\bbadge-ended\b"))
    note = page.locator("#coverage-ended")
    expect(note).to_be_visible()
    expect(note).to_have_text(f"Coverage ended at {ended.label} on {ended.day_label}.")
    expect(note.locator("time")).to_have_attribute("datetime", ended.iso)
    expect(note.locator("time")).to_have_attribute("title", ended.title)
    expect(page.locator("#live-connection")).to_have_text("This live blog has ended.")
