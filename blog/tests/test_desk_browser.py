"""The live desk in a real browser (issue 12): post, fix and illustrate in seconds, never lose a word.

Each test logs an author in by handing the browser a session made with
``Client.force_login``, opens the desk of one entry and works it with the
keyboard and the mouse as an author would. The desk's page runs under its
Content-Security-Policy, except where axe (an inline script) goes in.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from blog.models import KEY_EVENT_NEEDS_HEADLINE, LiveUpdate
from blog.tests.conftest import AXE_SCRIPT
from blog.tests.factories import attach_photo, make_entry, make_update, make_user
from blog.tests.test_accessibility import RUN_AXE, WCAG_A_AA, describe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUTHOR_PERMISSIONS = [
    "add_liveupdate",
    "change_liveupdate",
    "delete_liveupdate",
    "view_liveupdate",
    "change_entry",
    "view_entry",
]

# Hands a photo made in the page (a screenshot of a slide) to an element, as a drop or a paste
# does: a DataTransfer holding a File, in the event the browser would dispatch.
GIVE_PHOTO = """async ([selector, how]) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 48;
    const context = canvas.getContext("2d");
    context.fillStyle = "#c83c1e";
    context.fillRect(0, 0, 64, 48);
    const blob = await new Promise(resolve => canvas.toBlob(resolve, "image/png"));
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], "slide.png", {type: "image/png"}));
    const target = document.querySelector(selector);
    const options = {bubbles: true, cancelable: true};
    if (how === "paste") {
        target.dispatchEvent(new ClipboardEvent("paste", {...options, clipboardData: transfer}));
    } else {
        for (const type of ["dragenter", "dragover", "drop"]) {
            target.dispatchEvent(new DragEvent(type, {...options, dataTransfer: transfer}));
        }
    }
}"""


def log_in(page, live_server, permissions=AUTHOR_PERMISSIONS, **fields):
    """Give the browser the session of a staff author with these blog permissions."""
    fields.setdefault("username", "ada")
    fields.setdefault("first_name", "Ada")
    fields.setdefault("last_name", "Lovelace")
    user = make_user(is_staff=True, **fields)
    codenames = Permission.objects.filter(content_type__app_label="blog", codename__in=permissions)
    user.user_permissions.set(codenames)
    client = Client()
    client.force_login(user)
    session = client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    return user


@pytest.fixture
def author(page, live_server):
    return log_in(page, live_server)


@pytest.fixture
def blocked(page):
    """What the Content-Security-Policy refused on the page, as the console reports it."""
    messages = []
    page.on(
        "console",
        lambda message: messages.append(message.text) if "Content Security" in message.text else None,
    )
    return messages


def open_desk(page, entry):
    page.goto(reverse("admin:blog_entry_desk", args=[entry.pk]))
    # The stream has loaded once its first request is answered.
    expect(page.locator("#desk-stream-state")).to_have_text("")


def composer(page):
    return page.locator('.desk-composer form[data-prefix="composer"]')


def stream_item(page, update):
    return page.locator(f"#desk-update-{update.pk}")


def stream_texts(page):
    return page.locator("#desk-updates > .desk-update .desk-update-body")


def editing(page, content):
    """Open the desk of a new entry with one update of ``content`` and that update's editor."""
    entry = make_entry()
    update = make_update(entry, content=content)
    open_desk(page, entry)
    item = stream_item(page, update)
    item.get_by_role("button", name="Edit").click()
    return update, item


def editing_while_a_colleague_saves(page):
    """Open an update in the editor, write "Mine.", and have a colleague save "Theirs." meanwhile."""
    update, item = editing(page, "Original.")
    item.get_by_label("Update (markdown)").fill("Mine.")
    update.content = "Theirs."
    update.save()
    return update, item


def lose_the_answer_to_the_first_post(page):
    """The first post reaches the server, which commits the update, but its answer never arrives."""
    lost = []

    def lose_the_first_answer(route):
        if route.request.method == "POST" and not lost:
            lost.append(route.fetch())
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/desk/updates.json", lose_the_first_answer)


@pytest.mark.parametrize("keys", ["Control+Enter", "Meta+Enter"])
def test_the_composer_has_the_focus_and_ctrl_or_cmd_enter_posts(page, author, blocked, keys):
    entry = make_entry()
    make_update(entry, content="Doors are open.")
    open_desk(page, entry)
    text = page.get_by_label("Update (markdown)")
    expect(text).to_be_focused()

    page.keyboard.type("The keynote starts.")
    page.keyboard.press(keys)

    expect(stream_texts(page).first).to_have_text("The keynote starts.")
    expect(text).to_have_value("")
    expect(text).to_be_focused()
    update = LiveUpdate.objects.get(entry=entry, content="The keynote starts.")
    assert update.author == author
    assert not blocked, blocked


def hold_posts(page):
    """Hold each post to the stream on its way; returns the held routes, to answer later."""
    held = []

    def hold(route):
        if route.request.method == "POST":
            held.append(route)
        else:
            route.continue_()

    page.route("**/desk/updates.json", hold)
    return held


def answer_held(page, held):
    """Let the held post reach the server and its answer reach the page."""
    for _ in range(200):  # the route handler runs while Playwright waits on the page
        if held:
            break
        page.wait_for_timeout(10)
    route = held.pop(0)
    route.fulfill(response=route.fetch())


def test_words_typed_while_a_post_is_on_its_way_stay_and_the_posted_text_goes(page, author):
    entry = make_entry()
    open_desk(page, entry)
    held = hold_posts(page)
    text = page.get_by_label("Update (markdown)")
    page.keyboard.type("T0_0 first")
    page.keyboard.press("Control+Enter")
    page.keyboard.type(" T0_0 next")

    answer_held(page, held)

    status = composer(page).locator(".desk-status-text")
    expect(status).to_have_text("Posted. What you typed since is kept here.")
    expect(text).to_have_value("T0_0 next")
    page.keyboard.type(" and on")  # the same burst of typing
    expect(status).to_have_text("Posted. What you typed since is kept here.")
    page.unroute("**/desk/updates.json")
    page.keyboard.press("Control+Enter")
    expect(stream_texts(page)).to_have_text(["T0_0 next and on", "T0_0 first"])
    assert LiveUpdate.objects.filter(entry=entry).count() == 2


