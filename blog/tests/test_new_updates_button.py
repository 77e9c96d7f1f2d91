"""The "N new updates" button in a real browser: new updates that arrive out of view wait for the reader.

New updates land at the top of the stream newest first and at its bottom
oldest first. A reader who is not looking at that end is not moved: the
updates are held behind a fixed button that counts them, and pressing it
inserts them and takes the reader (and keyboard focus) to the first one.
The page's clock is paused as in test_live_page.py, so the page polls only
when a test moves time forward.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from blog.tests.factories import make_entry, make_update
from blog.tests.test_accessibility import axe_violations, describe
from blog.tests.test_live_page import Feed, next_poll, open_entry, update_bodies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORDERS = ["newest", "oldest"]
# Long enough that eight updates run well past a phone's screen.
FILLER = (
    "The speaker walks through the numbers one slide at a time, and the room goes quiet "
    "while the chart fills in, bar by bar, until the last one is higher than all the others. "
) * 3

# Collects layout shifts from the start; the clock Playwright fakes does not touch them.
OBSERVE_LAYOUT_SHIFTS = """(() => {
    window.layoutShifts = [];
    window.layoutShiftObserver = new PerformanceObserver(list => {
        window.layoutShifts.push(...list.getEntries());
    });
    window.layoutShiftObserver.observe({type: "layout-shift", buffered: true});
})()"""

# Waits for the page to draw two frames (intersection observers report once per frame; the
# faked clock stops requestAnimationFrame), then takes the shifts not caused by the reader.
TAKE_UNEXPECTED_SHIFTS = """() => new Promise(resolve => {
    const afterFrame = then => {
        const observer = new IntersectionObserver(() => { observer.disconnect(); then(); });
        observer.observe(document.body);
    };
    afterFrame(() => afterFrame(() => {
        const shifts = window.layoutShifts.concat(window.layoutShiftObserver.takeRecords());
        window.layoutShifts = [];
        resolve(shifts.filter(shift => !shift.hadRecentInput).map(shift => shift.value));
    }));
})"""

# Counts the page's calls to Element.animate: how live.js slides what a change moved.
COUNT_SLIDES = """(() => {
    window.slides = 0;
    const animate = Element.prototype.animate;
    Element.prototype.animate = function (...args) {
        window.slides += 1;
        return animate.apply(this, args);
    };
})()"""

SCROLL_TO = """top => window.scrollTo(0, top ? 0 : document.documentElement.scrollHeight)"""
ARROW = "button => getComputedStyle(button, '::before').content"


@pytest.fixture
def browser_context_args():
    # A phone's screen; axe goes into the page as an inline script, which the CSP would forbid.
    return {"viewport": {"width": 390, "height": 700}, "bypass_csp": True}


@pytest.fixture
def feed(page):
    return Feed(page)


def long_entry(order, **fields):
    entry = make_entry(order=order, **fields)
    for number in range(1, 9):
        make_update(entry, content=f"Update {number}. {FILLER}")
    return entry


def read_at_the_landing_end(page, order):
    """Scroll to where new updates land: the top newest first, the bottom oldest first."""
    page.evaluate(SCROLL_TO, order == "newest")


def read_away_from_the_landing_end(page, order):
    page.evaluate(SCROLL_TO, order != "newest")


def held_update(page, feed, order):
    """Open a long entry, read away from where updates land, and have one arrive: the button holds it."""
    entry = long_entry(order)
    open_entry(page, entry)
    read_away_from_the_landing_end(page, order)
    new = make_update(entry, content="Just in.")
    next_poll(page, feed)
    return new


def new_updates_button(page):
    return page.locator("#new-updates")


def unexpected_shifts(page):
    """Return the layout shifts not caused by the reader's input since the last call."""
    return page.evaluate(TAKE_UNEXPECTED_SHIFTS)


@pytest.mark.parametrize("order", ORDERS)
def test_update_arriving_while_the_landing_end_is_in_view_is_inserted_directly(page, feed, order):
    entry = long_entry(order)
    open_entry(page, entry)
    read_at_the_landing_end(page, order)

    new = make_update(entry, content="Just in.")
    next_poll(page, feed)

    expect(page.locator(f"#update-{new.pk}")).to_be_in_viewport()
    expect(new_updates_button(page)).to_be_hidden()


