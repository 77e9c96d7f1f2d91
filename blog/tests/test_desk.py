"""The live desk's endpoints: an author posts, fixes and illustrates, never loses a word nor posts twice."""

import datetime as dt
import io
import json
import uuid
from http import HTTPStatus

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from blog import desk
from blog.models import DeletedUpdate, LiveUpdate
from blog.tests.factories import attach_photo, make_entry, make_update, make_user

pytestmark = pytest.mark.django_db

KEYNOTE_UPDATE = """Tim walks on stage. The first slide:

```
$ liveblog --fast
```

He says the new chips are "<div>-free" (his joke, not ours)."""


def desk_url(entry, name="updates", *args):
    return reverse(f"admin:blog_entry_desk_{name}", args=[entry.pk, *args])


def post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def new_draft(**fields):
    return {"draft_id": str(uuid.uuid4()), "content": KEYNOTE_UPDATE, **fields}


def author_client(*permissions, **user_fields):
    """A staff author with only these permissions on blog's models, logged in."""
    user = make_user(is_staff=True, **user_fields)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="blog", codename__in=permissions)
    )
    client = Client()
    client.force_login(user)
    return client


AUTHOR = ["add_liveupdate", "change_liveupdate", "delete_liveupdate", "view_liveupdate", "change_entry"]


@pytest.fixture
def author():
    return author_client(*AUTHOR, username="ana", first_name="Ana", last_name="Lima")


def jpeg(width=1200, height=900):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(buffer, "JPEG")
    buffer.seek(0)
    buffer.name = "slide.jpg"
    return buffer


def upload(client, entry):
    response = client.post(desk_url(entry, "photos"), {"file": jpeg()})
    assert response.status_code == HTTPStatus.CREATED, response.content
    return response.json()


# The page.


def test_the_desk_page_is_for_authors_and_sends_a_content_security_policy(author):
    entry = make_entry(title="Keynote")
    response = author.get(reverse("admin:blog_entry_desk", args=[entry.pk]))
    assert response.status_code == HTTPStatus.OK
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "no-store" in response["Cache-Control"]
    assert response.context["desk"]["create"] == desk_url(entry)


def test_the_desk_page_sends_a_logged_out_visitor_to_the_login_page(client):
    entry = make_entry()
    response = client.get(reverse("admin:blog_entry_desk", args=[entry.pk]))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("admin:login"))


def test_the_desk_page_needs_permission_to_add_updates():
    entry = make_entry()
    response = author_client("view_liveupdate").get(reverse("admin:blog_entry_desk", args=[entry.pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN


# Posting.


def test_a_post_makes_an_update_by_its_author_that_readers_get(author, client):
    entry = make_entry()
    response = post(author, desk_url(entry), new_draft(headline="Tim is on stage", key_event=True))
    assert response.status_code == HTTPStatus.CREATED
    made = response.json()["update"]
    assert made["headline"] == "Tim is on stage" and made["key_event"] is True
    assert made["author"] == "Ana Lima"
    assert "<code>$ liveblog --fast\n</code>" in made["html"]
    assert "&lt;div&gt;-free" in made["html"]
    feed = client.get(reverse("blog:entry_feed", args=[entry.slug])).json()
    assert [update["id"] for update in feed["updates"]] == [made["id"]]
    assert LogEntry.objects.get().object_id == str(made["id"])


def test_a_retried_post_answers_with_the_update_already_made(author):
    entry = make_entry()
    draft = new_draft()
    first = post(author, desk_url(entry), draft)
    retry = post(author, desk_url(entry), draft)
    assert retry.status_code == HTTPStatus.OK
    assert retry.json()["replayed"] is True
    assert retry.json()["update"]["id"] == first.json()["update"]["id"]
    assert entry.updates.count() == 1


def test_a_retry_racing_the_first_post_still_makes_one_update(author, monkeypatch):
    """The database's constraint decides when both got past the check for an existing draft."""
    entry = make_entry()
    draft = new_draft()
    made = make_update(entry, content=draft["content"], draft_id=uuid.UUID(draft["draft_id"]))
    looked = []
    real = desk.already_made

    def first_misses(entry, draft_id):
        looked.append(draft_id)
        return None if len(looked) == 1 else real(entry, draft_id)

    monkeypatch.setattr(desk, "already_made", first_misses)
    response = post(author, desk_url(entry), draft)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["update"]["id"] == made.pk
    assert entry.updates.count() == 1


def test_the_same_draft_id_may_be_used_on_another_entry(author):
    draft = new_draft()
    for entry in [make_entry(), make_entry()]:
        assert post(author, desk_url(entry), draft).status_code == HTTPStatus.CREATED


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"content": "  "}, "content", "an update cannot be empty"),
        ({"headline": "x" * 121}, "headline", "at most 120 characters"),
        ({"key_event": True}, "headline", "A key event needs a headline"),
        ({"content": "x" * 20_001}, "content", "20,000"),
        ({"pinned": "yes"}, "pinned", "true or false"),
        ({"draft_id": "not-a-uuid"}, "draft_id", "draft"),
    ],
)
def test_a_bad_post_answers_400_with_the_message_beside_its_field(author, body, field, message):
    entry = make_entry()
    response = post(author, desk_url(entry), {**new_draft(), **body})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.json()["fields"][field]
    assert message in response.json()["error"]
    assert not entry.updates.exists()


