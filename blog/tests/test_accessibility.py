"""Accessibility in a real browser: axe-core's WCAG 2.0 and 2.1 A/AA rules, and the keyboard."""

import json
import re
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from blog.tests.factories import attach_photo, make_entry, make_update

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Runs in the page: only what a failure message needs, so the result is small and serializable.
RUN_AXE = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}}).then(results =>
    results.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
    })))"""


@pytest.fixture
def browser_context_args():
    # axe goes into the page as an inline script, which a Content-Security-Policy may forbid.
    return {"bypass_csp": True}


def axe_violations(page, axe_script):
    """Run axe's WCAG A and AA rules on the loaded page and return its violations."""
    page.add_script_tag(path=axe_script)
    return page.evaluate(RUN_AXE, WCAG_A_AA)


def describe(violations):
    """Format axe's violations for a failing assertion: rule, help, and each offending node."""
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(t if isinstance(t, str) else json.dumps(t) for t in node["target"])
            lines.append(f"  * {target}: {node['html']}")
            lines.extend(f"      {line}" for line in node["summary"].splitlines())
    return "\n".join(lines)


def make_entry_with_updates():
    entry = make_entry(
        title="Product launch", body="Live from the *main stage*. [Schedule](https://example.com/)"
    )
    make_update(entry, content="Doors are open. Follow along on [the site](https://example.com/live).")
    make_update(
        entry,
        content=(
            "## What was announced\n\n"
            "- A new phone\n- A **faster** laptop\n- `beta` access for everyone\n\n"
            "> This is the best thing we have ever made.\n\n"
            "Install it with:\n\n```\npip install liveblog\n```"
        ),
    )
    make_update(entry, content="1. Questions\n2. Answers\n\nMail [the team](mailto:team@example.com).")
    photo_update = make_update(entry, content="The new phone, up close:")
    attach_photo(photo_update, alt="A black phone on a white stand, its screen showing the offline banner.")
    return entry


def test_home_page_has_no_wcag_violations(page, axe_script):
    make_entry(title="Keynote")
    make_entry(title="Election night", ended=timezone.now())
    page.goto("/")
    expect(page.get_by_role("link", name="Election night")).to_be_visible()
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def test_entry_page_with_rich_updates_has_no_wcag_violations(page, axe_script):
    entry = make_entry_with_updates()
    page.goto(entry.get_absolute_url())
    expect(page.locator(".update")).to_have_count(4)
    expect(page.locator("figure.update-photo img")).to_have_js_property("complete", True)
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def test_live_states_have_no_wcag_violations(page, axe_script):
    """The reader's own order, a highlighted new update, and the connection status line."""
    entry = make_entry_with_updates()
    # Routed requests skip the browser's HTTP cache, which would answer a second
    # poll of the same cursor within max-age from its copy of the first.
    page.route("**/updates.json?*", lambda route: route.continue_())
    page.goto(entry.get_absolute_url())
    expect(page.locator("#live-connection")).to_have_text("Live: new updates appear automatically.")
    page.locator("#order-toggle [data-order=oldest]").click()
    # At the bottom, where it lands oldest first: out of view it would wait behind a button.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    make_update(entry, content="Just in.")
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # poll now
    expect(page.locator(".update.is-new")).to_have_count(1)
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def test_ended_entry_page_has_no_wcag_violations(page, axe_script):
    entry = make_entry(title="Yesterday's keynote", ended=timezone.now())
    make_update(entry, content="That's all, folks.")
    page.goto(entry.get_absolute_url())
    expect(page.locator("#live-connection")).to_have_text("This live blog has ended.")
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def election_night(**fields):
    return make_entry(title="Election night", show_bylines=True, time_zone="UTC", **fields)


def post_election_night(entry):
    """Post every part of issue 10: key events, a long pinned post, bylines, a correction, two days."""
    author = get_user_model().objects.create_user("ada", first_name="Ada", last_name="Lovelace")
    night = datetime(2026, 11, 3, 20, 0, tzinfo=UTC)
    make_update(entry, content="Polls open.", created=night.replace(hour=7), author=author)
    make_update(
        entry,
        headline="Polls close",
        key_event=True,
        content="Polls have closed. Counting begins.",
        correction="Correction: polls closed at 8, not 9.",
        created=night,
        author=author,
    )
    make_update(
        entry,
        headline="What we know",
        pinned=True,
        content="## Turnout\n\n"
        + "\n\n".join(f"Region {number} reports a high turnout." for number in range(40)),
        created=night.replace(hour=21),
        author=author,
    )
    make_update(
        entry,
        headline="First result",
        key_event=True,
        content="## County one\n\nThe first county reports.",
        created=night + timedelta(hours=6),
        author=author,
    )


def test_newsroom_entry_page_has_no_wcag_violations_collapsed_or_expanded(page, axe_script):
    """Key events, a long pinned post, bylines, a correction, date dividers, an ended entry."""
    entry = election_night()
    post_election_night(entry)
    entry.end_coverage()
    page.goto(entry.get_absolute_url())
    expect(page.locator("#live-connection")).to_have_text("This live blog has ended.")
    expect(page.locator(".date-divider")).to_have_count(2)
    expect(page.locator("#pinned-update")).to_have_class(re.compile(r"\bis-long\b"))
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)

    page.locator("#pinned-update .pinned-more").click()
    expect(page.locator("#pinned-expand")).to_be_checked()
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def test_newsroom_parts_arriving_live_have_no_wcag_violations(page, axe_script):
    """The same parts, each made by live.js from the feed, then the end of coverage."""
    page.route("**/updates.json?*", lambda route: route.continue_())  # see test_live_states_...
    entry = election_night()
    page.goto(entry.get_absolute_url())
    expect(page.locator("#live-connection")).to_have_text("Live: new updates appear automatically.")

    post_election_night(entry)
    entry.end_coverage()
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # poll now

    expect(page.locator("#live-connection")).to_have_text("This live blog has ended.")
    expect(page.locator(".date-divider")).to_have_count(2)
    expect(page.locator("#key-events li")).to_have_count(2)
    expect(page.locator("#pinned-update")).to_have_class(re.compile(r"\bis-long\b"))
    expect(page.locator(".badge-ended")).to_be_visible()
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def test_not_found_page_has_no_wcag_violations(page, axe_script):
    response = page.goto("/entries/no-such-event/")
    assert response.status == HTTPStatus.NOT_FOUND
    violations = axe_violations(page, axe_script)
    assert not violations, describe(violations)


def test_first_tab_on_entry_page_shows_and_focuses_the_skip_link(page):
    entry = make_entry_with_updates()
    page.goto(entry.get_absolute_url())
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()


def test_skip_link_moves_focus_to_the_main_content(page):
    entry = make_entry_with_updates()
    page.goto(entry.get_absolute_url())
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