@pytest.mark.parametrize("order", ORDERS)
def test_an_update_that_would_land_in_the_screens_last_pixels_is_held(page, feed, order):
    # A long intro: newest first, the stream's top can sit at the screen's bottom edge.
    entry = long_entry(order, body="\n\n".join(f"Paragraph {number}. {FILLER}" for number in range(4)))
    open_entry(page, entry)
    page.evaluate(
        """newestFirst => {
            const box = document.getElementById('live-updates').getBoundingClientRect();
            const edge = (newestFirst ? box.top : box.bottom) + window.scrollY;
            window.scrollTo(0, edge - window.innerHeight + 20);
        }""",
        order == "newest",
    )
    scrolled = page.evaluate("() => window.scrollY")

    new = make_update(entry, content="Just in.")
    next_poll(page, feed)

    button = new_updates_button(page)
    expect(button).to_have_text("1 new update")
    assert "\u2193" in button.evaluate(ARROW), "the arrow points away from the update"
    expect(page.locator(f"#update-{new.pk}")).to_have_count(0)
    assert page.evaluate("() => window.scrollY") == scrolled, "the reader was moved"


@pytest.mark.parametrize("order", ORDERS)
def test_updates_arriving_out_of_view_are_held_behind_a_button_that_counts_them(page, feed, order):
    entry = long_entry(order)
    open_entry(page, entry)
    read_away_from_the_landing_end(page, order)
    scrolled = page.evaluate("() => window.scrollY")
    button = new_updates_button(page)

    first = make_update(entry, content="Just in.")
    next_poll(page, feed)
    expect(button).to_have_text("1 new update")
    expect(button).to_be_in_viewport()
    make_update(entry, content="And another.")
    make_update(entry, content="And a third.")
    next_poll(page, feed)

    expect(button).to_have_text("3 new updates")
    expect(page.locator(f"#update-{first.pk}")).to_have_count(0)
    expect(update_bodies(page)).to_have_count(8)
    assert page.evaluate("() => window.scrollY") == scrolled, "the reader was moved"


@pytest.mark.parametrize("order", ORDERS)
def test_a_back_dated_update_goes_in_at_its_place_and_only_new_ones_are_held(page, feed, order):
    entry = long_entry(order)
    oldest = entry.updates.earliest("created")
    open_entry(page, entry)
    read_away_from_the_landing_end(page, order)  # the oldest updates are on the screen

    back_dated = make_update(
        entry, content="Earlier, in the queue.", created=oldest.created - timedelta(minutes=5)
    )
    new = make_update(entry, content="Just in.")
    next_poll(page, feed)

    expect(page.locator(f"#update-{back_dated.pk}")).to_be_in_viewport()
    expect(new_updates_button(page)).to_have_text("1 new update")
    expect(page.locator(f"#update-{new.pk}")).to_have_count(0)


def test_button_points_down_to_a_newest_first_stream_that_starts_below_the_screen(page, feed):
    # A long intro: a reader at the top of the page is above the stream, not in it.
    entry = long_entry(
        "newest", body="\n\n".join(f"Paragraph {number} of the intro. {FILLER}" for number in range(4))
    )
    open_entry(page, entry)
    assert page.evaluate("() => scrollY") == 0
    assert page.evaluate(
        "() => document.getElementById('live-updates').getBoundingClientRect().top > innerHeight"
    )
    button = new_updates_button(page)

    new = make_update(entry, content="Just in.")
    next_poll(page, feed)

    expect(button).to_have_text("1 new update")
    assert "\u2193" in button.evaluate(ARROW), "the arrow points up, away from the update"
    assert button.bounding_box()["y"] > 350, "the button is not at the bottom edge, towards the update"
    button.click()
    expect(page.locator(f"#update-{new.pk}")).to_be_in_viewport()
    expect(page.locator(f"#update-{new.pk}")).to_be_focused()


