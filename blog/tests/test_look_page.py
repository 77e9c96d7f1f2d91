"""The page's look in Chromium: no layout shift from the script, the dark scheme, motion, code on a phone."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from blog.tests.factories import make_entry, make_update
from blog.tests.test_accessibility import (
    axe_violations,
    describe,
    make_entry_with_updates,
    post_election_night,
)
from blog.tests.test_live_page import Feed, next_poll, open_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Sums every layout shift since the page started (buffered: those before this
# script ran too), as Lighthouse's cumulative layout shift does.
WATCH_LAYOUT_SHIFTS = """(() => {
    window.layoutShift = 0;
    window.layoutShifts = new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
            if (!entry.hadRecentInput) window.layoutShift += entry.value;
        }
    });
    window.layoutShifts.observe({type: "layout-shift", buffered: true});
})()"""

# Shifts found by the last frame but not yet handed to the observer's callback.
TAKE_LAYOUT_SHIFTS = """() => {
    for (const entry of window.layoutShifts.takeRecords()) {
        if (!entry.hadRecentInput) window.layoutShift += entry.value;
    }
    return window.layoutShift;
}"""


@pytest.fixture
def browser_context_args():
    # A phone, where the controls wrap onto lines of their own. axe goes into the page as an inline script.
    return {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "bypass_csp": True}


def layout_shift(page):
    """Cumulative layout shift so far; a screenshot first makes the browser paint a frame, finding any."""
    page.screenshot()
    return page.evaluate(TAKE_LAYOUT_SHIFTS)


def test_script_moves_nothing_through_load_and_a_live_update(page):
    """The order toggle and the status line have their space in the page as the server sends it."""
    feed = Feed(page)
    page.add_init_script(WATCH_LAYOUT_SHIFTS)
    entry = make_entry(order="oldest")
    for number in range(3):
        make_update(entry, content=f"Update {number}: the keynote goes on.")
    open_entry(page, entry)
    assert layout_shift(page) == 0

    update = make_update(entry, content="Just in.")
    next_poll(page, feed)

    expect(page.locator(f"#update-{update.pk}")).to_be_visible()
    assert layout_shift(page) == 0


def test_without_javascript_the_controls_leave_no_gap(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    entry = make_entry()
    make_update(entry, content="Doors are open.")
    page.goto(entry.get_absolute_url())
    expect(page.locator(".update")).to_be_visible()
    expect(page.locator(".live-controls")).to_be_hidden()

    ended = make_entry(ended=timezone.now())
    page.goto(ended.get_absolute_url())
    expect(page.locator("#live-connection")).to_have_text("This live blog has ended.")
    expect(page.locator("#order-toggle")).to_be_hidden()
    context.close()


def test_live_badge_pulses_unless_the_reader_prefers_less_motion(page):
    entry = make_entry()
    page.goto(entry.get_absolute_url())
    animation = "badge => getComputedStyle(badge, '::before').animationName"
    assert page.locator("#live-badge").evaluate(animation) == "pulse"

    page.emulate_media(reduced_motion="reduce")

    assert page.locator("#live-badge").evaluate(animation) == "none"


def test_live_badge_sits_beside_the_title(page):
    entry = make_entry(title="Keynote")
    page.goto(entry.get_absolute_url())
    title = page.locator(".entry-header h1").bounding_box()
    badge = page.locator("#live-badge").bounding_box()
    assert badge["x"] > title["x"] and badge["y"] < title["y"] + title["height"]


def test_a_badge_that_wraps_on_the_home_page_lines_up_with_the_title(page):
    make_entry(title="Keynote")
    page.goto("/")
    # The item just wide enough for the title: the badge goes onto a line of its own.
    page.evaluate(
        """() => {
            const item = document.querySelector('.entry-list li');
            item.style.width = item.querySelector('a').getBoundingClientRect().width + 1 + 'px';
        }"""
    )
    title = page.locator(".entry-list li a").bounding_box()
    badge = page.locator(".entry-list .badge").bounding_box()
    assert badge["y"] >= title["y"] + title["height"], "the badge did not wrap"
    assert badge["x"] == title["x"]


def test_a_long_line_of_code_wraps_on_a_phone(page):
    entry = make_entry()
    make_update(entry, content="```\n" + "curl https://example.com/" + "a-very-long-path/" * 20 + "\n```")
    page.goto(entry.get_absolute_url())
    code = page.locator(".update-body pre")
    expect(code).to_be_visible()
    assert code.evaluate("pre => pre.scrollWidth <= pre.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_in_the_pinned_post_stands_out_from_the_pinned_box(page, scheme):
    page.emulate_media(color_scheme=scheme)
    entry = make_entry()
    make_update(
        entry, content="Run `make demo`, then:\n\n```\ncurl -s https://example.com/\n```", pinned=True
    )
    page.goto(entry.get_absolute_url())
    background = "element => getComputedStyle(element).backgroundColor"
    box = page.locator("#pinned-update").evaluate(background)
    assert page.locator("#pinned-update pre").evaluate(background) != box
    assert page.locator("#pinned-update p code").evaluate(background) != box


def test_dark_scheme_follows_the_readers_setting(page):
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 18, 18)"


def test_dark_scheme_has_no_wcag_violations(page, axe_script):
    """Every part of the page in the dark: key events, pinned post, correction, photo, code, ended."""
    page.emulate_media(color_scheme="dark")
    entry = make_entry_with_updates()
    post_election_night(entry)
    entry.end_coverage()
    page.goto(entry.get_absolute_url())
    expect(page.locator("#live-connection")).to_have_text("This live blog has ended.")
    expect(page.locator("figure.update-photo img")).to_have_js_property("complete", True)
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def test_dark_scheme_live_states_have_no_wcag_violations(page, axe_script):
    """The pressed order button, a highlighted new update, the live badge, the home page."""
    page.emulate_media(color_scheme="dark")
    page.route("**/updates.json?*", lambda route: route.continue_())  # see test_accessibility.py
    entry = make_entry(title="Keynote")
    make_update(entry, content="Doors are open.")
    page.goto(entry.get_absolute_url())
    expect(page.locator("#live-connection")).to_have_text("Live: new updates appear automatically.")
    make_update(entry, content="Just in.", key_event=True, headline="The news")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # poll now
    expect(page.locator(".update.is-new")).to_have_count(1)
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)

    make_entry(title="Yesterday", ended=timezone.now())
    page.goto("/")
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_earlier_updates_and_archive_pages_have_no_wcag_violations(page, axe_script, settings, scheme):
    settings.LIVE_PAGE_SIZE = 2
    page.emulate_media(color_scheme=scheme)
    entry = make_entry(title="Keynote")
    for number in range(6):
        make_update(entry, content=f"Update {number}.")
    page.goto(entry.get_absolute_url())
    expect(page.get_by_role("link", name="Earlier updates")).to_be_visible()
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)

    page.goto(f"{entry.get_absolute_url()}pages/1/")
    expect(page.get_by_role("link", name="Newer updates").first).to_be_visible()
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)
