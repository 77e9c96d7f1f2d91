"""The live entry page in a real browser: static/blog/live.js polling the feed (docs/api.md).

Every test pauses the page's clock (Playwright's clock API) before the page
loads, so the page polls only when a test moves time forward: a poll interval
costs no real time, and "not before 60 seconds" is exact, not a race. Jitter
is pinned to its least, so each run polls at the same fake times, the earliest
live.js allows.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from blog.tests.factories import make_entry, make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FEED_URL = re.compile(r"/updates\.json\?")
START = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
LIVE = "Live: new updates appear automatically."
LOST = "Connection lost. Retrying…"
ENDED = "This live blog has ended."

# Counts feed requests in the page, as they are made. page.on("request") reports
# them asynchronously, so once the clock has moved it cannot tell "no request"
# from "not reported yet"; this count can, exactly.
COUNT_POLLS = """(() => {
    const fetch = window.fetch;
    window.feedPolls = 0;
    window.fetch = function (resource, options) {
        if (String(resource).includes("/updates.json")) window.feedPolls += 1;
        return fetch.call(this, resource, options);
    };
})()"""

# Headless Chromium's tab is always visible: pretend the reader switched tabs (or came back).
SET_HIDDEN = """hidden => {
    Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
    Object.defineProperty(document, "visibilityState", {
        configurable: true, get: () => (hidden ? "hidden" : "visible"),
    });
    document.dispatchEvent(new Event("visibilitychange"));
}"""

SELECT_CONTENTS = """element => {
    const range = document.createRange();
    range.selectNodeContents(element);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return getSelection().toString();
}"""


class Feed:
    """The page's feed as a test sees it: how often the page polled it, and whether it fails."""

    def __init__(self, page):
        self.page = page
        self.failures_to_serve = 0
        self.failure = {"status": 500, "json": {"error": "The server is having a bad day."}}
        self.stalls_to_serve = 0
        page.add_init_script(COUNT_POLLS)
        # Routing also turns off the browser's HTTP cache. With it on, a poll of an
        # unchanged cursor within max-age *real* seconds (all of a test, in fake
        # time) would be answered from the browser's own copy of the last answer.
        page.route(FEED_URL, self.serve)

    def serve(self, route):
        if self.stalls_to_serve:
            self.stalls_to_serve -= 1
            return  # never answered, like a request lost on flaky Wi-Fi
        if self.failures_to_serve:
            self.failures_to_serve -= 1
            route.fulfill(**self.failure)
        else:
            route.continue_()

    def fail(self, times, **answer):
        """Answer the page's next ``times`` polls with a server error (a 500 unless told)."""
        self.failures_to_serve = times
        self.failure.update(answer)

    def stall(self, times):
        """Leave the page's next ``times`` polls unanswered."""
        self.stalls_to_serve = times

    def polls(self):
        """How many times the page has polled so far."""
        return self.page.evaluate("() => window.feedPolls")


@pytest.fixture
def feed(page):
    return Feed(page)


def open_entry(page, entry, after_render=None):
    """Open the entry's page with its clock paused; wait for the catch-up poll of a live entry.

    ``after_render`` runs once the server has rendered the page and before the
    browser gets it, as when a cache or a slow network delivers an old page.
    """
    page.add_init_script("Math.random = () => 0")  # the least jitter: see the module docstring
    page.clock.install(time=START - timedelta(seconds=1))
    page.clock.pause_at(START)
    url = entry.get_absolute_url()
    if after_render:

        def deliver_late(route):
            # Rendered by Django's test client: route.fetch() would leave a keep-alive
            # connection to the live server open until the session ends.
            rendered = Client().get(url)
            after_render()
            route.fulfill(status=rendered.status_code, headers=dict(rendered.items()), body=rendered.content)

        page.route(re.compile(re.escape(url) + "$"), deliver_late, times=1)
    page.goto(url)
    if entry.is_live:
        # live.js writes the status line whenever a poll is answered.
        expect(page.locator("#live-connection")).to_have_text(LIVE)


def next_poll(page, feed, within=150):
    """Move the page's clock on a second at a time until it polls; return the seconds that took.

    Returns once the page has handled the answer: live.js writes the status
    line, whatever the outcome, just before it schedules the next poll.
    """
    status = page.locator("#live-connection")
    status.evaluate("element => { element.textContent = '' }")
    polls = feed.polls()
    for second in range(1, within + 1):
        page.clock.run_for(1000)
        if feed.polls() > polls:
            expect(status).to_have_text(re.compile(r"\S"))
            return second
    raise AssertionError(f"The page did not poll within {within} seconds.")