@pytest.mark.parametrize("order", ORDERS)
def test_button_points_to_a_stream_that_is_above_the_screen_newest_first_or_below_it_oldest_first(
    page, feed, order
):
    entry = long_entry(order)
    open_entry(page, entry)
    read_away_from_the_landing_end(page, order)

    make_update(entry, content="Just in.")
    next_poll(page, feed)

    arrow = new_updates_button(page).evaluate(ARROW)
    assert ("\u2191" if order == "newest" else "\u2193") in arrow


def test_held_updates_are_still_announced(page, feed):
    held_update(page, feed, "oldest")

    expect(new_updates_button(page)).to_be_visible()
    expect(page.locator("#live-announcer")).to_have_text("1 new update")


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("press", ["mouse", "keyboard"])
def test_pressing_the_button_inserts_the_held_updates_and_focuses_the_first(page, feed, order, press):
    entry = long_entry(order)
    open_entry(page, entry)
    read_away_from_the_landing_end(page, order)
    earlier = make_update(entry, content="Just in.")
    later = make_update(entry, content="And another.")
    next_poll(page, feed)
    button = new_updates_button(page)

    if press == "mouse":
        button.click()
    else:
        button.focus()
        page.keyboard.press("Enter")

    first = page.locator(f"#update-{(later if order == 'newest' else earlier).pk}")
    expect(first).to_be_focused()
    expect(first).to_be_in_viewport()
    expect(first).to_have_attribute("tabindex", "-1")
    expect(button).to_be_hidden()
    bodies = update_bodies(page)
    expect(bodies).to_have_count(10)
    expected = ["And another.", "Just in."] if order == "newest" else ["Just in.", "And another."]
    edge = bodies.nth(0) if order == "newest" else bodies.nth(8)
    expect(edge).to_have_text(expected[0])
    if press == "keyboard":
        outline = first.evaluate("element => getComputedStyle(element).outlineStyle")
        assert outline != "none", "the focused update shows no focus"


def test_pressing_the_button_shows_the_day_divider_above_the_first_new_update_whole(page, feed):
    entry = long_entry("newest")
    open_entry(page, entry)
    read_away_from_the_landing_end(page, "newest")
    new = make_update(entry, content="The next morning.", created=timezone.now() + timedelta(days=1))
    next_poll(page, feed)

    new_updates_button(page).click()

    expect(page.locator(f"#update-{new.pk}")).to_be_focused()
    divider = page.locator(f"#update-{new.pk}").locator("xpath=preceding-sibling::*[1]")
    expect(divider).to_have_class("date-divider")
    expect(divider).to_be_in_viewport(ratio=1)


def test_button_appearing_while_focus_is_in_the_stream_is_the_next_tab_stop(page, feed):
    entry = long_entry("newest")
    open_entry(page, entry)
    time_links = page.locator("#live-updates .update-time")
    time_links.nth(5).focus()  # a keyboard reader well down the stream, the top out of view
    button = new_updates_button(page)
    new = make_update(entry, content="Just in.")
    next_poll(page, feed)
    expect(button).to_be_visible()

    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(f"#update-{new.pk}")).to_be_focused()
    expect(page.locator("#live-updates > #new-updates")).to_have_count(0)  # back in its own place, hidden
    page.keyboard.press("Tab")
    expect(time_links.first).to_be_focused()


def test_button_appearing_while_focus_is_elsewhere_keeps_its_place(page, feed):
    held_update(page, feed, "oldest")

    expect(new_updates_button(page)).to_be_visible()
    expect(page.locator("#live-updates #new-updates")).to_have_count(0)


def test_edits_and_deletions_of_shown_updates_apply_at_once_while_updates_are_held(page, feed):
    entry = make_entry(order="oldest")
    shown = [make_update(entry, content=f"Update {number}. {FILLER}") for number in range(1, 9)]
    open_entry(page, entry)
    read_away_from_the_landing_end(page, "oldest")
    make_update(entry, content="Held.")
    next_poll(page, feed)
    expect(new_updates_button(page)).to_have_text("1 new update")

    shown[0].content = "Corrected at once."
    shown[0].save()
    shown[1].delete()
    next_poll(page, feed)

    expect(page.locator(f"#update-{shown[0].pk} .update-body")).to_have_text("Corrected at once.")
    expect(page.locator(f"#update-{shown[1].pk}")).to_have_count(0)
    expect(new_updates_button(page)).to_have_text("1 new update")


