"""The entry page describes itself to search engines as a schema.org LiveBlogPosting (issue 13).

Read from the served page with extruct, as a crawler reads it. Requests claim
Host 127.0.0.1: every URL must still name SITE_URL (https://live.example.com).
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import extruct
import pytest
from django.utils import timezone

from blog import structured_data
from blog.models import Entry, LiveUpdate
from blog.tests.factories import attach_photo, make_entry, make_update, make_user
from blog.tests.test_html_validity import nu_errors

pytestmark = pytest.mark.django_db

SITE = "https://live.example.com"
NEW_YORK = ZoneInfo("America/New_York")
# Election night, back-dated: 19:00 in New York is 00:00 UTC the next day.
START = datetime(2026, 11, 3, 19, 0, tzinfo=NEW_YORK)
INTRO = (
    "Results from **every state** as they come in.\n\n"
    "Our page updates a `<div>` using innerHTML, and a <div> in prose stays text.\n\n"
    "```python\nprint('<b>not bold</b>')\n```"
)
OFFSET = re.compile(r"[+-]\d\d:\d\d$")


def served(client, entry):
    response = client.get(entry.get_absolute_url(), HTTP_HOST="127.0.0.1")
    assert response.status_code == 200
    return response.content.decode()


def posting_of(client, entry):
    """The page's one JSON-LD object, as extruct reads it."""
    items = extruct.extract(served(client, entry), syntaxes=["json-ld"], uniform=False)["json-ld"]
    assert len(items) == 1
    return items[0]


def election(**fields):
    fields = {
        "title": "Election night",
        "body": INTRO,
        "time_zone": "America/New_York",
        "created": START,
        **fields,
    }
    return make_entry(**fields)


def strings_in(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, str):
        yield value


def test_a_live_entry_is_a_live_blog_posting_with_its_title_intro_address_and_coverage_start(client):
    entry = election()
    posting = posting_of(client, entry)
    assert posting["@context"] == "https://schema.org"
    assert posting["@type"] == "LiveBlogPosting"
    assert posting["headline"] == "Election night"
    assert posting["url"] == f"{SITE}/entries/{entry.slug}/"
    assert posting["datePublished"] == "2026-11-03T19:00:00-05:00"
    assert posting["coverageStartTime"] == "2026-11-03T19:00:00-05:00"
    assert "coverageEndTime" not in posting


def test_the_description_is_the_whole_intro_as_plain_text(client):
    posting = posting_of(client, election())
    assert posting["description"] == (
        "Results from every state as they come in.\n"
        "Our page updates a <div> using innerHTML, and a <div> in prose stays text.\n"
        "print('<b>not bold</b>')"
    )


def test_an_ended_entry_says_when_its_coverage_ended(client):
    entry = election()
    make_update(entry, content="Polls close.", created=START + timedelta(hours=1))
    entry.end_coverage()
    posting = posting_of(client, entry)
    assert posting["coverageEndTime"] == timezone.localtime(entry.ended, NEW_YORK).isoformat(
        timespec="seconds"
    )
    assert posting["dateModified"] == posting["coverageEndTime"]