def set_hidden(page, hidden):
    page.evaluate(SET_HIDDEN, hidden)


def update_bodies(page):
    return page.locator("#live-updates .update-body")


def test_new_update_appears_without_reload_and_keeps_the_readers_selection(page, feed):
    entry = make_entry(order="oldest")
    make_update(entry, content="Doors are open.")
    make_update(entry, content="The band is on stage.")
    open_entry(page, entry)
    selected = update_bodies(page).first.evaluate(SELECT_CONTENTS)
    assert selected.strip() == "Doors are open."

    make_update(entry, content="First song: a new one.")
    next_poll(page, feed)

    expect(update_bodies(page)).to_have_text(
        ["Doors are open.", "The band is on stage.", "First song: a new one."]
    )
    assert page.evaluate("() => getSelection().toString()") == selected


@pytest.mark.parametrize(
    ("change", "shown_by"),
    [
        ({"correction": "Correction: the venue is Hall B."}, ".update-correction"),
        ({"pinned": True}, ".tag-pinned"),
        ({"key_event": True}, ".tag-key-event"),
    ],
    ids=["correction", "pin", "key-event"],
)
def test_an_edit_that_leaves_the_text_as_it_was_keeps_the_readers_selection(page, feed, change, shown_by):
    entry = make_entry()
    update = make_update(
        entry,
        headline='Fix for "quotes" & co',
        content="Wrap the `<div>` in a [`<main>`](https://example.com/a?b=1&c=2) & ship it:\n\n"
        "    el.innerHTML = '<p>';",
    )
    open_entry(page, entry)
    selected = page.locator(f"#update-{update.pk} .update-body").evaluate(SELECT_CONTENTS)
    assert "<div>" in selected

    for name, value in change.items():
        setattr(update, name, value)
    update.save()
    next_poll(page, feed)

    expect(page.locator(f"#update-{update.pk} {shown_by}")).to_be_visible()
    assert page.evaluate("() => getSelection().toString()") == selected


def test_a_key_event_on_the_page_is_reached_without_a_reload(page, feed):
    entry = make_entry(order="oldest")
    opening = make_update(entry, headline="Keynote starts", content="Lights down.", key_event=True)
    for number in range(8):
        make_update(entry, content=f"Slide {number}. " + "The speaker walks through the numbers. " * 12)
    open_entry(page, entry)
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.evaluate("() => { window.sameDocument = true; }")

    page.locator("#key-events").get_by_role("link", name=re.compile("Keynote starts")).click()

    target = page.locator(f"#update-{opening.pk}")
    expect(target).to_be_focused()
    expect(target).to_be_in_viewport()
    assert page.url.endswith(f"/entries/{entry.slug}/updates/{opening.pk}/")
    assert page.evaluate("() => window.sameDocument"), "the page was loaded again"


def test_the_update_a_link_led_to_is_the_one_highlighted(page, feed):
    entry = make_entry(order="oldest", ended=timezone.now())
    opening = make_update(entry, headline="Keynote starts", content="Lights down.", key_event=True)
    result = make_update(entry, headline="Result", content="Yes.", key_event=True)
    page.goto(opening.get_absolute_url())  # redirected to #update-<id>: the opening is the :target
    background = "id => getComputedStyle(document.getElementById('update-' + id)).backgroundColor"
    highlighted = page.evaluate(background, opening.pk)
    assert highlighted != "rgba(0, 0, 0, 0)"

    page.locator("#key-events").get_by_role("link", name=re.compile("Result")).click()

    expect(page.locator(f"#update-{result.pk}")).to_be_focused()
    assert page.evaluate(background, result.pk) == highlighted
    assert page.evaluate(background, opening.pk) == "rgba(0, 0, 0, 0)"

    page.go_back()  # to the page as it opened, at #update-<opening>

    expect(page).to_have_url(re.compile(rf"#update-{opening.pk}$"))
    assert page.evaluate(background, opening.pk) == highlighted
    assert page.evaluate(background, result.pk) == "rgba(0, 0, 0, 0)"


def test_an_update_that_arrived_live_is_highlighted_when_a_link_leads_to_it(page, feed):
    page.emulate_media(reduced_motion="reduce")  # the arrival's highlight goes without a fade
    entry = make_entry(order="oldest")
    make_update(entry, content="Doors open.")
    open_entry(page, entry)
    result = make_update(entry, headline="Result", content="Yes.", key_event=True)
    next_poll(page, feed)
    page.clock.run_for(5000)
    arrived = page.locator(f"#update-{result.pk}")
    expect(arrived).to_have_css("background-color", "rgba(0, 0, 0, 0)")

    page.locator("#key-events").get_by_role("link", name=re.compile("Result")).click()

    expect(arrived).to_be_focused()
    expect(arrived).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")