def test_edit_of_a_held_update_changes_what_the_button_inserts(page, feed):
    entry = long_entry("oldest")
    open_entry(page, entry)
    read_away_from_the_landing_end(page, "oldest")
    held = make_update(entry, content="Score: 1-0.")
    next_poll(page, feed)

    held.content = "Score: 2-0."
    held.save()
    next_poll(page, feed)
    expect(new_updates_button(page)).to_have_text("1 new update")
    new_updates_button(page).click()

    expect(page.locator(f"#update-{held.pk} .update-body")).to_have_text("Score: 2-0.")
    expect(update_bodies(page)).to_have_count(9)


def test_deletion_of_a_held_update_lowers_the_count_and_keeps_it_off_the_page(page, feed):
    entry = long_entry("newest")
    open_entry(page, entry)
    read_away_from_the_landing_end(page, "newest")
    mistake = make_update(entry, content="Wrong score.")
    kept = make_update(entry, content="Right score.")
    next_poll(page, feed)
    button = new_updates_button(page)
    expect(button).to_have_text("2 new updates")

    mistake.delete()
    next_poll(page, feed)
    expect(button).to_have_text("1 new update")
    button.click()

    expect(page.locator(f"#update-{kept.pk}")).to_be_focused()
    expect(page.locator(f"#update-{mistake.pk}")).to_have_count(0)
    expect(update_bodies(page)).to_have_count(9)


def test_deleting_every_held_update_hides_the_button(page, feed):
    entry = long_entry("oldest")
    open_entry(page, entry)
    read_away_from_the_landing_end(page, "oldest")
    mistake = make_update(entry, content="Posted by mistake.")
    next_poll(page, feed)
    expect(new_updates_button(page)).to_be_visible()

    mistake.delete()
    next_poll(page, feed)

    expect(new_updates_button(page)).to_be_hidden()
    read_at_the_landing_end(page, "oldest")
    expect(update_bodies(page)).to_have_count(8)


def test_key_events_and_the_pinned_post_change_at_once_while_updates_are_held(page, feed):
    entry = long_entry("oldest")
    open_entry(page, entry)
    read_away_from_the_landing_end(page, "oldest")

    make_update(entry, content="The result is in.", headline="Result", key_event=True, pinned=True)
    next_poll(page, feed)

    expect(new_updates_button(page)).to_have_text("1 new update")
    expect(page.locator("#key-events")).to_contain_text("Result")
    expect(page.locator("#pinned-update .update-body")).to_have_text("The result is in.")


@pytest.mark.parametrize("order", ORDERS)
def test_scrolling_to_the_landing_end_inserts_the_held_updates(page, feed, order):
    entry = long_entry(order)
    open_entry(page, entry)
    read_away_from_the_landing_end(page, order)
    new = make_update(entry, content="Just in.")
    next_poll(page, feed)
    expect(new_updates_button(page)).to_be_visible()

    read_at_the_landing_end(page, order)

    expect(page.locator(f"#update-{new.pk}")).to_be_attached()
    expect(new_updates_button(page)).to_be_hidden()


def test_switching_order_inserts_the_held_updates_first(page, feed):
    new = held_update(page, feed, "oldest")
    expect(new_updates_button(page)).to_be_visible()

    page.locator("#order-toggle [data-order=newest]").click()

    expect(update_bodies(page).first).to_have_text("Just in.")
    expect(page.locator(f"#update-{new.pk}")).to_have_class(re.compile(r"\bis-new\b"))
    expect(new_updates_button(page)).to_be_hidden()


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("press", ["mouse", "keyboard"])
def test_button_shifts_no_layout_when_it_appears_and_is_pressed(page, feed, order, press):
    entry = long_entry(order)
    page.add_init_script(OBSERVE_LAYOUT_SHIFTS)
    open_entry(page, entry)
    read_away_from_the_landing_end(page, order)
    unexpected_shifts(page)  # the page's load is another test's matter
    new = make_update(entry, content="Just in.")

    next_poll(page, feed)
    button = new_updates_button(page)
    expect(button).to_be_visible()
    assert unexpected_shifts(page) == []
    if press == "mouse":
        button.click()
    else:
        button.focus()
        page.keyboard.press("Enter")
    expect(page.locator(f"#update-{new.pk}")).to_be_focused()

    assert unexpected_shifts(page) == []