REWRITTEN_WHILE_POSTING = (
    "Posted as it was when you pressed Post. Your changes since are kept here: "
    "apply them as an edit of that update, or post them as a new one."
)


def post_then_fix_a_word_before_the_answer(page, entry):
    """Post "Polls close at ten" and change it to "nine" while the post is on its way."""
    open_desk(page, entry)
    held = hold_posts(page)
    text = composer(page).get_by_label("Update (markdown)")
    text.fill("Polls close at ten")
    page.keyboard.press("Control+Enter")
    text.fill("Polls close at nine")
    answer_held(page, held)
    page.unroute("**/desk/updates.json")
    return text


def test_a_post_whose_start_was_rewritten_meanwhile_is_kept_and_said_so(page, author):
    entry = make_entry()
    text = post_then_fix_a_word_before_the_answer(page, entry)

    expect(composer(page).locator(".desk-status-text")).to_have_text(REWRITTEN_WHILE_POSTING)
    expect(composer(page).get_by_role("button", name="Apply as an edit")).to_be_visible()
    expect(text).to_have_value("Polls close at nine")
    expect(stream_texts(page)).to_have_text(["Polls close at ten"])


def test_a_headline_fixed_while_posting_counts_as_a_change_to_what_was_sent(page, author):
    entry = make_entry()
    open_desk(page, entry)
    held = hold_posts(page)
    composer(page).get_by_label("Headline").fill("Polls close at ten")
    composer(page).get_by_label("Update (markdown)").fill("Queues outside.")
    page.keyboard.press("Control+Enter")
    composer(page).get_by_label("Headline").fill("Polls close at nine")

    answer_held(page, held)

    expect(composer(page).locator(".desk-status-text")).to_have_text(REWRITTEN_WHILE_POSTING)
    expect(composer(page).get_by_label("Headline")).to_have_value("Polls close at nine")
    expect(composer(page).get_by_label("Update (markdown)")).to_have_value("Queues outside.")


def test_a_word_fixed_while_posting_is_applied_as_an_edit_not_a_second_update(page, author):
    entry = make_entry()
    text = post_then_fix_a_word_before_the_answer(page, entry)
    expect(composer(page).locator(".desk-status-text")).to_have_text(REWRITTEN_WHILE_POSTING)

    composer(page).get_by_role("button", name="Apply as an edit").click()

    posted = LiveUpdate.objects.get(entry=entry)
    item = stream_item(page, posted)
    editor_text = item.get_by_label("Update (markdown)")
    expect(editor_text).to_have_value("Polls close at nine")
    expect(editor_text).to_be_focused()
    expect(text).to_have_value("")
    assert page.evaluate(f"() => localStorage.getItem('liveblog:desk:draft:{entry.pk}')") is None

    item.get_by_role("button", name="Save").click()

    expect(item.locator(".desk-update-body")).to_have_text("Polls close at nine")
    assert [update.content for update in LiveUpdate.objects.filter(entry=entry)] == ["Polls close at nine"]


def test_a_photo_posted_then_applied_as_an_edit_stays_the_same_photo(page, author):
    """The edit names the posted photo by its id: the update keeps it, with the new description."""
    entry = make_entry()
    open_desk(page, entry)
    page.evaluate(GIVE_PHOTO, ['.desk-composer form[data-prefix="composer"]', "drop"])
    expect(composer(page).locator(".desk-photo-progress")).to_be_hidden()
    composer(page).get_by_label("Description").fill("The slide.")
    held = hold_posts(page)
    text = composer(page).get_by_label("Update (markdown)")
    text.fill("Polls close at ten")
    page.keyboard.press("Control+Enter")
    text.fill("Polls close at nine")
    composer(page).get_by_label("Description").fill("The slide with the times.")
    answer_held(page, held)
    page.unroute("**/desk/updates.json")
    photo = LiveUpdate.objects.get(entry=entry).photos.get()

    composer(page).get_by_role("button", name="Apply as an edit").click()
    posted = LiveUpdate.objects.get(entry=entry)
    stream_item(page, posted).get_by_role("button", name="Save").click()

    expect(stream_item(page, posted).locator(".desk-update-body img")).to_have_attribute(
        "alt", "The slide with the times."
    )
    posted.refresh_from_db()
    assert posted.content == "Polls close at nine"
    assert [(p.pk, p.alt) for p in posted.photos.all()] == [(photo.pk, "The slide with the times.")]


def test_posting_after_coverage_ended_says_readers_pages_no_longer_update(page, author):
    entry = make_entry()
    entry.end_coverage()
    open_desk(page, entry)
    expect(page.locator("#desk-live-state")).to_contain_text("Ended")
    page.get_by_label("Update (markdown)").fill("After the whistle.")

    page.keyboard.press("Control+Enter")

    expect(composer(page).locator(".desk-status-text")).to_have_text(
        "Posted. Coverage has ended: readers' open pages no longer update. "
        "Resume live coverage to go live again."
    )


def test_a_key_event_without_a_headline_is_refused_with_the_cursor_in_the_headline(page, author):
    entry = make_entry()
    open_desk(page, entry)
    page.get_by_label("Update (markdown)").fill("The polls close.")
    page.get_by_label("Key event", exact=True).check()

    page.get_by_role("button", name="Post", exact=True).click()

    headline = page.get_by_label("Headline")
    expect(headline).to_be_focused()
    expect(headline).to_have_attribute("aria-invalid", "true")
    expect(composer(page).locator('[data-error-for="headline"]')).to_have_text(KEY_EVENT_NEEDS_HEADLINE)
    expect(page.get_by_label("Update (markdown)")).to_have_value("The polls close.")
    assert not LiveUpdate.objects.exists()


def test_the_preview_is_what_the_server_renders_for_readers(page, author):
    entry = make_entry()
    open_desk(page, entry)
    page.get_by_label("Headline").fill("Polls close")
    page.get_by_label("Update (markdown)").fill("**Turnout** is up. Press <Enter> to vote.")

    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("article.update h3.update-headline")).to_have_text("Polls close")
    expect(preview.locator(".update-body strong")).to_have_text("Turnout")
    # Angle brackets show as typed: rendered by blog/rendering.py, not by the browser.
    expect(preview.locator(".update-body")).to_contain_text("Press <Enter> to vote.")
    assert not LiveUpdate.objects.exists()