def test_skipping_to_the_content_highlights_no_part_of_the_page(page, feed):
    entry = make_entry(ended=timezone.now())
    make_update(entry, content="Lights down.")
    page.goto(entry.get_absolute_url() + "#main")

    assert page.evaluate("() => getComputedStyle(document.getElementById('main')).backgroundColor") == (
        "rgba(0, 0, 0, 0)"
    )


def test_a_permalink_to_an_update_not_on_the_page_is_followed(page, feed):
    entry = make_entry(order="oldest")
    make_update(entry, content="Doors open.")
    open_entry(page, entry)
    elsewhere = make_update(entry, headline="Result", content="Yes.", key_event=True)
    next_poll(page, feed)
    page.evaluate("(id) => document.getElementById('update-' + id).remove()", elsewhere.pk)

    page.locator("#key-events").get_by_role("link", name=re.compile("Result")).click()

    expect(page).to_have_url(re.compile(rf"/entries/{entry.slug}/#update-{elsewhere.pk}$"))


def test_edited_update_changes_in_place(page, feed):
    entry = make_entry()
    update = make_update(entry, content="Doors open at eight.")
    make_update(entry, content="Queue is long.")
    open_entry(page, entry)
    element = page.locator(f"#update-{update.pk}").element_handle()

    update.content = "Doors open **now**."
    update.save()
    next_poll(page, feed)

    expect(page.locator(f"#update-{update.pk} .update-body strong")).to_have_text("now")
    assert element.evaluate("element => element.isConnected"), "the edit replaced the element"
    assert element.inner_text().endswith("Doors open now.")
    expect(update_bodies(page)).to_have_count(2)


def test_deleted_update_disappears(page, feed):
    entry = make_entry()
    mistake = make_update(entry, content="Wrong score: 3-0.")
    make_update(entry, content="Half time.")
    open_entry(page, entry)
    expect(page.locator(f"#update-{mistake.pk}")).to_be_visible()

    mistake.delete()
    next_poll(page, feed)

    expect(page.locator(f"#update-{mistake.pk}")).to_have_count(0)
    expect(update_bodies(page)).to_have_text(["Half time."])


def test_page_delivered_after_a_new_update_catches_up_at_once(page, feed):
    """An update posted after the page was rendered shows before any poll interval has passed."""
    entry = make_entry(order="oldest")
    make_update(entry, content="Doors are open.")

    open_entry(page, entry, after_render=lambda: make_update(entry, content="Posted after rendering."))

    expect(update_bodies(page)).to_have_text(["Doors are open.", "Posted after rendering."])
    assert feed.polls() == 1
    assert page.evaluate("() => Date.now()") == START.timestamp() * 1000, "the clock moved"


def order_button(page, order):
    return page.locator(f"#order-toggle [data-order={order}]")


def test_order_toggle_switches_between_oldest_and_newest_first(page, feed):
    entry = make_entry(order="oldest")
    for content in ["First.", "Second.", "Third."]:
        make_update(entry, content=content)
    open_entry(page, entry)
    newest, oldest = order_button(page, "newest"), order_button(page, "oldest")
    expect(update_bodies(page)).to_have_text(["First.", "Second.", "Third."])
    expect(oldest).to_have_attribute("aria-pressed", "true")
    expect(newest).to_have_attribute("aria-pressed", "false")

    newest.click()
    expect(update_bodies(page)).to_have_text(["Third.", "Second.", "First."])
    expect(newest).to_have_attribute("aria-pressed", "true")
    expect(oldest).to_have_attribute("aria-pressed", "false")

    oldest.click()
    expect(update_bodies(page)).to_have_text(["First.", "Second.", "Third."])
    expect(oldest).to_have_attribute("aria-pressed", "true")
    expect(newest).to_have_attribute("aria-pressed", "false")


def test_newest_first_order_survives_a_reload(page, feed):
    entry = make_entry(order="oldest")
    for content in ["First.", "Second.", "Third."]:
        make_update(entry, content=content)
    open_entry(page, entry)
    order_button(page, "newest").click()

    page.reload()

    expect(update_bodies(page)).to_have_text(["Third.", "Second.", "First."])
    expect(order_button(page, "newest")).to_have_attribute("aria-pressed", "true")


def test_new_update_lands_on_top_in_newest_first_order(page, feed):
    entry = make_entry(order="newest")
    for content in ["First.", "Second."]:
        make_update(entry, content=content)
    open_entry(page, entry)

    make_update(entry, content="Third.")
    next_poll(page, feed)

    expect(update_bodies(page)).to_have_text(["Third.", "Second.", "First."])


