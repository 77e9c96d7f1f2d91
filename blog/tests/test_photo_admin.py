"""Photos on an update, as an author attaches, describes, reorders and removes them in the admin."""

import io
import re
from http import HTTPStatus

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from blog.models import LiveUpdate, Photo
from blog.tests.factories import attach_photo, make_entry, make_update

pytestmark = pytest.mark.django_db

ADD_UPDATE = reverse("admin:blog_liveupdate_add")
SLIDE_DESCRIPTION = (
    "A slide titled 'Offline first', with a diagram: the phone keeps a queue of updates "
    "and sends them when the network comes back; three arrows point from the queue to the server."
) * 8  # seed-like alt text: long, over 1,000 characters


def stored_files(media_root):
    return sorted(path.relative_to(media_root).as_posix() for path in media_root.rglob("*") if path.is_file())


def jpeg(width=1200, height=800, colour=(30, 90, 160), name="slide.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", quality=90)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def photo_fields(index, file=None, alt="", caption="", credit="", position=0, photo_id="", delete=False):
    prefix = f"photos-{index}"
    fields = {f"{prefix}-alt": alt, f"{prefix}-caption": caption, f"{prefix}-credit": credit,
              f"{prefix}-position": position, f"{prefix}-id": photo_id}  # fmt: skip
    if file is not None:
        fields[f"{prefix}-file"] = file
    if delete:
        fields[f"{prefix}-DELETE"] = "on"
    return fields


def update_form(entry, content, *photos, initial=0):
    data = {"entry": entry.pk, "content": content, "created_0": "", "created_1": "", "_save": "1",
            "photos-TOTAL_FORMS": str(len(photos)), "photos-INITIAL_FORMS": str(initial)}  # fmt: skip
    for photo in photos:
        data.update(photo)
    return data


def post_new_update(admin_client, entry, content, *photos):
    return admin_client.post(ADD_UPDATE, update_form(entry, content, *photos))


def change_update(admin_client, update, content, *photos):
    url = reverse("admin:blog_liveupdate_change", args=[update.pk])
    return admin_client.post(url, update_form(update.entry, content, *photos, initial=update.photos.count()))


def test_an_author_attaches_a_described_photo_and_readers_get_a_responsive_figure(admin_client, client):
    entry = make_entry()
    response = post_new_update(
        admin_client, entry, "The slide everyone photographed:",
        photo_fields(0, jpeg(2000, 1000), alt=SLIDE_DESCRIPTION, caption="Offline first", credit="Ana Ruiz"),
    )  # fmt: skip
    assert response.status_code == HTTPStatus.FOUND
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (1600, 800)
    assert [variant["width"] for variant in photo.variants] == [480, 960, 1600]

    html = client.get(entry.get_absolute_url()).content.decode()
    figure = re.search(r'<figure class="update-photo">.*?</figure>', html, re.S)[0]
    names = [variant["name"] for variant in photo.variants]
    assert f'src="/media/{names[1]}"' in figure
    assert f'srcset="/media/{names[0]} 480w, /media/{names[1]} 960w, /media/{names[2]} 1600w"' in figure
    assert 'sizes="(min-width: 42rem) 40rem, calc(100vw - 2rem)"' in figure
    assert 'width="1600" height="800"' in figure
    assert 'loading="lazy" decoding="async"' in figure
    assert f'alt="{escape(SLIDE_DESCRIPTION)}"' in figure
    assert f'<a href="/media/{names[2]}">' in figure
    assert (
        '<figcaption>Offline first <span class="photo-credit">Photo: Ana Ruiz</span></figcaption>' in figure
    )
    assert html.index("The slide everyone photographed:") < html.index("<figure"), (
        "photos come after the text"
    )


def test_the_feed_carries_the_photo_in_the_updates_html_exactly_as_the_page(admin_client, client):
    entry = make_entry()
    post_new_update(admin_client, entry, "Stage", photo_fields(0, jpeg(), alt="The stage, empty."))
    [update] = client.get(f"/entries/{entry.slug}/updates.json").json()["updates"]
    assert update["html"] == LiveUpdate.objects.get().content_html
    assert '<figure class="update-photo">' in update["html"]


def test_an_update_may_be_a_photo_alone(admin_client):
    response = post_new_update(
        admin_client, make_entry(), "", photo_fields(0, jpeg(), alt="The queue outside.")
    )
    assert response.status_code == HTTPStatus.FOUND
    assert LiveUpdate.objects.get().content_html.startswith('<figure class="update-photo">')