@pytest.mark.parametrize("how", ["drop", "paste"])
def test_a_dropped_or_pasted_photo_needs_its_description_before_posting(page, author, how):
    entry = make_entry()
    open_desk(page, entry)
    target = "#composer-content" if how == "paste" else '.desk-composer form[data-prefix="composer"]'
    page.get_by_label("Update (markdown)").fill("The slide:")

    page.evaluate(GIVE_PHOTO, [target, how])

    photo = composer(page).locator(".desk-photo")
    expect(photo).to_have_count(1)
    expect(photo.locator(".desk-photo-progress")).to_be_hidden()  # uploaded
    page.keyboard.press("Control+Enter")
    description = photo.get_by_label("Description")
    expect(description).to_be_focused()
    expect(photo.locator('[data-photo-error="alt"]')).to_have_text(
        "Describe the photo for readers who cannot see it."
    )
    assert not LiveUpdate.objects.exists()

    description.fill("A bar chart: turnout up four points.")
    page.keyboard.press("Control+Enter")

    posted = page.locator("#desk-updates .desk-update").first
    expect(posted.locator(".desk-update-body img")).to_have_attribute(
        "alt", "A bar chart: turnout up four points."
    )
    expect(photo).to_have_count(0)
    update = LiveUpdate.objects.get(entry=entry)
    assert [p.alt for p in update.photos.all()] == ["A bar chart: turnout up four points."]


@pytest.mark.parametrize("how", ["back online", "upload again"])
def test_a_photo_that_did_not_upload_says_so_and_goes_again(page, author, how):
    entry = make_entry()
    open_desk(page, entry)
    page.route("**/desk/photos.json", lambda route: route.abort("internetdisconnected"))
    page.get_by_label("Update (markdown)").fill("The slide:")
    page.evaluate(GIVE_PHOTO, ['.desk-composer form[data-prefix="composer"]', "drop"])
    photo = composer(page).locator(".desk-photo")
    expect(photo.locator(".desk-photo-state")).to_have_text("Not uploaded.")
    photo.get_by_label("Description").fill("A bar chart.")
    page.keyboard.press("Control+Enter")
    status = composer(page).locator(".desk-status")
    expect(status.locator(".desk-status-text")).to_have_text("A photo did not upload: press Upload again.")

    page.unroute("**/desk/photos.json")
    if how == "back online":
        page.context.set_offline(True)
        page.context.set_offline(False)
    else:
        photo.get_by_role("button", name="Upload again").click()

    expect(photo.locator(".desk-photo-progress")).to_be_hidden()
    expect(photo.locator(".desk-photo-state")).to_be_hidden()
    expect(status).to_be_hidden()
    page.get_by_label("Update (markdown)").press("Control+Enter")
    expect(page.locator("#desk-updates .desk-update-body img")).to_have_attribute("alt", "A bar chart.")


def test_a_refused_posts_message_goes_once_the_author_fixes_the_cause(page, author):
    entry = make_entry()
    open_desk(page, entry)
    page.get_by_label("Update (markdown)").fill("The polls close.")
    page.get_by_label("Key event", exact=True).check()
    page.keyboard.press("Control+Enter")
    status = composer(page).locator(".desk-status")
    expect(status).to_have_class(re.compile("is-error"))

    page.get_by_label("Headline").fill("Polls close")

    expect(status).to_be_hidden()


def test_a_photo_can_be_added_removed_and_described_when_editing(page, author):
    entry = make_entry()
    update = make_update(entry, content="The stage.")
    attach_photo(update, alt="The stage, empty.")
    open_desk(page, entry)

    stream_item(page, update).get_by_role("button", name="Edit").click()
    editor = stream_item(page, update).locator("form")
    editor.get_by_label("Description").fill("The stage, lit.")
    page.evaluate(GIVE_PHOTO, [f"#desk-update-{update.pk} form", "drop"])
    expect(editor.locator(".desk-photo")).to_have_count(2)
    expect(editor.locator(".desk-photo-progress").last).to_be_hidden()
    editor.get_by_role("button", name="Remove photo").first.click()
    editor.get_by_label("Description").fill("The crowd.")
    editor.get_by_role("button", name="Save").click()

    expect(stream_item(page, update).locator(".desk-update-body img")).to_have_attribute("alt", "The crowd.")
    assert [p.alt for p in update.photos.all()] == ["The crowd."]


def test_an_update_is_edited_in_place(page, author):
    entry = make_entry()
    update = make_update(entry, content="Doors open at nine.")
    open_desk(page, entry)
    item = stream_item(page, update)

    item.get_by_role("button", name="Edit").click()
    text = item.get_by_label("Update (markdown)")
    expect(text).to_be_focused()
    text.fill("Doors open at *ten*.")
    page.keyboard.press("Control+Enter")

    expect(item.locator(".desk-update-body em")).to_have_text("ten")
    expect(item.get_by_role("button", name="Edit")).to_be_focused()
    update.refresh_from_db()
    assert update.content == "Doors open at *ten*."


def test_an_edit_in_progress_survives_a_reload_until_it_is_saved(page, author):
    update, item = editing(page, "Doors open at nine.")
    item.get_by_label("Headline").fill("Doors")
    item.get_by_label("Update (markdown)").fill("Doors open at ten, half writ")

    page.reload()

    text = item.get_by_label("Update (markdown)")
    expect(text).to_have_value("Doors open at ten, half writ")
    expect(item.get_by_label("Headline")).to_have_value("Doors")
    expect(item.locator(".desk-status-text")).to_have_text("Restored your unsaved edit.")
    expect(page.get_by_label("Update (markdown)").first).to_be_focused()  # the composer's, as on every load
    text.fill("Doors open at ten.")
    item.get_by_role("button", name="Save").click()
    expect(item.locator(".desk-update-body")).to_have_text("Doors open at ten.")

    page.reload()
    expect(item.locator(".desk-update-body")).to_have_text("Doors open at ten.")
    expect(item.locator("form")).to_have_count(0)


