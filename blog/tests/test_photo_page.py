"""A photo update arriving on an open page, in Chromium: the text being read does not move."""

import pytest
from playwright.sync_api import expect

from blog.tests.factories import attach_photo, make_entry, make_update
from blog.tests.test_live_page import Feed, next_poll, open_entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Sums every layout shift since the page started, including those before this script ran.
WATCH_LAYOUT_SHIFTS = """(() => {
    window.layoutShift = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
            if (!entry.hadRecentInput) window.layoutShift += entry.value;
        }
    }).observe({type: "layout-shift", buffered: true});
})()"""


@pytest.fixture
def browser_context_args():
    return {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}


def test_a_photo_arriving_live_takes_its_space_at_once_so_its_loading_shifts_nothing(page):
    """The update is inserted first; its photo's bytes come later, on conference Wi-Fi.

    The insertion itself is live.js's business (and the reader page's issue); what
    is measured here is the photo's arrival: the updates below it must not move.
    """
    feed = Feed(page)
    held = []
    page.route("**/media/**", lambda route: held.append(route))  # photo bytes wait for the test
    page.add_init_script(WATCH_LAYOUT_SHIFTS)
    entry = make_entry()
    for number in range(3):
        make_update(entry, content=f"Earlier update {number}: " + "the keynote goes on. " * 12)
    open_entry(page, entry)
    # Newest first: the photo lands above the earlier updates.
    page.locator("#order-toggle [data-order=newest]").click()

    update = make_update(entry, content="The stage:")
    attach_photo(update)
    next_poll(page, feed)
    image = page.locator(f"#update-{update.pk} figure.update-photo img")
    expect(image).to_be_visible()
    # A 358 px column at 4:3: the box has the photo's shape before a byte of it arrives.
    box = image.bounding_box()
    assert round(box["height"]) == round(box["width"] * 1200 / 1600)
    for _ in range(200):  # until the browser asks for the photo
        if held:
            break
        page.wait_for_timeout(25)
    assert held, "the browser never asked for the photo"
    page.evaluate("window.layoutShift = 0")

    for route in held:
        route.continue_()
    page.unroute("**/media/**")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0, "the browser fetched and decoded a variant"
    assert page.evaluate("window.layoutShift") == 0


def test_a_reader_without_javascript_sees_the_photo_with_its_description(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    entry = make_entry()
    attach_photo(make_update(entry, content=""), alt="A packed hall, phones held up.")
    page.goto(entry.get_absolute_url())
    image = page.get_by_role("img", name="A packed hall, phones held up.")
    expect(image).to_be_visible()
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    context.close()


@pytest.mark.parametrize("browser_context_args", [{"viewport": {"width": 1280, "height": 800}}])
def test_a_portrait_photo_fits_the_screen_at_its_own_shape(page, live_server):
    entry = make_entry()
    attach_photo(make_update(entry, content="The speaker, from the front row."), width=1200, height=1800)
    page.goto(live_server.url + entry.get_absolute_url())

    image = page.locator("figure.update-photo img")

    assert image.bounding_box()["height"] <= 0.8 * 800 + 1
    assert image.evaluate("image => getComputedStyle(image).objectFit") == "contain"  # whole, not cropped
