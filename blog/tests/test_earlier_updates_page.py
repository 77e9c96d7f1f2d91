"""Earlier updates in a real browser: loaded in place with JavaScript, as archive pages without it."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from blog.models import Entry
from blog.tests.factories import make_entry, make_update
from blog.tests.test_live_page import START, Feed, next_poll, open_entry, update_bodies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def feed(page):
    return Feed(page)


@pytest.fixture(autouse=True)
def pages_of_three(settings):
    settings.LIVE_PAGE_SIZE = 3


def fill(entry, count):
    """Post updates "0" to "count - 1", a minute apart before START; returns them oldest first."""
    return [
        make_update(entry, content=str(number), created=START - timedelta(minutes=count - number))
        for number in range(count)
    ]


def in_order(numbers, order):
    return [str(number) for number in (numbers[::-1] if order == Entry.Order.NEWEST else numbers)]


@pytest.mark.parametrize("order", [Entry.Order.NEWEST, Entry.Order.OLDEST])
def test_earlier_updates_load_in_place_at_the_old_end(page, feed, order):
    entry = make_entry(order=order)
    fill(entry, 10)  # archive pages [0, 1, 2] and [3, 4, 5]; the entry's page 6 to 9
    open_entry(page, entry)
    expect(update_bodies(page)).to_have_text(in_order(list(range(6, 10)), order))
    link = page.get_by_role("link", name="Earlier updates")

    link.click()
    expect(update_bodies(page)).to_have_text(in_order(list(range(3, 10)), order))
    expect(link).to_have_attribute("href", f"/entries/{entry.slug}/pages/1/")
    assert page.url.endswith(entry.get_absolute_url()), "no reload"

    link.click()
    expect(update_bodies(page)).to_have_text(in_order(list(range(10)), order))
    expect(link).to_have_count(0)


@pytest.mark.parametrize("order", [Entry.Order.NEWEST, Entry.Order.OLDEST])
def test_keyboard_focus_stays_on_earlier_updates_then_moves_to_the_first_update_of_the_last_page(
    page, feed, order
):
    entry = make_entry(order=order)
    updates = fill(entry, 10)
    open_entry(page, entry)
    link = page.get_by_role("link", name="Earlier updates")
    link.focus()

    page.keyboard.press("Enter")
    expect(update_bodies(page)).to_have_count(7)
    expect(link).to_be_focused()
    page.keyboard.press("Enter")

    expect(update_bodies(page)).to_have_count(10)
    expect(link).to_have_count(0)
    # The first of the appended page in reading order: "2" newest first, "0" oldest first.
    first = page.locator(f"#update-{updates[2 if order == Entry.Order.NEWEST else 0].pk}")
    expect(first).to_be_focused()
    expect(first).to_be_in_viewport()


def test_earlier_updates_follow_the_readers_order(page, feed):
    entry = make_entry(order=Entry.Order.NEWEST)
    fill(entry, 7)
    open_entry(page, entry)
    page.get_by_role("button", name="Oldest first").click()
    expect(update_bodies(page)).to_have_text(["3", "4", "5", "6"])
    # The old end is now the top: the link moved above the list.
    above = "() => Boolean(document.getElementById('earlier-updates').compareDocumentPosition("
    above += "document.getElementById('live-updates')) & Node.DOCUMENT_POSITION_FOLLOWING)"
    assert page.evaluate(above)
    page.get_by_role("link", name="Earlier updates").click()
    expect(update_bodies(page)).to_have_text([str(number) for number in range(7)])


def test_date_dividers_keep_working_across_appended_pages(page, feed):
    entry = make_entry(order=Entry.Order.NEWEST, time_zone="UTC")
    for number in range(6):  # one a day: 0 to 2 archived, 3 to 5 on the entry's page
        make_update(entry, content=str(number), created=START - timedelta(days=6 - number))
    open_entry(page, entry)
    page.get_by_role("link", name="Earlier updates").click()
    expect(update_bodies(page)).to_have_count(6)
    expect(page.locator("#live-updates > .date-divider")).to_have_count(6)
    # Every update follows its own day's divider.
    days = page.locator("#live-updates > *").evaluate_all(
        "elements => elements.map(e => e.classList.contains('date-divider') ? 'd' : 'u').join('')"
    )
    assert days == "du" * 6


def test_entry_page_within_one_day_of_a_multi_day_entry_keeps_its_date_through_polls(page, feed):
    entry = make_entry(order=Entry.Order.NEWEST, time_zone="UTC")
    for number in range(3):  # the day before: archived
        make_update(entry, content=str(number), created=START - timedelta(days=1, minutes=3 - number))
    for number in range(3, 7):
        make_update(entry, content=str(number), created=START + timedelta(minutes=number))
    open_entry(page, entry)
    dividers = page.locator("#live-updates > .date-divider")
    expect(dividers).to_have_text(["Wednesday 25 November 2026"])

    make_update(entry, content="7", created=START + timedelta(minutes=7))
    next_poll(page, feed)
    expect(update_bodies(page)).to_have_count(5)
    expect(dividers).to_have_text(["Wednesday 25 November 2026"])

    page.get_by_role("link", name="Earlier updates").click()
    expect(dividers).to_have_text(["Wednesday 25 November 2026", "Tuesday 24 November 2026"])


@pytest.mark.parametrize("order", [Entry.Order.NEWEST, Entry.Order.OLDEST])
def test_earlier_updates_without_javascript_are_archive_pages(browser, live_server, order):
    entry = make_entry(order=order)
    fill(entry, 10)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(entry.get_absolute_url())
        page.get_by_role("link", name="Earlier updates").click()
        expect(page).to_have_url(re.compile(rf"/entries/{entry.slug}/pages/2/$"))
        expect(page.locator(".update-body")).to_have_text(in_order([3, 4, 5], order))
        # A reader at the end of an archive page goes on from there; one at its top, from there.
        below = page.get_by_role("navigation", name="Pages of updates, after these")
        below.get_by_role("link", name="Earlier updates").click()
        expect(page.locator(".update-body")).to_have_text(in_order([0, 1, 2], order))
        page.get_by_role("link", name="Newer updates").first.click()
        page.get_by_role("link", name="Newer updates").last.click()
        expect(page).to_have_url(re.compile(rf"/entries/{entry.slug}/$"))
    finally:
        context.close()


def test_permalink_to_an_update_on_an_archive_page_lands_on_it(page, settings):
    settings.LIVE_PAGE_SIZE = 20
    entry = make_entry(order=Entry.Order.OLDEST)
    updates = fill(entry, 60)
    target = updates[39]  # the last of archive page 2, far down it
    page.goto(target.get_absolute_url())
    expect(page).to_have_url(re.compile(rf"/entries/{entry.slug}/pages/2/#update-{target.pk}$"))
    expect(page.locator(f"#update-{target.pk}")).to_be_in_viewport()


def test_permalink_from_a_time_link_lands_on_the_update(page, feed):
    entry = make_entry()
    updates = fill(entry, 7)
    open_entry(page, entry)
    # On the page already: the address bar shows its permalink, without a reload.
    page.locator(f"#update-{updates[6].pk} .update-time").click()
    expect(page).to_have_url(re.compile(rf"/entries/{entry.slug}/updates/{updates[6].pk}/$"))

    page.reload()  # or shared: the permalink redirects to the page that shows the update

    expect(page).to_have_url(re.compile(rf"/entries/{entry.slug}/#update-{updates[6].pk}$"))
    expect(page.locator(f"#update-{updates[6].pk}")).to_be_in_viewport()


def test_changes_to_updates_not_on_the_page_are_ignored(page, feed):
    entry = make_entry(order=Entry.Order.NEWEST)
    updates = fill(entry, 7)  # 0 to 2 archived; 3 to 6 on the entry's page
    open_entry(page, entry)

    updates[0].content = "0, edited"
    updates[0].save()
    updates[1].delete()
    make_update(entry, content="back-dated", created=START - timedelta(hours=1))
    make_update(entry, content="new")
    next_poll(page, feed)

    expect(update_bodies(page)).to_have_text(["new", "6", "5", "4", "3"])
    page.get_by_role("link", name="Earlier updates").click()
    expect(update_bodies(page)).to_have_text(["new", "6", "5", "4", "3", "2", "0, edited", "back-dated"])