def test_an_edit_restored_after_a_reload_still_conflicts_with_a_co_authors_save(page, author):
    update, item = editing_while_a_colleague_saves(page)

    page.reload()
    item.get_by_role("button", name="Save").click()

    expect(item.locator(".desk-status-text")).to_contain_text("your text is kept here")
    update.refresh_from_db()
    assert update.content == "Theirs."


def test_cancel_and_escape_ask_before_discarding_changes_and_only_then(page, author):
    entry = make_entry()
    update = make_update(entry, content="Doors open at nine.")
    open_desk(page, entry)
    item = stream_item(page, update)
    edit = item.get_by_role("button", name="Edit")

    edit.click()
    item.get_by_role("button", name="Cancel").click()  # nothing changed: closes at once
    expect(item.locator("form")).to_have_count(0)
    expect(edit).to_be_focused()

    edit.click()
    text = item.get_by_label("Update (markdown)")
    text.fill("Doors open at ten.")
    page.keyboard.press("Escape")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Discard your changes?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(text).to_have_value("Doors open at ten.")

    item.get_by_role("button", name="Cancel").click()
    dialog.get_by_role("button", name="Discard").click()
    expect(item.locator("form")).to_have_count(0)
    expect(edit).to_be_focused()
    expect(item.locator(".desk-update-body")).to_have_text("Doors open at nine.")
    page.reload()
    expect(item.locator("form")).to_have_count(0)


def test_a_deletion_can_be_undone_before_it_is_sent(page, author):
    entry = make_entry()
    update = make_update(entry, content="Posted by mistake.")
    page.clock.install()
    open_desk(page, entry)

    stream_item(page, update).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    undo = page.get_by_role("button", name="Undo")
    expect(undo).to_be_focused()
    expect(stream_item(page, update)).to_be_hidden()
    undo.click()
    expect(stream_item(page, update)).to_be_visible()
    page.clock.run_for(10_000)
    assert LiveUpdate.objects.filter(pk=update.pk).exists()

    stream_item(page, update).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    page.clock.run_for(5_000)

    expect(page.locator("#desk-updates > li")).to_have_count(0)
    assert not LiveUpdate.objects.filter(pk=update.pk).exists()


def test_when_the_undo_time_is_up_the_focus_moves_to_the_next_update(page, author):
    entry = make_entry()
    older = make_update(entry, content="Doors open.")
    newer = make_update(entry, content="Posted by mistake.")
    page.clock.install()
    open_desk(page, entry)

    stream_item(page, newer).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("button", name="Undo")).to_be_focused()
    page.clock.run_for(5_000)

    expect(stream_item(page, newer)).to_have_count(0)
    expect(stream_item(page, older).get_by_role("button", name="Edit")).to_be_focused()

    stream_item(page, older).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    # The dialog's close event comes a task later: the undo time starts only then.
    expect(page.get_by_role("button", name="Undo")).to_be_focused()
    page.clock.run_for(5_000)

    expect(page.locator("#desk-updates > li")).to_have_count(0)
    expect(page.get_by_label("Update (markdown)")).to_be_focused()


def test_a_deletion_not_confirmed_keeps_the_update(page, author):
    entry = make_entry()
    update = make_update(entry, content="Keep me.")
    open_desk(page, entry)

    stream_item(page, update).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()

    expect(stream_item(page, update).get_by_role("button", name="Delete")).to_be_focused()
    expect(page.get_by_role("button", name="Undo")).to_have_count(0)


def test_pin_and_key_event_from_the_stream(page, author):
    entry = make_entry()
    summary = make_update(entry, headline="What we know", content="Three things.")
    plain = make_update(entry, content="No headline here.")
    open_desk(page, entry)

    stream_item(page, summary).get_by_role("button", name="Pin").click()
    expect(stream_item(page, summary).locator(".desk-tag-pinned")).to_be_visible()
    expect(stream_item(page, summary).get_by_role("button", name="Unpin")).to_be_visible()
    stream_item(page, summary).get_by_role("button", name="Mark key event").click()
    expect(stream_item(page, summary).locator(".desk-tag-key-event")).to_be_visible()
    stream_item(page, plain).get_by_role("button", name="Mark key event").click()

    expect(stream_item(page, plain).locator(".desk-update-error")).to_have_text(KEY_EVENT_NEEDS_HEADLINE)
    summary.refresh_from_db()
    plain.refresh_from_db()
    assert (summary.pinned, summary.key_event, plain.key_event) == (True, True, False)


def test_a_co_authors_updates_edits_and_deletions_appear_without_a_reload(page, author):
    entry = make_entry()
    edited = make_update(entry, content="First draft.")
    deleted = make_update(entry, content="Wrong room.")
    open_desk(page, entry)
    tom = make_user("tom", first_name="Tom", last_name="Baker")

    new = make_update(entry, content="From the back of the hall.", author=tom)
    edited.content = "Second draft."
    edited.save()
    deleted.delete()

    expect(stream_item(page, new).locator(".desk-update-body")).to_have_text("From the back of the hall.")
    expect(stream_item(page, new).locator(".desk-update-author")).to_have_text("By Tom Baker")
    expect(stream_item(page, edited).locator(".desk-update-body")).to_have_text("Second draft.")
    expect(stream_item(page, deleted)).to_have_count(0)
    expect(stream_texts(page).first).to_have_text("From the back of the hall.")


def test_a_co_authors_edit_does_not_clobber_the_update_being_edited(page, author):
    entry = make_entry()
    update = make_update(entry, content="Original.")
    open_desk(page, entry)
    stream_item(page, update).get_by_role("button", name="Edit").click()
    text = stream_item(page, update).get_by_label("Update (markdown)")
    text.fill("Mine, half written")

    update.content = "Theirs."
    update.save()

    expect(stream_item(page, update).locator(".desk-status")).to_contain_text("Changed by someone else")
    expect(text).to_have_value("Mine, half written")