def test_an_update_needs_text_or_a_photo(admin_client):
    response = post_new_update(admin_client, make_entry(), "  ")
    assert response.status_code == HTTPStatus.OK
    assert "Write something or add a photo" in response.content.decode()
    assert not LiveUpdate.objects.exists()


def test_a_photo_without_a_description_is_refused_saying_why_and_the_text_is_kept(admin_client, media_root):
    entry = make_entry()
    response = post_new_update(admin_client, entry, "Typed in a hurry", photo_fields(0, jpeg(), alt=""))
    page = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Describe the photo for readers who cannot see it." in page
    assert re.search(r'<textarea name="content"[^>]*>\s*Typed in a hurry</textarea>', page)
    assert not LiveUpdate.objects.exists()
    assert stored_files(media_root) == [], "nothing is stored for a refused form"


def test_a_file_that_is_not_a_photo_is_a_form_error_and_nothing_is_stored(admin_client, media_root):
    fake = SimpleUploadedFile("slide.jpg", b"These are my notes, not a photo.", content_type="image/jpeg")
    response = post_new_update(admin_client, make_entry(), "Notes", photo_fields(0, fake, alt="Notes"))
    assert response.status_code == HTTPStatus.OK
    assert "JPEG, PNG, WebP, GIF or HEIC" in response.content.decode()
    assert not LiveUpdate.objects.exists()
    assert stored_files(media_root) == []


def test_a_description_may_be_2000_characters_long(admin_client):
    response = post_new_update(admin_client, make_entry(), "", photo_fields(0, jpeg(), alt="x" * 2000))
    assert response.status_code == HTTPStatus.FOUND


def test_photos_keep_the_order_the_author_gives_them_and_can_be_reordered(admin_client):
    entry = make_entry()
    post_new_update(
        admin_client, entry, "Two slides",
        photo_fields(0, jpeg(colour=(200, 0, 0)), alt="Red slide", position=1),
        photo_fields(1, jpeg(colour=(0, 0, 200)), alt="Blue slide", position=2),
    )  # fmt: skip
    update = LiveUpdate.objects.get()
    assert update.content_html.index("Red slide") < update.content_html.index("Blue slide")
    red, blue = update.photos.all()
    version = update.version
    change_update(
        admin_client, update, "Two slides",
        photo_fields(0, alt="Red slide", position=2, photo_id=red.pk),
        photo_fields(1, alt="Blue slide", position=1, photo_id=blue.pk),
    )  # fmt: skip
    update.refresh_from_db()
    assert update.content_html.index("Blue slide") < update.content_html.index("Red slide")
    assert update.version > version, "open pages are sent the new order"


def test_re_describing_a_photo_reaches_readers(admin_client, client):
    entry = make_entry()
    post_new_update(admin_client, entry, "Demo", photo_fields(0, jpeg(), alt="A phone"))
    update = LiveUpdate.objects.get()
    cursor = client.get(f"/entries/{entry.slug}/updates.json").json()["cursor"]
    described = photo_fields(0, alt="A phone with the new app open", photo_id=update.photos.get().pk)
    change_update(admin_client, update, "Demo", described)
    [changed] = client.get(f"/entries/{entry.slug}/updates.json?since={cursor}").json()["updates"]
    assert 'alt="A phone with the new app open"' in changed["html"]


