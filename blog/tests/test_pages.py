from http import HTTPStatus

import pytest
from django.urls import reverse

from blog.tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


def test_home_lists_entries_newest_first_with_live_ones_marked(client):
    make_entry(title="Older", created="2026-01-01T10:00:00Z", is_live=False)
    make_entry(title="Newer", created="2026-02-01T10:00:00Z")
    html = client.get("/").content.decode()
    assert html.index("Newer") < html.index("Older")
    assert html.count('class="badge badge-live"') == 1
    assert 'href="/entries/' in html


def test_entry_page_shows_title_badge_intro_and_updates_oldest_first(client):
    entry = make_entry(title="Launch", body="The *intro*")
    late = make_update(entry, content="Second", created="2026-03-01T10:05:00Z")
    early = make_update(entry, content="First", created="2026-03-01T10:00:00Z")
    response = client.get(f"/entries/{entry.slug}/")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<h1>Launch</h1>" in html
    assert ">Live<" in html
    assert "<p>The <em>intro</em></p>" in html
    assert 'id="live-updates"' in html
    assert html.index(f'id="update-{early.pk}"') < html.index(f'id="update-{late.pk}"')


def test_each_update_has_a_permalinked_time_in_the_entrys_zone(client):
    entry = make_entry(time_zone="Asia/Tokyo")
    update = make_update(entry, created="2026-03-01T10:00:00Z")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert (
        f'<a class="update-time" href="#update-{update.pk}"><time datetime="2026-03-01T19:00:00+09:00"'
    ) in html
    assert ">19:00</time></a>" in html


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        ("2026-03-29T00:30:00Z", "00:30"),  # before Europe/London moves to BST
        ("2026-03-29T01:30:00Z", "02:30"),  # after
        ("2026-10-25T00:30:00Z", "01:30"),  # first 01:30 of the day BST ends
        ("2026-10-25T01:30:00Z", "01:30"),  # second 01:30, now GMT
    ],
)
def test_times_are_right_on_both_sides_of_a_daylight_saving_change(client, utc, local):
    entry = make_entry(time_zone="Europe/London")
    make_update(entry, created=utc)
    assert f">{local}</time>" in client.get(entry.get_absolute_url()).content.decode()


def test_title_is_plain_text_and_always_escaped(client):
    entry = make_entry(title="<script>alert(1)</script> & more")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_unknown_entry_is_a_404_page(client):
    response = client.get("/entries/no-such-event/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.content.decode()


def test_page_declares_its_language_and_viewport(client):
    html = client.get(reverse("blog:entry_list")).content.decode()
    assert '<html lang="en">' in html
    assert 'name="viewport"' in html


def test_entry_page_needs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    entry = make_entry()
    for _ in range(20):
        make_update(entry)
    with django_assert_max_num_queries(2):
        client.get(entry.get_absolute_url())