def test_saving_an_edit_keeps_the_pin_and_key_event_a_co_author_set_meanwhile(page, author):
    entry = make_entry()
    summary = make_update(entry, headline="What we know", content="Two things.", pinned=True)
    opening = make_update(entry, headline="Keynote starts", content="Lights down.")
    open_desk(page, entry)
    item = stream_item(page, opening)
    item.get_by_role("button", name="Edit").click()
    item.get_by_label("Update (markdown)").fill("Lights down, music up.")

    opening.key_event = True
    opening.pinned = True
    opening.save()  # and unpins the summary
    # The open editor's boxes follow what the co-author set.
    expect(item.get_by_label("Key event", exact=True)).to_be_checked()
    expect(item.get_by_label("Pinned", exact=True)).to_be_checked()
    expect(stream_item(page, summary).locator(".desk-tag-pinned")).to_be_hidden()
    item.get_by_role("button", name="Save").click()

    expect(item.locator(".desk-update-body")).to_have_text("Lights down, music up.")
    opening.refresh_from_db()
    summary.refresh_from_db()
    assert (opening.key_event, opening.pinned, summary.pinned) == (True, True, False)
    expect(page.locator("#desk-updates .desk-tag-pinned:visible")).to_have_count(1)


def test_a_toggle_the_author_changed_in_the_editor_is_saved_over_the_stored_one(page, author):
    entry = make_entry()
    update = make_update(entry, headline="Keynote starts", content="Lights down.")
    open_desk(page, entry)
    item = stream_item(page, update)
    item.get_by_role("button", name="Edit").click()
    item.get_by_label("Key event", exact=True).check()

    update.pinned = True
    update.save()
    expect(item.get_by_label("Pinned", exact=True)).to_be_checked()
    item.get_by_label("Pinned", exact=True).uncheck()
    item.get_by_role("button", name="Save").click()

    expect(item.get_by_role("button", name="Edit")).to_be_focused()
    update.refresh_from_db()
    assert (update.key_event, update.pinned) == (True, False)


def test_a_pin_set_by_a_co_author_under_an_unchanged_editor_shows_once_it_closes(page, author):
    update, item = editing(page, "Doors open.")

    update.pinned = True
    update.save()
    expect(item.get_by_label("Pinned", exact=True)).to_be_checked()
    item.get_by_role("button", name="Cancel").click()

    expect(item.locator(".desk-tag-pinned")).to_be_visible()
    expect(item.get_by_role("button", name="Unpin")).to_be_visible()


def test_an_update_deleted_by_a_co_author_while_edited_can_go_as_a_new_update(page, author):
    update, item = editing(page, "Original.")
    item.get_by_label("Update (markdown)").fill("Mine, rewritten.")

    update.delete()

    expect(item.locator(".desk-status-text")).to_contain_text("Deleted by someone else")
    expect(item.get_by_role("button", name="Save")).to_be_disabled()
    item.get_by_role("button", name="Post as a new update").click()

    expect(stream_texts(page)).to_have_text(["Mine, rewritten."])
    made = LiveUpdate.objects.get(entry=update.entry)
    assert made.content == "Mine, rewritten."
    expect(stream_item(page, made).get_by_role("button", name="Edit")).to_be_focused()