@pytest.mark.parametrize(
    ("newest_first", "expected"),
    [(False, ["At 10:00.", "At 10:30.", "At 11:00."]), (True, ["At 11:00.", "At 10:30.", "At 10:00."])],
)
def test_back_dated_update_lands_at_its_place_in_time(page, feed, newest_first, expected):
    entry = make_entry(order="newest" if newest_first else "oldest")
    make_update(entry, content="At 10:00.", created=START.replace(hour=10))
    make_update(entry, content="At 11:00.", created=START.replace(hour=11))
    open_entry(page, entry)

    make_update(entry, content="At 10:30.", created=START.replace(hour=10, minute=30))
    next_poll(page, feed)

    expect(update_bodies(page)).to_have_text(expected)


def test_edit_that_changes_an_updates_time_moves_it(page, feed):
    entry = make_entry(order="oldest")
    moved = make_update(entry, content="Moved.", created=START.replace(hour=9))
    make_update(entry, content="Stays.", created=START.replace(hour=10))
    open_entry(page, entry)

    moved.created = START.replace(hour=11)
    moved.save()
    next_poll(page, feed)

    expect(update_bodies(page)).to_have_text(["Stays.", "Moved."])


def test_hidden_tab_polls_at_most_once_a_minute(page, feed):
    entry = make_entry()
    open_entry(page, entry)

    set_hidden(page, True)
    waits = [next_poll(page, feed) for _ in range(3)]

    assert all(wait >= 60 for wait in waits), waits


def test_hidden_tab_polls_at_most_once_a_minute_while_the_server_fails(page, feed):
    entry = make_entry()
    open_entry(page, entry)

    set_hidden(page, True)
    feed.fail(times=3)
    waits = [next_poll(page, feed) for _ in range(3)]

    assert all(wait >= 60 for wait in waits), waits
    expect(page.locator("#live-connection")).to_have_text(LOST)


def test_hidden_tab_counts_new_updates_in_its_title(page, feed):
    entry = make_entry(title="Keynote")
    make_update(entry, content="Doors are open.")
    open_entry(page, entry)
    set_hidden(page, True)

    make_update(entry, content="The CEO walks on stage.")
    make_update(entry, content="A new phone.")
    next_poll(page, feed)
    expect(page).to_have_title("(2) Keynote · Liveblog")

    make_update(entry, content="A faster laptop.")
    next_poll(page, feed)
    expect(page).to_have_title("(3) Keynote · Liveblog")


def test_returning_to_a_hidden_tab_polls_at_once_and_restores_the_title(page, feed):
    entry = make_entry(title="Keynote")
    open_entry(page, entry)
    set_hidden(page, True)
    make_update(entry, content="The CEO walks on stage.")
    next_poll(page, feed)
    expect(page).to_have_title("(1) Keynote · Liveblog")
    make_update(entry, content="Posted while the reader was away.")
    polls = feed.polls()

    set_hidden(page, False)

    expect(page.get_by_text("Posted while the reader was away.")).to_be_visible()
    expect(page).to_have_title("Keynote · Liveblog")
    assert feed.polls() == polls + 1


def test_entry_ending_while_the_page_is_open_stops_polling_and_says_so(page, feed):
    entry = make_entry()
    open_entry(page, entry)
    expect(page.locator("#live-badge")).to_be_visible()

    entry.end_coverage()
    next_poll(page, feed)

    expect(page.locator("#live-connection")).to_have_text(ENDED)
    expect(page.locator("#live-badge")).to_have_count(0)
    polls = feed.polls()
    page.clock.run_for("01:00:00")
    assert feed.polls() == polls


def test_page_of_an_ended_entry_says_so_and_never_polls_after_catching_up(page, feed):
    entry = make_entry(ended=timezone.now())
    update = make_update(entry, content="Final score: 2-1.")

    def correct_the_score():
        update.content = "Final score: 2-2."
        update.save()

    open_entry(page, entry, after_render=correct_the_score)
    expect(update_bodies(page)).to_have_text(["Final score: 2-2."])
    expect(page.locator("#live-connection")).to_have_text(ENDED)

    page.clock.run_for("01:00:00")
    assert feed.polls() == 1