@pytest.mark.parametrize("order", ORDERS)
def test_updates_inserted_where_the_reader_is_looking_shift_no_layout(page, settings, order):
    # On the real clock: the page slides what a change moved (Element.animate), and a faked
    # clock would let a headless browser paint its next frame only once the slide is over.
    settings.LIVE_POLL_INTERVAL = 1
    entry = long_entry(order)
    page.add_init_script(OBSERVE_LAYOUT_SHIFTS)
    page.goto(entry.get_absolute_url())
    read_at_the_landing_end(page, order)
    unexpected_shifts(page)

    new = make_update(entry, content="Just in.")
    expect(page.locator(f"#update-{new.pk}")).to_be_in_viewport()
    assert unexpected_shifts(page) == []

    # A correction makes it taller, its headline makes it a key event listed at the top.
    new.headline = "Breaking"
    new.key_event = True
    new.correction = "Correction: it was the second song, not the first, that the band had never played live."
    new.save()
    expect(page.locator(f"#update-{new.pk} .update-correction")).to_be_visible()
    expect(page.locator("#key-events")).to_contain_text("Breaking")
    assert unexpected_shifts(page) == []


@pytest.mark.parametrize("listed", [2, 6], ids=["box-grows", "oldest-folds-away"])
def test_a_new_key_event_moves_the_rows_of_the_key_events_box_without_a_jump(page, settings, listed):
    settings.LIVE_POLL_INTERVAL = 1
    entry = long_entry("newest")
    for number in range(1, listed + 1):
        make_update(entry, headline=f"Result {number} declared", content="Counted.", key_event=True)
    page.add_init_script(OBSERVE_LAYOUT_SHIFTS)
    page.goto(entry.get_absolute_url())
    expect(page.locator("#key-events")).to_be_in_viewport()
    unexpected_shifts(page)

    make_update(entry, headline="Turnout record", content="The highest since 1992.", key_event=True)

    expect(page.locator("#key-events li").first).to_contain_text("Turnout record")
    assert unexpected_shifts(page) == []


# Records the background each element has as it starts to slide.
RECORD_SLIDING_BACKGROUNDS = """(() => {
    window.slidingBackgrounds = [];
    const animate = Element.prototype.animate;
    Element.prototype.animate = function (...args) {
        const animation = animate.apply(this, args);
        window.slidingBackgrounds.push(getComputedStyle(this).backgroundColor);
        return animation;
    };
})()"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_what_slides_covers_what_appeared_where_it_was_instead_of_drawing_over_it(page, settings, scheme):
    settings.LIVE_POLL_INTERVAL = 1
    page.emulate_media(color_scheme=scheme)
    page.add_init_script(RECORD_SLIDING_BACKGROUNDS)
    entry = long_entry("newest")
    page.goto(entry.get_absolute_url())

    new = make_update(entry, content="Just in.")

    expect(page.locator(f"#update-{new.pk}")).to_be_in_viewport()
    backgrounds = page.evaluate("() => window.slidingBackgrounds")
    assert backgrounds, "nothing slid"
    assert [colour for colour in backgrounds if not colour.startswith("rgb(")] == []


def test_with_reduced_motion_live_changes_are_not_animated(page, settings):
    settings.LIVE_POLL_INTERVAL = 1
    page.emulate_media(reduced_motion="reduce")
    page.add_init_script(COUNT_SLIDES)
    entry = long_entry("newest")
    page.goto(entry.get_absolute_url())

    new = make_update(entry, content="Just in.")

    expect(page.locator(f"#update-{new.pk}")).to_be_in_viewport()
    assert page.evaluate("() => window.slides") == 0


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_with_the_button_shown_has_no_wcag_violations(page, feed, axe_script, scheme):
    page.emulate_media(color_scheme=scheme)
    held_update(page, feed, "oldest")
    expect(new_updates_button(page)).to_be_visible()
    page.clock.resume()  # axe waits on timers, which the paused clock would never fire

    violations = axe_violations(page, axe_script)

    assert not violations, describe(violations)