def test_posting_an_orphaned_edit_as_new_that_fails_goes_by_retry(page, author):
    update, item = editing(page, "Original.")
    item.get_by_label("Update (markdown)").fill("Mine, rewritten.")
    update.delete()
    expect(item.get_by_role("button", name="Save")).to_be_disabled()
    page.route(
        "**/desk/updates.json",
        lambda route: (
            route.fulfill(status=503, json={"error": "Briefly unavailable."})
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    item.get_by_role("button", name="Post as a new update").click()
    expect(item.locator(".desk-status-text")).to_contain_text("the server had a problem")

    page.unroute("**/desk/updates.json")
    item.get_by_role("button", name="Retry").click()

    expect(stream_texts(page)).to_have_text(["Mine, rewritten."])
    assert LiveUpdate.objects.get(entry=update.entry).content == "Mine, rewritten."


def test_a_post_whose_answer_was_lost_is_retried_into_one_update(page, author):
    entry = make_entry()
    open_desk(page, entry)
    lose_the_answer_to_the_first_post(page)
    page.get_by_label("Update (markdown)").fill("The result is in.")
    page.keyboard.press("Control+Enter")
    status = composer(page).locator(".desk-status")
    expect(status).to_contain_text("Not sent")
    expect(page.get_by_label("Update (markdown)")).to_have_value("The result is in.")
    assert LiveUpdate.objects.filter(entry=entry).count() == 1

    page.context.set_offline(True)
    page.context.set_offline(False)  # back online: the desk retries by itself

    expect(status).to_have_text(re.compile("Posted"))
    expect(page.get_by_label("Update (markdown)")).to_have_value("")
    expect(stream_texts(page)).to_have_text(["The result is in."])
    assert LiveUpdate.objects.filter(entry=entry).count() == 1


def test_a_draft_rewritten_after_its_answer_was_lost_keeps_the_new_words(page, author):
    """The first attempt was posted as it was; what the author wrote since goes as a new update."""
    entry = make_entry()
    open_desk(page, entry)
    lose_the_answer_to_the_first_post(page)
    text = page.get_by_label("Update (markdown)")
    text.fill("The result is in.")
    page.keyboard.press("Control+Enter")
    expect(composer(page).locator(".desk-status")).to_contain_text("Not sent")
    text.fill("The result is in: 52 to 48.")
    page.keyboard.press("Control+Enter")

    expect(composer(page).locator(".desk-status")).to_contain_text("posted already")
    expect(text).to_have_value("The result is in: 52 to 48.")
    expect(stream_texts(page)).to_have_text(["The result is in."])
    page.keyboard.press("Control+Enter")
    expect(stream_texts(page)).to_have_text(["The result is in: 52 to 48.", "The result is in."])
    assert LiveUpdate.objects.filter(entry=entry).count() == 2


def test_a_deletion_confirmed_just_before_the_tab_closes_still_happens(page, author):
    entry = make_entry()
    update = make_update(entry, content="Posted by mistake.")
    open_desk(page, entry)
    stream_item(page, update).get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.get_by_role("button", name="Undo")).to_be_visible()

    context = page.context
    page.close(run_before_unload=True)

    waiting = context.new_page()
    for _ in range(50):  # the request outlives the page: give the server time to answer it
        if not LiveUpdate.objects.filter(pk=update.pk).exists():
            break
        waiting.wait_for_timeout(100)
    assert not LiveUpdate.objects.filter(pk=update.pk).exists()


def test_an_editors_preview_shows_the_photos_the_update_has(page, author):
    entry = make_entry()
    update = make_update(entry, content="The stage.")
    attach_photo(update, alt="The stage, empty.")
    open_desk(page, entry)
    item = stream_item(page, update)
    item.get_by_role("button", name="Edit").click()
    item.get_by_label("Description").fill("The stage, lit.")
    item.get_by_role("button", name="Preview").click()
    expect(item.locator(".desk-preview-body img")).to_have_attribute("alt", "The stage, lit.")


def fail_posts_with(page, status, path="**/desk/updates.json"):
    """Answer every POST to ``path`` with this server error; the rest goes through."""
    page.route(
        path,
        lambda route: (
            route.fulfill(status=status, json={"error": "Briefly unavailable."})
            if route.request.method == "POST"
            else route.continue_()
        ),
    )


def test_a_post_refused_by_a_server_error_is_kept_and_sent_by_retry(page, author):
    entry = make_entry()
    open_desk(page, entry)
    fail_posts_with(page, 503)
    page.get_by_label("Update (markdown)").fill("Kick-off.")
    page.keyboard.press("Control+Enter")
    expect(composer(page).locator(".desk-status-text")).to_have_text(
        "Not sent — the server had a problem. It is kept here: press Retry to send it."
    )

    page.unroute("**/desk/updates.json")
    composer(page).get_by_role("button", name="Retry").click()

    expect(stream_texts(page)).to_have_text(["Kick-off."])
    expect(page.get_by_label("Update (markdown)")).to_have_value("")


def test_a_post_the_server_failed_before_a_reload_waits_for_retry_and_says_so(page, author):
    entry = make_entry()
    open_desk(page, entry)
    fail_posts_with(page, 500)
    page.get_by_label("Update (markdown)").fill("Kick-off.")
    page.keyboard.press("Control+Enter")
    expect(composer(page).locator(".desk-status")).to_contain_text("Not sent")
    page.unroute("**/desk/updates.json")

    page.reload()

    expect(composer(page).locator(".desk-status-text")).to_have_text(
        "Not sent before the page was reloaded — press Retry to send it."
    )
    expect(page.locator("#desk-stream-state")).to_have_text("")
    assert not LiveUpdate.objects.filter(entry=entry).exists()
    composer(page).get_by_role("button", name="Retry").click()
    expect(stream_texts(page)).to_have_text(["Kick-off."])


def test_an_edit_the_server_failed_says_so_and_to_press_retry(page, author):
    update, item = editing(page, "12 regions")
    fail_posts_with(page, 500, f"**/desk/updates/{update.pk}.json")
    item.get_by_label("Update (markdown)").fill("14 regions")

    item.get_by_role("button", name="Save").click()

    expect(item.locator(".desk-status-text")).to_have_text(
        "Not saved — the server had a problem. Your text is kept here: press Retry."
    )
    page.unroute(f"**/desk/updates/{update.pk}.json")
    item.get_by_role("button", name="Retry").click()
    expect(item.locator(".desk-update-body")).to_have_text("14 regions")


def test_a_preview_the_server_failed_offers_no_retry_that_would_post(page, author):
    entry = make_entry()
    open_desk(page, entry)
    fail_posts_with(page, 500, "**/desk/preview.json")
    page.get_by_label("Update (markdown)").fill("Not ready to post.")

    page.get_by_role("button", name="Preview").click()

    expect(composer(page).locator(".desk-status-text")).to_have_text(
        "No preview — the server had a problem. Try again in a moment."
    )
    expect(composer(page).get_by_role("button", name="Retry")).to_be_hidden()
    assert not LiveUpdate.objects.filter(entry=entry).exists()


def test_a_stale_security_token_is_renewed_from_the_cookie_and_the_post_goes(page, author):
    """A login in another tab rotates the CSRF token: the page's copy is then refused once."""
    entry = make_entry()
    open_desk(page, entry)
    page.evaluate(
        "() => { document.querySelector('input[name=csrfmiddlewaretoken]').value = 'x'.repeat(64); }"
    )
    page.get_by_label("Update (markdown)").fill("Still here.")
    answers = []
    page.on(
        "response",
        lambda response: answers.append(response.status) if response.request.method == "POST" else None,
    )

    page.keyboard.press("Control+Enter")

    expect(stream_texts(page)).to_have_text(["Still here."])
    assert answers == [403, 201]


def test_a_file_that_is_not_a_photo_is_refused_beside_it(page, author):
    entry = make_entry()
    open_desk(page, entry)

    page.locator("#composer-file").set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture at all"}
    )

    photo = composer(page).locator(".desk-photo")
    expect(photo.locator('[data-photo-error="token"]')).not_to_be_empty()
    expect(photo.get_by_role("button", name="Remove photo")).to_be_visible()


def test_a_file_that_is_not_an_image_is_named_and_refused(page, author):
    entry = make_entry()
    open_desk(page, entry)

    page.locator("#composer-file").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"my notes"}
    )

    expect(composer(page).locator(".desk-status-text")).to_have_text(
        "notes.txt is not a photo: JPEG, PNG, WebP, GIF or HEIC."
    )
    expect(composer(page).locator(".desk-photo")).to_have_count(0)


@pytest.mark.parametrize(
    "browser_context_args", [{"viewport": {"width": 390, "height": 844}, "has_touch": True}]
)
def test_a_phone_is_not_told_to_drop_or_paste_photos(page, author):
    open_desk(page, make_entry())
    assert page.evaluate("() => matchMedia('(pointer: coarse)').matches")
    help_text = composer(page).locator(".desk-help")
    expect(help_text).not_to_contain_text("drop", use_inner_text=True)
    expect(help_text).to_contain_text(
        re.compile(r"^Add photos\s+Each needs a description"), use_inner_text=True
    )
    expect(composer(page).locator(".desk-file")).to_be_visible()


