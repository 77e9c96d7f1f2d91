"""The stock admin forms, in Chromium: what an author meets when they are not on the desk."""

import pytest

from blog.tests.factories import make_entry, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page):
    user = make_user("ana", is_staff=True, is_superuser=True)
    user.set_password("a-long-test-password")
    user.save()
    page.goto("/admin/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_the_add_form_opened_for_an_entry_takes_the_first_keystrokes_in_the_text(page):
    """Django focuses the (already chosen) Entry select; typing at once must land in the update's text."""
    entry = make_entry(title="Keynote")
    log_in(page)
    page.goto(f"/admin/blog/liveupdate/add/?entry={entry.pk}")
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.type("Tim walks on stage")
    assert page.input_value("#id_content") == "Tim walks on stage"


def test_the_add_form_opened_without_an_entry_leaves_the_focus_on_the_entry(page):
    make_entry(title="Keynote")
    log_in(page)
    page.goto("/admin/blog/liveupdate/add/")
    page.wait_for_load_state("load")  # after change_form.js, an async script, has focused the first field
    assert page.evaluate("!!document.activeElement.closest('.field-entry')")