def test_server_errors_make_the_page_back_off_then_recover(page, feed):
    entry = make_entry()
    open_entry(page, entry)
    status = page.locator("#live-connection")

    feed.fail(times=3)
    next_poll(page, feed)
    expect(status).to_have_text(LOST)
    waits = [next_poll(page, feed), next_poll(page, feed)]
    expect(status).to_have_text(LOST)
    make_update(entry, content="Back online.")
    waits.append(next_poll(page, feed))  # this one is answered

    assert waits[0] >= 20 and waits[1] >= 40 and waits[2] >= 80, waits  # doubled after each failure
    expect(page.get_by_text("Back online.")).to_be_visible()
    expect(status).to_have_text(LIVE)
    assert next_poll(page, feed) <= 12, "the back-off did not reset after a good answer"


def test_a_server_that_says_when_to_come_back_is_obeyed(page, feed):
    """During a database outage the feed answers 503 with Retry-After (liveblog/errors.py)."""
    entry = make_entry()
    open_entry(page, entry)
    feed.fail(times=1, status=503, headers={"Retry-After": "150"}, json={"error": "Briefly unavailable."})
    next_poll(page, feed)
    expect(page.locator("#live-connection")).to_have_text(LOST)
    # The usual back-off after one failure is 20 s, and it never goes past 120 s.
    assert next_poll(page, feed, within=200) >= 150, "it came back before the server asked"
    expect(page.locator("#live-connection")).to_have_text(LIVE)
    assert next_poll(page, feed) <= 12, "a good answer forgets the server's wait"


def test_updates_arriving_together_are_announced_once_and_highlighted(page, feed):
    entry = make_entry()
    old = make_update(entry, content="Doors are open.")
    open_entry(page, entry)
    announcer = page.locator("#live-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")

    first = make_update(entry, content="The CEO walks on stage.")
    second = make_update(entry, content="A new phone.")
    next_poll(page, feed)

    expect(announcer).to_have_text("2 new updates")
    expect(page.locator(f"#update-{first.pk}")).to_have_class(re.compile(r"\bis-new\b"))
    expect(page.locator(f"#update-{second.pk}")).to_have_class(re.compile(r"\bis-new\b"))
    expect(page.locator(f"#update-{old.pk}")).not_to_have_class(re.compile(r"\bis-new\b"))


def test_a_request_that_never_answers_is_given_up_and_retried(page, feed):
    entry = make_entry()
    open_entry(page, entry)
    feed.stall(1)
    status = page.locator("#live-connection")
    polls = feed.polls()
    for _ in range(15):
        page.clock.run_for(1000)
        if feed.polls() > polls:
            break

    page.clock.run_for(19_000)
    expect(status).to_have_text(LIVE)  # still waiting, within the 20-second timeout
    page.clock.run_for(1_000)
    expect(status).to_have_text(LOST)
    make_update(entry, content="Still here.")
    next_poll(page, feed)
    expect(update_bodies(page)).to_have_text(["Still here."])
    expect(status).to_have_text(LIVE)


def test_coming_back_online_polls_at_once(page, feed):
    entry = make_entry()
    open_entry(page, entry)
    feed.fail(1)
    next_poll(page, feed)
    expect(page.locator("#live-connection")).to_have_text(LOST)
    polls = feed.polls()

    make_update(entry, content="Posted while offline.")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")

    expect(update_bodies(page)).to_have_text(["Posted while offline."])
    assert feed.polls() == polls + 1


def test_one_new_update_after_another_is_announced_each_time(page, feed):
    """A live region set to the text it already has is not read again."""
    entry = make_entry()
    open_entry(page, entry)
    announcer = page.locator("#live-announcer")
    texts = []
    for content in ["First.", "Second."]:
        make_update(entry, content=content)
        next_poll(page, feed)
        expect(announcer).to_have_text("1 new update")
        texts.append(announcer.text_content())
    assert texts[0] != texts[1]


def test_renamed_entry_and_new_time_zone_reach_the_open_page(page, feed):
    entry = make_entry(title="Keynot", time_zone="UTC")
    update = make_update(entry, content="Doors.", created=START.replace(hour=10))
    open_entry(page, entry)

    entry.title = "Keynote"
    entry.time_zone = "Europe/Paris"
    entry.save()
    next_poll(page, feed)

    expect(page.locator("h1")).to_have_text("Keynote")
    expect(page).to_have_title("Keynote · Liveblog")
    expect(page.locator(f"#update-{update.pk} .update-time time")).to_have_text("11:00 CET")


def test_a_title_with_dollar_signs_reaches_the_tab_as_typed(page, feed):
    """String.replace would read "$&" and "$'" in a new title as patterns and garble the tab's title."""
    entry = make_entry(title="Pricing")
    open_entry(page, entry)
    entry.title = "Pricing: $& and $' and $$"
    entry.save()
    next_poll(page, feed)
    expect(page).to_have_title("Pricing: $& and $' and $$ · Liveblog")