def test_a_computer_is_told_photos_can_be_dropped_or_pasted(page, author):
    open_desk(page, make_entry())
    expect(composer(page).locator(".desk-help")).to_contain_text(
        "Add photos or drop or paste them here. Each needs a description", use_inner_text=True
    )
    expect(page.get_by_label("Headline")).to_be_visible()
    expect(composer(page).locator('label[for="composer-headline"]')).to_have_text(
        "Headline (optional; needed for a key event)"
    )


def test_a_draft_keeps_its_uploaded_photos_and_their_descriptions_over_a_reload(page, author):
    entry = make_entry()
    open_desk(page, entry)
    page.evaluate(GIVE_PHOTO, ['.desk-composer form[data-prefix="composer"]', "drop"])
    photo = composer(page).locator(".desk-photo")
    expect(photo.locator(".desk-photo-progress")).to_be_hidden()
    photo.get_by_label("Description").fill("The slide with the chart.")

    page.reload()

    expect(photo.get_by_label("Description")).to_have_value("The slide with the chart.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#desk-updates .desk-update-body img")).to_have_attribute(
        "alt", "The slide with the chart."
    )
    assert [p.alt for p in LiveUpdate.objects.get(entry=entry).photos.all()] == ["The slide with the chart."]


def test_a_draft_survives_a_reload_until_it_is_posted(page, author):
    entry = make_entry()
    open_desk(page, entry)
    page.get_by_label("Headline").fill("Half time")
    page.get_by_label("Update (markdown)").fill("Two goals down, and the rain")

    page.reload()
    expect(page.get_by_label("Headline")).to_have_value("Half time")
    text = page.get_by_label("Update (markdown)")
    expect(text).to_have_value("Two goals down, and the rain")
    expect(text).to_be_focused()
    page.keyboard.type(" has stopped.")
    page.keyboard.press("Control+Enter")
    expect(stream_texts(page)).to_have_text(["Two goals down, and the rain has stopped."])

    page.reload()
    expect(page.get_by_label("Update (markdown)")).to_have_value("")
    expect(page.get_by_label("Headline")).to_have_value("")


def test_an_ended_session_says_log_in_again_and_keeps_the_draft(page, author):
    entry = make_entry()
    open_desk(page, entry)
    Session.objects.all().delete()  # expired while the author was typing
    page.get_by_label("Update (markdown)").fill("Still typing.")

    page.keyboard.press("Control+Enter")

    login = composer(page).get_by_role("link", name="Log in again")
    expect(login).to_be_visible()
    expect(login).to_have_attribute("target", "_blank")
    expect(composer(page).get_by_role("button", name="Retry")).to_be_visible()
    expect(page.get_by_label("Update (markdown)")).to_have_value("Still typing.")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_log_in_again_message_has_no_wcag_violations(page, author, scheme):
    page.emulate_media(color_scheme=scheme)
    entry = make_entry()
    open_desk(page, entry)
    Session.objects.all().delete()
    page.get_by_label("Update (markdown)").fill("Still typing.")
    page.keyboard.press("Control+Enter")
    expect(composer(page).get_by_role("link", name="Log in again")).to_be_visible()

    violations = axe_on_the_desk(page)

    assert not violations, describe(violations)


def test_back_from_logging_in_again_the_desk_sends_what_was_waiting(page, live_server, author):
    entry = make_entry()
    open_desk(page, entry)
    Session.objects.all().delete()
    page.get_by_label("Update (markdown)").fill("Still typing.")
    page.keyboard.press("Control+Enter")
    login = composer(page).get_by_role("link", name="Log in again")
    expect(login).to_have_attribute("href", re.compile(r"next=/admin/blog/entry/desk/signed-in/$"))

    log_in(page, live_server)  # in the other tab
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")  # the author comes back to the desk

    expect(stream_texts(page)).to_have_text(["Still typing."])
    expect(page.get_by_label("Update (markdown)")).to_have_value("")


def test_a_late_edit_shows_updated_in_the_stream_as_readers_see_it(page, author):
    entry = make_entry()
    update = make_update(entry, content="12 regions", posted=timezone.now() - dt.timedelta(hours=1))
    open_desk(page, entry)
    item = stream_item(page, update)
    expect(item.locator(".desk-update-edited")).to_be_hidden()

    item.get_by_role("button", name="Edit").click()
    item.get_by_label("Update (markdown)").fill("14 regions")
    item.get_by_role("button", name="Save").click()
    expect(item.locator(".desk-update-body")).to_have_text("14 regions")

    update.refresh_from_db()
    edited = update.edited_at()
    expect(item.locator(".desk-update-meta")).to_contain_text(f"Updated {edited.label}")
    expect(item.locator(".desk-update-edited time")).to_have_attribute("title", edited.title)


def test_a_conflicting_edit_is_refused_with_the_authors_text_kept(page, author):
    update, item = editing_while_a_colleague_saves(page)

    item.get_by_role("button", name="Save").click()

    expect(item.locator(".desk-status")).to_contain_text("your text is kept here")
    expect(item.locator(".desk-status")).to_be_focused()
    expect(item.locator(".desk-status")).to_be_in_viewport(ratio=1)
    expect(item.get_by_label("Update (markdown)")).to_have_value("Mine.")
    update.refresh_from_db()
    assert update.content == "Theirs."
    item.get_by_role("button", name="Use mine").click()
    expect(item.locator(".desk-update-body")).to_have_text("Mine.")
    update.refresh_from_db()
    assert update.content == "Mine."


def test_take_theirs_drops_the_authors_edit(page, author):
    update, item = editing_while_a_colleague_saves(page)
    item.get_by_role("button", name="Save").click()

    item.get_by_role("button", name="Take theirs").click()

    expect(item.locator(".desk-update-body")).to_have_text("Theirs.")
    update.refresh_from_db()
    assert update.content == "Theirs."