def test_removing_a_photo_removes_it_from_the_page_and_its_files_from_storage(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    entry = make_entry()
    post_new_update(admin_client, entry, "Demo", photo_fields(0, jpeg(), alt="A phone"))
    update = LiveUpdate.objects.get()
    assert len(stored_files(media_root)) == len(update.photos.get().variants) > 0
    with django_capture_on_commit_callbacks(execute=True):
        change_update(
            admin_client,
            update,
            "Demo",
            photo_fields(0, alt="A phone", photo_id=update.photos.get().pk, delete=True),
        )
    update.refresh_from_db()
    assert "<figure" not in update.content_html
    assert stored_files(media_root) == []


def test_deleting_an_update_deletes_its_photos_files(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    post_new_update(admin_client, make_entry(), "Demo", photo_fields(0, jpeg(), alt="A phone"))
    with django_capture_on_commit_callbacks(execute=True):
        LiveUpdate.objects.get().delete()
    assert stored_files(media_root) == []


def test_files_shared_by_two_photos_of_the_same_picture_stay_until_the_last_goes(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    entry = make_entry()
    post_new_update(admin_client, entry, "First", photo_fields(0, jpeg(), alt="Same picture"))
    post_new_update(admin_client, entry, "Second", photo_fields(0, jpeg(), alt="Same picture again"))
    first, second = LiveUpdate.objects.order_by("id")
    kept = stored_files(media_root)
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert stored_files(media_root) == kept != []
    with django_capture_on_commit_callbacks(execute=True):
        second.delete()
    assert stored_files(media_root) == []


def test_stored_photos_are_served_by_the_app_and_cached_for_good(admin_client, client):
    post_new_update(admin_client, make_entry(), "", photo_fields(0, jpeg(), alt="Stage"))
    name = Photo.objects.get().variants[0]["name"]
    response = client.get(f"/media/{name}")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    outside = client.get("/media/../liveblog/settings.py")
    assert HTTPStatus.BAD_REQUEST <= outside.status_code < HTTPStatus.INTERNAL_SERVER_ERROR


def test_a_fine_photo_in_a_form_sent_back_for_another_error_asks_to_be_chosen_again(admin_client, settings):
    """Browsers never fill a file input in again: unwarned, the author would lose the photo unnoticed."""
    settings.MARKDOWN_MAX_LENGTH = 10
    response = post_new_update(
        admin_client, make_entry(), "Far too long a text", photo_fields(0, jpeg(), alt="Stage")
    )
    page = response.content.decode()
    assert "the limit is 10" in page
    assert (
        "This photo was fine, but the form had an error elsewhere: choose the file again, then save." in page
    )


def test_a_saved_photo_shows_in_its_row_of_the_edit_form(admin_client):
    post_new_update(admin_client, make_entry(), "", photo_fields(0, jpeg(), alt="Stage"))
    update = LiveUpdate.objects.get()
    smallest = update.photos.get().variants[0]
    form = admin_client.get(reverse("admin:blog_liveupdate_change", args=[update.pk])).content.decode()
    assert f'<img src="/media/{smallest["name"]}" alt="" width="{smallest["width"]}"' in form


def test_photos_left_at_position_0_go_after_the_others_in_the_order_added(admin_client):
    entry = make_entry()
    post_new_update(
        admin_client, entry, "Two slides",
        photo_fields(0, jpeg(colour=(200, 0, 0)), alt="Red slide"),
        photo_fields(1, jpeg(colour=(0, 0, 200)), alt="Blue slide"),
    )  # fmt: skip
    update = LiveUpdate.objects.get()
    red, blue = update.photos.all()
    assert (red.alt, red.position, blue.alt, blue.position) == ("Red slide", 1, "Blue slide", 2)
    change_update(
        admin_client, update, "Three slides",
        photo_fields(0, alt="Red slide", position=1, photo_id=red.pk),
        photo_fields(1, alt="Blue slide", position=2, photo_id=blue.pk),
        photo_fields(2, jpeg(colour=(0, 200, 0)), alt="Green slide"),
    )  # fmt: skip
    assert [photo.alt for photo in update.photos.all()] == ["Red slide", "Blue slide", "Green slide"]


def test_a_photo_only_update_is_named_by_its_photo_in_the_update_list(admin_client):
    post_new_update(admin_client, make_entry(), "", photo_fields(0, jpeg(), alt="The queue outside the hall"))
    listing = admin_client.get(reverse("admin:blog_liveupdate_changelist")).content.decode()
    assert "Photo: The queue outside the hall" in listing


def test_a_photo_given_a_new_file_replaces_its_files_in_storage(
    admin_client, media_root, django_capture_on_commit_callbacks
):
    post_new_update(
        admin_client, make_entry(), "Demo", photo_fields(0, jpeg(colour=(200, 0, 0)), alt="A phone")
    )
    update = LiveUpdate.objects.get()
    photo = update.photos.get()
    old_files = stored_files(media_root)
    new_file = photo_fields(0, jpeg(colour=(0, 200, 0)), alt="A phone", photo_id=photo.pk)
    with django_capture_on_commit_callbacks(execute=True):
        change_update(admin_client, update, "Demo", new_file)
    photo.refresh_from_db()
    assert stored_files(media_root) == sorted(variant["name"] for variant in photo.variants)
    assert not set(old_files) & set(stored_files(media_root)), "the old picture's files are gone"
    update.refresh_from_db()
    assert photo.variants[0]["name"] in update.content_html


def test_deleting_a_photo_outside_the_admin_takes_it_off_the_page(django_capture_on_commit_callbacks):
    update = make_update(make_entry(), content="Stage")
    photo = attach_photo(update)
    version = LiveUpdate.objects.get().version
    with django_capture_on_commit_callbacks(execute=True):
        photo.delete()
    update.refresh_from_db()
    assert ("<figure" in update.content_html, update.version > version) == (False, True)