def test_the_publisher_is_the_site_with_a_raster_logo_at_an_absolute_address(client):
    publisher = posting_of(client, election())["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == "Liveblog"
    assert publisher["logo"]["@type"] == "ImageObject"
    assert re.fullmatch(rf"{SITE}/static/logo(\.[0-9a-f]+)?\.png", publisher["logo"]["url"])


def test_the_publisher_comes_from_site_name_and_site_logo_url(client, settings):
    settings.SITE_NAME = "The Daily Planet Live"
    settings.SITE_LOGO_URL = "https://cdn.example.com/planet-600.png"
    publisher = posting_of(client, election())["publisher"]
    assert publisher["name"] == "The Daily Planet Live"
    assert publisher["logo"]["url"] == "https://cdn.example.com/planet-600.png"


def test_each_update_is_a_blog_posting_newest_first_with_its_permalink_times_and_plain_text(client):
    entry = election()
    first = make_update(entry, headline="Polls close in Indiana", content="Doors shut at **6 pm**.",
                        created=START + timedelta(minutes=5))  # fmt: skip
    second = make_update(
        entry,
        content="A chart of turnout:\n\n```js\nchart.update('<div>');\n```\n\n- Ohio\n- Texas",
        created=START + timedelta(hours=5, minutes=30),  # after midnight UTC and in New York
        posted=START + timedelta(hours=5, minutes=30),
    )
    updates = posting_of(client, entry)["liveBlogUpdate"]
    assert [update["@type"] for update in updates] == ["BlogPosting", "BlogPosting"]
    assert [update["url"] for update in updates] == [
        f"{SITE}/entries/{entry.slug}/updates/{second.pk}/#update-{second.pk}",
        f"{SITE}/entries/{entry.slug}/updates/{first.pk}/#update-{first.pk}",
    ]
    assert updates[1]["headline"] == "Polls close in Indiana"
    assert updates[1]["articleBody"] == "Doors shut at 6 pm."
    assert updates[0]["articleBody"] == "A chart of turnout:\nchart.update('<div>');\nOhio\nTexas"
    assert updates[0]["datePublished"] == "2026-11-04T00:30:00-05:00"
    assert updates[0]["dateModified"] == "2026-11-04T00:30:00-05:00"


def test_an_edited_update_says_when_it_was_modified(client):
    entry = election()
    update = make_update(entry, content="14 regions.", created=START, posted=START)
    LiveUpdate.objects.filter(pk=update.pk).update(edited=START + timedelta(minutes=42))
    posting = posting_of(client, entry)
    assert posting["liveBlogUpdate"][0]["datePublished"] == "2026-11-03T19:00:00-05:00"
    assert posting["liveBlogUpdate"][0]["dateModified"] == "2026-11-03T19:42:00-05:00"


def test_an_update_without_a_headline_is_headed_by_its_first_sentence_cut_to_110_characters(client):
    entry = election()
    make_update(entry, content="Turnout is up. Lines are long in Ohio.", created=START)
    make_update(entry, content="Counting " + "goes on and on " * 20 + "until dawn. Then more.",
                created=START + timedelta(minutes=1))  # fmt: skip
    long, short = posting_of(client, entry)["liveBlogUpdate"]
    assert short["headline"] == "Turnout is up."
    assert len(long["headline"]) == 110
    assert long["headline"].startswith("Counting goes on and on") and long["headline"].endswith("…")


@pytest.mark.parametrize(
    ("text", "headline"),
    [
        (
            "Mr. Okafor takes the stage with the U.S. delegation. More soon.",
            "Mr. Okafor takes the stage with the U.S. delegation.",
        ),
        (
            "Dr. Lin, e.g. the chair, opens the count! Then a pause.",
            "Dr. Lin, e.g. the chair, opens the count!",
        ),
        ("Is this the result? We think so.", "Is this the result?"),
    ],
)
def test_a_first_sentence_is_not_cut_at_a_title_or_an_abbreviation(text, headline):
    assert structured_data.first_sentence(text) == headline


def test_an_updates_correction_is_part_of_its_body(client):
    entry = election()
    make_update(
        entry, content="14 regions voted.", correction="Correction: 14 regions, not 12.", created=START
    )
    body = posting_of(client, entry)["liveBlogUpdate"][0]["articleBody"]
    assert body == "14 regions voted.\nCorrection: 14 regions, not 12."


def test_only_the_latest_50_updates_are_carried(client):
    entry = election()
    LiveUpdate.objects.bulk_create(
        LiveUpdate(entry=entry, content_html=f"<p>Update {n}.</p>", created=START + timedelta(minutes=n))
        for n in range(60)
    )
    Entry.objects.filter(pk=entry.pk).recount()  # bulk_create() saves no update one by one
    updates = posting_of(client, entry)["liveBlogUpdate"]
    assert [update["headline"] for update in updates] == [f"Update {n}." for n in range(59, 9, -1)]


def test_several_authors_are_each_named_once_and_every_update_names_its_own(client):
    entry = election(show_bylines=True)
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    tom = make_user("tom")
    make_update(entry, content="First.", author=tom, created=START)
    make_update(entry, content="Second.", author=ada, created=START + timedelta(minutes=1))
    make_update(entry, content="Third.", author=tom, created=START + timedelta(minutes=2))
    make_update(entry, content="From before bylines.", created=START + timedelta(minutes=3))
    posting = posting_of(client, entry)
    assert posting["author"] == [
        {"@type": "Person", "name": "tom"},
        {"@type": "Person", "name": "Ada Lovelace"},
    ]
    assert [update.get("author") for update in posting["liveBlogUpdate"]] == [
        None,
        {"@type": "Person", "name": "tom"},
        {"@type": "Person", "name": "Ada Lovelace"},
        {"@type": "Person", "name": "tom"},
    ]


def test_with_bylines_off_no_person_is_named_and_the_publisher_stands_as_author(client):
    """Hiding bylines is the entry's choice: the markup must not say what the page does not."""
    entry = election(show_bylines=False)
    make_update(entry, content="First.", author=make_user("ada", first_name="Ada", last_name="Lovelace"))
    html = served(client, entry)
    posting = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"][0]
    assert posting["author"] == [{"@type": "Organization", "name": "Liveblog"}]
    assert "author" not in posting["liveBlogUpdate"][0]
    assert "Lovelace" not in html


def test_photos_are_the_images_of_their_update_and_of_the_entry(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = election(show_bylines=True)
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    stage = make_update(entry, content="The stage.", author=ada, created=START)
    stage_photo = attach_photo(stage, alt="The stage from row three.")
    crowd = make_update(entry, content="", created=START + timedelta(minutes=1))  # a photo alone
    crowd_photo = attach_photo(
        crowd, width=800, height=600, alt="The crowd cheers as the first result comes in."
    )
    make_update(entry, content="No photo here.", created=START + timedelta(minutes=2))
    posting = posting_of(client, entry)
    stage_url = f"{SITE}/media/{stage_photo.variants[-1]['name']}"
    crowd_url = f"{SITE}/media/{crowd_photo.variants[-1]['name']}"
    assert posting["image"] == [crowd_url, stage_url]
    no_photo, photo_alone, with_text = posting["liveBlogUpdate"]
    assert "image" not in no_photo
    assert photo_alone["image"] == [crowd_url]
    assert photo_alone["headline"] == "The crowd cheers as the first result comes in."
    assert "articleBody" not in photo_alone
    assert with_text["image"] == [stage_url]
    assert with_text["articleBody"] == "The stage."


def test_a_photo_alone_is_headed_by_its_caption_rather_than_its_description(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = election()
    photo_alone = make_update(entry, content="")
    attach_photo(
        photo_alone,
        alt="A tall green slide with a yellow oval and the words 'Ship it' in white.",
        caption="The slide of the morning: ship it. The room laughs.",
        credit="Ada Lovelace",
    )
    (posting,) = posting_of(client, entry)["liveBlogUpdate"]
    assert posting["headline"] == "The slide of the morning: ship it."


def test_the_same_photo_in_two_updates_is_one_image_of_the_entry(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = election()
    first = attach_photo(make_update(entry, content="The stage.", created=START))
    again = attach_photo(make_update(entry, content="The stage again.", created=START + timedelta(minutes=1)))
    assert first.variants == again.variants  # the same file, stored once
    assert posting_of(client, entry)["image"] == [f"{SITE}/media/{first.variants[-1]['name']}"]


def test_an_entry_without_photos_has_no_image(client):
    entry = election()
    make_update(entry, content="Words only.")
    assert "image" not in posting_of(client, entry)


def test_a_headline_that_closes_the_script_stays_inside_the_data_block(client):
    hostile = "</script><script>alert(1)</script>"
    entry = election(title=f"Results {hostile}", body=f"Intro {hostile} <!-- comment")
    make_update(entry, headline=hostile, content=f"Body {hostile}")
    html = served(client, entry)
    assert "<script>alert(1)" not in html
    assert html.count('<script type="application/ld+json">') == 1
    posting = extruct.extract(html, syntaxes=["json-ld"], uniform=False)["json-ld"][0]
    assert posting["headline"] == f"Results {hostile}"
    assert posting["description"] == f"Intro {hostile} <!-- comment"
    assert posting["liveBlogUpdate"][0]["headline"] == hostile
    assert posting["liveBlogUpdate"][0]["articleBody"] == f"Body {hostile}"


def test_the_policy_still_allows_no_inline_script(client):
    """The JSON-LD is a data block, which browsers never run: the CSP needs no exception for it."""
    response = client.get(election().get_absolute_url())
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "sha256-" not in policy and "nonce-" not in policy


@pytest.mark.parametrize("zone", ["America/New_York", "UTC", "Asia/Kathmandu"])
def test_every_time_carries_its_utc_offset(client, zone):
    entry = election(time_zone=zone, show_bylines=True)
    update = make_update(entry, headline="Polls close", content="Now.", created=START)
    LiveUpdate.objects.filter(pk=update.pk).update(edited=START + timedelta(hours=2))
    entry.end_coverage()
    posting = posting_of(client, entry)
    times = [
        posting[name] for name in ("datePublished", "dateModified", "coverageStartTime", "coverageEndTime")
    ]
    times += [
        update[name] for update in posting["liveBlogUpdate"] for name in ("datePublished", "dateModified")
    ]
    assert all(OFFSET.search(moment) for moment in times), times
    assert datetime.fromisoformat(posting["datePublished"]) == START


def test_no_address_in_it_comes_from_the_request_host(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    entry = election(show_bylines=True)
    attach_photo(make_update(entry, content="The stage.", author=make_user("ada")))
    posting = posting_of(client, entry)
    urls = [text for text in strings_in(posting) if "://" in text or text.startswith("/")]
    assert len(urls) >= 5
    assert all(url.startswith(f"{SITE}/") or url == "https://schema.org" for url in urls), urls
    assert not any("127.0.0.1" in text or "testserver" in text for text in strings_in(posting))


def test_the_page_with_its_data_block_and_previews_stays_valid_html(client, settings, tmp_path):
    """Checked by the Nu HTML checker, with a hostile headline, photos, several authors and an end."""
    settings.MEDIA_ROOT = tmp_path
    entry = election(title="</script><script>alert(1)</script> & <!-- results", show_bylines=True)
    attach_photo(make_update(entry, headline="</script>", content=INTRO, author=make_user("ada")))
    make_update(entry, content="Second <div>.", author=make_user("tom"), created=START)
    entry.end_coverage()
    assert nu_errors({"entry": served(client, entry)}, tmp_path) == []