def test_live_coverage_ends_and_resumes_from_the_desk(page, author):
    entry = make_entry()
    open_desk(page, entry)

    page.get_by_role("button", name="End live coverage").click()
    page.get_by_role("dialog").get_by_role("button", name="End live coverage").click()
    expect(page.locator("#desk-live-state")).to_have_text("Ended")  # a badge; the time beside it
    expect(page.locator("#desk-ended-at")).to_have_text(re.compile(r"^at \d\d:\d\d .+ on \w+day "))
    entry.refresh_from_db()
    assert not entry.is_live

    page.get_by_role("button", name="Resume live coverage").click()
    page.get_by_role("dialog").get_by_role("button", name="Resume live coverage").click()
    expect(page.locator("#desk-live-state")).to_have_text("Live")
    expect(page.locator("#desk-ended-at")).to_be_hidden()
    entry.refresh_from_db()
    assert entry.is_live


def test_being_offline_is_said_at_the_top_until_the_connection_is_back(page, author):
    entry = make_entry()
    open_desk(page, entry)
    region = page.locator('.desk-coverage [role="status"]')  # polite, and there before it speaks
    expect(region).to_have_text("")

    page.context.set_offline(True)

    expect(page.locator(".desk-coverage").get_by_role("status")).to_have_text(
        "Offline — posts wait and go when you are back online."
    )
    page.get_by_label("Update (markdown)").fill("Kick-off.")
    page.keyboard.press("Control+Enter")
    expect(composer(page).locator(".desk-status-text")).to_have_text(
        "Not sent — you are offline. It is kept here and goes when the connection is back."
    )

    page.context.set_offline(False)

    expect(region).to_have_text("")
    expect(page.locator("#desk-offline")).to_be_hidden()
    expect(stream_texts(page)).to_have_text(["Kick-off."])


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_offline_note_has_no_wcag_violations(page, author, scheme):
    page.emulate_media(color_scheme=scheme)
    open_desk(page, make_entry())
    page.context.set_offline(True)
    expect(page.locator("#desk-offline")).to_be_visible()

    violations = axe_on_the_desk(page)

    assert not violations, describe(violations)


def test_older_updates_load_on_request(page, author, monkeypatch):
    monkeypatch.setattr("blog.desk.STREAM_SIZE", 2)
    entry = make_entry()
    oldest = make_update(entry, content="The oldest.")
    for number in range(4):
        make_update(entry, content=f"Newer {number}.")
    open_desk(page, entry)
    expect(stream_texts(page)).to_have_count(2)

    page.get_by_role("button", name="Older updates").click()
    expect(stream_texts(page)).to_have_count(4)
    page.get_by_role("button", name="Older updates").click()

    expect(stream_texts(page)).to_have_count(5)
    expect(stream_texts(page).last).to_have_text("The oldest.")
    expect(stream_item(page, oldest)).to_be_visible()
    expect(page.get_by_role("button", name="Older updates")).to_be_hidden()


@pytest.mark.parametrize(
    "browser_context_args", [{"viewport": {"width": 390, "height": 844}, "has_touch": True}]
)
def test_the_desk_is_usable_on_a_phone(page, author):
    entry = make_entry()
    for number in range(3):
        make_update(entry, headline=f"Headline {number}", content=f"Update {number}.")
    open_desk(page, entry)

    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_in_viewport()
    expect(page.get_by_label("Update (markdown)")).to_be_in_viewport()
    small = page.evaluate(SMALL_TARGETS)
    assert not small, f"touch targets under 44 px: {small}"
    page.context.set_offline(True)
    expect(page.locator("#desk-offline")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.context.set_offline(False)

    page.get_by_role("button", name="Delete").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    small = page.evaluate(SMALL_TARGETS)
    assert not small, f"touch targets under 44 px in the confirmation: {small}"


@pytest.mark.parametrize(
    "browser_context_args", [{"viewport": {"width": 390, "height": 500}, "has_touch": True}]
)
def test_post_stays_in_reach_of_the_text_box_with_a_phones_keyboard_up(page, author):
    entry = make_entry()
    make_update(entry, content="Doors open.")
    open_desk(page, entry)
    text = page.get_by_label("Update (markdown)")
    text.fill("A long update\n" * 12)  # the box grows no further than its own scroll
    expect(text).to_be_focused()

    post = page.get_by_role("button", name="Post", exact=True)
    expect(post).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("button", name="Preview").first).to_be_in_viewport(ratio=1)
    assert post.bounding_box()["height"] >= 44
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


# Every visible control of the desk that is smaller than 44 by 44 CSS pixels.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
        "#desk button, #desk a, #desk summary, #desk .desk-file, #desk input[type=checkbox] + label, "
        + "#desk-confirm button"))
    .filter(element => element.offsetParent !== null)
    .map(element => [element, element.getBoundingClientRect()])
    .filter(([element, box]) => box.height < 44 || box.width < 44)
    .map(([element, box]) => `${element.outerHTML.slice(0, 80)}: ${box.width}x${box.height}`)"""


def axe_on_the_desk(page):
    """Run axe's WCAG A and AA rules, loaded from the desk's own origin: the CSP stays on."""
    page.route("**/axe-core-under-test.js", lambda route: route.fulfill(path=AXE_SCRIPT))
    page.add_script_tag(url="/axe-core-under-test.js")
    return page.evaluate(RUN_AXE, WCAG_A_AA)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_desk_has_no_wcag_violations(page, author, scheme, blocked):
    page.emulate_media(color_scheme=scheme)
    entry = make_entry()
    update = make_update(
        entry, headline="Polls close", content="Turnout is *up*.", key_event=True, pinned=True
    )
    attach_photo(update, alt="Queues outside the school.")
    make_update(entry, content="Doors open.", correction="Correction: at eight, not nine.")
    make_update(entry, content="The slides are [on the conference site](https://example.com/slides) now.")
    make_update(entry, content="> We ship when it is ready, not before.\n\nThe keynote's line of the day.")
    open_desk(page, entry)
    page.evaluate(GIVE_PHOTO, ['.desk-composer form[data-prefix="composer"]', "drop"])
    expect(composer(page).locator(".desk-photo-progress")).to_be_hidden()
    page.get_by_role("button", name="Post", exact=True).click()  # refused: shows the errors too
    stream_item(page, update).get_by_role("button", name="Edit").click()

    violations = axe_on_the_desk(page)

    assert not violations, describe(violations)
    assert not blocked, blocked