def test_a_body_that_is_not_json_answers_400_in_json(author):
    response = author.post(desk_url(make_entry()), "content=hello", content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json() == {"error": "The request was not valid JSON."}


def test_an_ended_session_answers_401_in_json_with_the_way_back(client):
    entry = make_entry()
    response = post(client, desk_url(entry), new_draft())
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "Log in again" in response.json()["error"]
    assert response.json()["login"] == "/admin/login/?next=/admin/blog/entry/desk/signed-in/"


def test_logging_in_again_from_the_desk_lands_on_a_page_saying_to_close_that_tab(author):
    response = author.get(reverse("admin:blog_entry_desk_signed_in"))
    assert response.status_code == HTTPStatus.OK
    assert "You are signed in again. Close this tab: the desk sends what was waiting." in response.text


def test_the_signed_in_page_is_for_staff_only(client):
    client.force_login(make_user(is_staff=False))
    response = client.get(reverse("admin:blog_entry_desk_signed_in"))
    assert response.status_code == HTTPStatus.FOUND
    assert response.url.startswith(reverse("admin:login"))


def test_a_stale_csrf_token_answers_403_in_json():
    entry = make_entry()
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    response = post(client, desk_url(entry), new_draft())
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["csrf"] is True


def test_posting_needs_permission_to_add_updates():
    entry = make_entry()
    response = post(author_client("view_liveupdate"), desk_url(entry), new_draft())
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "permission" in response.json()["error"]


def test_an_unknown_entry_answers_404_in_json(author):
    response = author.get(reverse("admin:blog_entry_desk_updates", args=[987654]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["error"]


def test_no_desk_answer_may_be_cached(author):
    entry = make_entry()
    for response in [author.get(desk_url(entry)), post(author, desk_url(entry), new_draft())]:
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


# Photos.


def test_a_photo_is_uploaded_then_posted_with_its_description(author):
    entry = make_entry()
    uploaded = upload(author, entry)
    assert uploaded["width"] == 1200 and uploaded["thumb"].endswith(".webp")
    photo = {"token": uploaded["token"], "alt": "The slide: a chip with 40 cores.", "caption": "Tim's slide"}
    response = post(author, desk_url(entry), new_draft(content="", photos=[photo]))
    assert response.status_code == HTTPStatus.CREATED
    made = response.json()["update"]
    assert made["photos"][0]["alt"] == "The slide: a chip with 40 cores."
    assert '<figure class="update-photo">' in made["html"] and "Tim&#x27;s slide" in made["html"]
    assert LiveUpdate.objects.get().content_html == made["html"]


def test_a_photo_without_a_description_is_refused(author):
    entry = make_entry()
    photo = {"token": upload(author, entry)["token"], "alt": "  "}
    response = post(author, desk_url(entry), new_draft(photos=[photo]))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["fields"] == {"photos.0.alt": "Describe the photo for readers who cannot see it."}


def test_a_made_up_photo_token_is_refused(author):
    entry = make_entry()
    photo = {"token": "photos/../../etc/passwd", "alt": "A photo"}
    response = post(author, desk_url(entry), new_draft(photos=[photo]))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "add it again" in response.json()["fields"]["photos.0"]


def test_a_file_that_is_not_a_photo_is_refused_with_the_reason(author):
    response = author.post(desk_url(make_entry(), "photos"), {"file": io.BytesIO(b"%PDF-1.7 not a photo")})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "JPEG" in response.json()["fields"]["file"]


# Editing and deleting.


def test_an_edit_from_the_revision_stored_is_saved(author, client):
    entry = make_entry()
    made = post(author, desk_url(entry), new_draft()).json()["update"]
    body = {"content": "Tim walks on stage. (Fixed: it was Johny.)", "revision": made["revision"]}
    response = post(author, desk_url(entry, "update", made["id"]), body)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["update"]["content"] == body["content"]
    assert response.json()["update"]["revision"] == made["revision"] + 1
    assert response.json()["update"]["version"] > made["version"]
    delta = client.get(
        reverse("blog:entry_feed", args=[entry.slug]), {"since": f"{entry.pk}-{made['version']}"}
    )
    assert "Fixed: it was Johny." in delta.json()["updates"][0]["html"]


def test_an_edit_from_an_older_revision_is_refused_with_who_changed_it(author):
    entry = make_entry(time_zone="America/Los_Angeles")
    made = post(author, desk_url(entry), new_draft()).json()["update"]
    colleague = author_client(*AUTHOR, username="ben", first_name="Ben", last_name="Ito")
    post(
        colleague,
        desk_url(entry, "update", made["id"]),
        {"content": "Ben's fix", "revision": made["revision"]},
    )
    mine = {"content": "Ana's fix", "revision": made["revision"]}
    response = post(author, desk_url(entry, "update", made["id"]), mine)
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["error"].startswith("Changed by Ben Ito at ")
    assert response.json()["error"].endswith("since you opened it: your text is kept here.")
    assert " PST " in response.json()["error"] or " PDT " in response.json()["error"]
    assert response.json()["update"]["content"] == "Ben's fix"
    assert LiveUpdate.objects.get().content == "Ben's fix"


def test_an_edit_of_the_text_must_say_which_revision_it_started_from(author):
    entry = make_entry()
    update = make_update(entry)
    response = post(author, desk_url(entry, "update", update.pk), {"content": "New text"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "revision" in response.json()["fields"]


def test_pin_and_key_event_toggles_need_no_version(author):
    entry = make_entry()
    update = make_update(entry, headline="Doors open")
    pinned = make_update(entry, pinned=True)
    assert post(author, desk_url(entry, "update", update.pk), {"pinned": True}).status_code == HTTPStatus.OK
    response = post(author, desk_url(entry, "update", update.pk), {"key_event": True})
    assert response.json()["update"]["key_event"] is True and response.json()["update"]["pinned"] is True
    pinned.refresh_from_db()
    assert not pinned.pinned


def test_a_key_event_toggle_on_an_update_without_a_headline_says_why(author):
    entry = make_entry()
    update = make_update(entry)
    response = post(author, desk_url(entry, "update", update.pk), {"key_event": True})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "needs a headline" in response.json()["error"]


def test_photos_are_replaced_by_the_list_sent_in_order(author):
    entry = make_entry()
    update = make_update(entry, content="The stage")
    kept, dropped = attach_photo(update, alt="Stage left"), attach_photo(update, alt="Stage right")
    update.refresh_from_db()
    new = {"token": upload(author, entry)["token"], "alt": "The demo on screen"}
    body = {"photos": [new, {"id": kept.pk, "alt": "Stage left, lit"}], "revision": update.revision}
    response = post(author, desk_url(entry, "update", update.pk), body)
    assert response.status_code == HTTPStatus.OK, response.content
    assert [photo["alt"] for photo in response.json()["update"]["photos"]] == [
        "The demo on screen",
        "Stage left, lit",
    ]
    assert not update.photos.filter(pk=dropped.pk).exists()
    assert response.json()["update"]["html"].index("The demo on screen") < response.json()["update"][
        "html"
    ].index("Stage left, lit")


def test_another_updates_photo_cannot_be_taken_by_id(author):
    entry = make_entry()
    elsewhere = attach_photo(make_update(entry, content="Other"))
    update = make_update(entry, content="Mine")
    body = {"photos": [{"id": elsewhere.pk, "alt": "Taken"}], "revision": update.revision}
    response = post(author, desk_url(entry, "update", update.pk), body)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "not one of this update's" in response.json()["fields"]["photos.0"]


def test_an_update_of_another_entry_is_not_found(author):
    entry, other = make_entry(), make_entry()
    update = make_update(other)
    response = post(author, desk_url(entry, "update", update.pk), {"pinned": True})
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_deletion_reaches_readers_and_the_history(author, client):
    entry = make_entry()
    update = make_update(entry)
    version = entry.updates.get().version
    response = author.delete(desk_url(entry, "update", update.pk))
    assert response.json() == {"deleted": update.pk}
    assert DeletedUpdate.objects.filter(update_id=update.pk).exists()
    delta = client.get(reverse("blog:entry_feed", args=[entry.slug]), {"since": f"{entry.pk}-{version}"})
    assert delta.json()["updates"] == [{"id": update.pk, "deleted": True}]
    assert LogEntry.objects.get().is_deletion()


def test_deleting_needs_permission_to_delete():
    entry = make_entry()
    update = make_update(entry)
    response = author_client("add_liveupdate", "change_liveupdate").delete(
        desk_url(entry, "update", update.pk)
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert entry.updates.exists()


# Preview.


def test_a_preview_is_the_readers_markup_and_saves_nothing(author):
    entry = make_entry(show_bylines=True)
    body = {"headline": "Live <demo>", "content": "# Specs\n\n<script>alert(1)</script> **40 cores**"}
    response = post(author, desk_url(entry, "preview"), body)
    html = response.json()["html"]
    assert html.startswith('<article class="update')
    assert '<h3 class="update-headline">Live &lt;demo&gt;</h3>' in html
    assert "<h4>Specs</h4>" in html and "<strong>40 cores</strong>" in html
    assert "<script>" not in html
    assert 'By <span class="byline-name">Ana Lima</span>' in html
    assert "/None/" not in html, "a preview has no permalink yet"
    assert not LiveUpdate.objects.exists()


def test_a_preview_shows_photos_not_posted_yet(author):
    entry = make_entry()
    photo = {"token": upload(author, entry)["token"], "alt": "Tim on stage"}
    html = post(author, desk_url(entry, "preview"), {"content": "", "photos": [photo]}).json()["html"]
    assert 'alt="Tim on stage"' in html


# The stream.


def test_the_stream_is_newest_first_with_what_editing_needs(author):
    entry = make_entry()
    older = make_update(entry, content="Doors open", created="2026-11-04T09:00Z")
    newer = make_update(entry, content="Tim on stage", headline="Keynote starts", created="2026-11-04T10:00Z")
    stream = author.get(desk_url(entry)).json()
    assert [update["id"] for update in stream["updates"]] == [newer.pk, older.pk]
    assert stream["updates"][0]["content"] == "Tim on stage"
    assert stream["updates"][0]["version"] == LiveUpdate.objects.get(pk=newer.pk).version
    assert stream["cursor"] == entry.updates.get(pk=newer.pk).version
    assert stream["older"] is None


def test_an_edit_after_the_grace_says_updated_as_readers_see_it(author, client):
    entry = make_entry()
    update = make_update(entry, content="12 regions", posted=timezone.now() - dt.timedelta(hours=1))
    url = desk_url(entry, "update", update.pk)
    body = {"content": "14 regions", "revision": update.revision}

    saved = post(author, url, body).json()["update"]

    feed = client.get(reverse("blog:entry_feed", args=[entry.slug])).json()["updates"][0]
    assert saved["edited_label"] is not None
    assert (saved["edited"], saved["edited_label"], saved["edited_title"]) == (
        feed["edited"],
        feed["edited_label"],
        feed["edited_title"],
    )
    assert author.get(desk_url(entry)).json()["updates"][0]["edited_label"] == feed["edited_label"]


def test_a_quick_fix_says_no_updated_on_the_desk_either(author):
    entry = make_entry()
    update = make_update(entry, content="Teh keynote")
    body = {"content": "The keynote", "revision": update.revision}
    saved = post(author, desk_url(entry, "update", update.pk), body).json()["update"]
    assert (saved["edited"], saved["edited_label"], saved["edited_title"]) == (None, None, None)


def test_the_stream_pages_back_with_before(author, monkeypatch):
    monkeypatch.setattr(desk, "STREAM_SIZE", 2)
    entry = make_entry()
    made = [make_update(entry, content=f"Update {n}", created=f"2026-11-04T10:0{n}Z") for n in range(5)]
    first = author.get(desk_url(entry)).json()
    assert [update["id"] for update in first["updates"]] == [made[4].pk, made[3].pk]
    second = author.get(first["older"]).json()
    assert [update["id"] for update in second["updates"]] == [made[2].pk, made[1].pk]
    third = author.get(second["older"]).json()
    assert [update["id"] for update in third["updates"]] == [made[0].pk] and third["older"] is None


def test_the_stream_since_a_cursor_brings_a_co_authors_changes(author):
    entry = make_entry()
    edited, deleted = make_update(entry, content="Typo"), make_update(entry, content="Wrong entry")
    deleted_id = deleted.pk
    cursor = author.get(desk_url(entry)).json()["cursor"]
    edited.content = "No typo"
    edited.save()
    deleted.delete()
    new = make_update(entry, content="Ben's update")
    changes = author.get(desk_url(entry), {"since": cursor}).json()
    assert {update["id"] for update in changes["updates"]} == {edited.pk, new.pk}
    assert changes["deleted"] == [deleted_id]
    assert author.get(desk_url(entry), {"since": changes["cursor"]}).json()["updates"] == []


def test_a_bad_cursor_answers_400(author):
    response = author.get(desk_url(make_entry()), {"since": "yesterday"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


# Coverage.


def test_coverage_ends_and_resumes_from_the_desk(author):
    entry = make_entry()
    ended = post(author, desk_url(entry, "coverage"), {"ended": True}).json()["entry"]
    assert ended["is_live"] is False and ended["ended_label"]
    entry.refresh_from_db()
    assert not entry.is_live
    resumed = post(author, desk_url(entry, "coverage"), {"ended": False}).json()["entry"]
    assert resumed["is_live"] is True


# What a review found: retries, false conflicts and hostile input.


def test_a_retry_whose_text_was_rewritten_since_is_refused_and_the_post_kept_as_first_sent(author):
    """A lost answer, then the author rewrote the draft: the new words are not dropped as "already posted"."""
    entry = make_entry()
    draft = new_draft(content="Tim walks on stage.")
    post(author, desk_url(entry), draft)
    response = post(author, desk_url(entry), {**draft, "content": "Tim walks on stage, in sneakers."})
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json()["replayed"] is True
    assert response.json()["update"]["content"] == "Tim walks on stage."
    assert "What is here now is kept" in response.json()["error"]
    assert entry.updates.count() == 1


def test_a_retry_of_a_draft_posted_and_then_deleted_does_not_post_it_again(author):
    entry = make_entry()
    draft = new_draft()
    made = post(author, desk_url(entry), draft).json()["update"]
    author.delete(desk_url(entry, "update", made["id"]))
    response = post(author, desk_url(entry), draft)
    assert response.status_code == HTTPStatus.GONE
    assert "posted and then deleted" in response.json()["error"]
    assert not entry.updates.exists()


def test_an_edit_retried_after_its_answer_was_lost_is_not_a_conflict(author):
    entry = make_entry()
    made = post(author, desk_url(entry), new_draft()).json()["update"]
    edit = {"content": "Fixed the typo.", "revision": made["revision"]}
    post(author, desk_url(entry, "update", made["id"]), edit)
    response = post(author, desk_url(entry, "update", made["id"]), edit)
    assert response.status_code == HTTPStatus.OK
    assert response.json()["update"]["content"] == "Fixed the typo."


def test_a_pin_moving_to_another_update_is_no_conflict_for_an_edit(author):
    entry = make_entry()
    first = post(author, desk_url(entry), new_draft(pinned=True)).json()["update"]
    post(author, desk_url(entry), new_draft(content="Second", pinned=True))
    edit = {"content": "What we know so far, updated.", "revision": first["revision"]}
    response = post(author, desk_url(entry, "update", first["id"]), edit)
    assert response.status_code == HTTPStatus.OK, response.json()
    assert response.json()["update"]["pinned"] is False


def test_a_conflict_names_whoever_changed_the_text_not_whoever_toggled_a_pin_since(author):
    entry = make_entry()
    made = post(author, desk_url(entry), new_draft()).json()["update"]
    ben = author_client(*AUTHOR, username="ben", first_name="Ben", last_name="Ito")
    cy = author_client(*AUTHOR, username="cy", first_name="Cy", last_name="Ode")
    post(ben, desk_url(entry, "update", made["id"]), {"content": "Ben's fix", "revision": made["revision"]})
    post(cy, desk_url(entry, "update", made["id"]), {"pinned": True})
    response = post(
        author, desk_url(entry, "update", made["id"]), {"content": "Mine", "revision": made["revision"]}
    )
    assert response.json()["error"].startswith("Changed by Ben Ito at ")


def test_a_toggle_on_an_update_that_is_a_photo_alone_is_saved(author):
    entry = make_entry()
    update = make_update(entry, content="", headline="The stage")
    attach_photo(update)
    response = post(author, desk_url(entry, "update", update.pk), {"key_event": True})
    assert response.status_code == HTTPStatus.OK, response.json()


def test_an_edits_preview_shows_the_photos_the_update_has(author):
    entry = make_entry()
    update = make_update(entry, content="The stage")
    photo = attach_photo(update, alt="Stage left")
    body = {
        "update": update.pk,
        "content": "The stage, lit",
        "photos": [{"id": photo.pk, "alt": "Stage left, lit"}],
    }
    response = post(author, desk_url(entry, "preview"), body)
    assert response.status_code == HTTPStatus.OK, response.json()
    assert 'alt="Stage left, lit"' in response.json()["html"]


def test_a_photo_token_from_another_entrys_desk_is_refused(author):
    entry, other = make_entry(), make_entry()
    photo = {"token": upload(author, other)["token"], "alt": "The stage"}
    response = post(author, desk_url(entry), new_draft(photos=[photo]))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "add it again" in response.json()["fields"]["photos.0"]


def test_the_same_photo_twice_or_too_many_photos_are_refused(author):
    entry = make_entry()
    update = make_update(entry, content="The stage")
    photo = attach_photo(update)
    twice = [{"id": photo.pk, "alt": "A"}, {"id": photo.pk, "alt": "A"}]
    response = post(
        author, desk_url(entry, "update", update.pk), {"photos": twice, "revision": update.revision}
    )
    assert response.json()["fields"] == {"photos.1": "This photo is in the update twice."}
    many = [{"id": photo.pk, "alt": "A"}] * (desk.MAX_PHOTOS + 1)
    response = post(
        author, desk_url(entry, "update", update.pk), {"photos": many, "revision": update.revision}
    )
    assert "up to 20 photos" in response.json()["fields"]["photos"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"content": "x", "revision": 1e300}),
        '{"content": "x", "revision": 1e400}',
        json.dumps({"content": "x", "revision": True}),
        json.dumps({"content": "x", "revision": "9" * 5000}),
        json.dumps({"photos": [{"id": 1, "alt": "nul \x00 in it"}], "revision": 0}),
        json.dumps({"content": "nul \x00 in it", "revision": 0}),
    ],
)
def test_hostile_input_is_a_400_not_a_500(author, body):
    entry = make_entry()
    update = make_update(entry)
    response = author.post(desk_url(entry, "update", update.pk), body, content_type="application/json")
    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content


def test_a_logged_in_account_without_admin_access_is_refused_not_asked_to_log_in_again():
    entry = make_entry()
    client = Client()
    client.force_login(make_user(is_staff=False))
    response = post(client, desk_url(entry), new_draft())
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json() == {"error": "This account may not use the admin."}
    assert not entry.updates.exists()


def test_the_history_records_only_the_fields_the_desk_knows(author):
    entry = make_entry()
    update = make_update(entry, headline="Doors open")
    post(author, desk_url(entry, "update", update.pk), {"key_event": True, "headlne": "typo"})
    assert json.loads(LogEntry.objects.get().change_message) == [{"changed": {"fields": ["key_event"]}}]
