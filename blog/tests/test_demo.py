import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from blog.models import Entry, LiveUpdate, Photo

pytestmark = pytest.mark.django_db


def test_demo_creates_an_entry_with_updates_and_an_admin_once(settings, capsys):
    settings.DEBUG = True
    call_command("demo")
    call_command("demo")
    assert Entry.objects.count() == 1
    assert LiveUpdate.objects.count() >= 5
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("liveblog")
    output = capsys.readouterr().out
    assert "http://127.0.0.1:8000/admin/" in output
    assert "password: liveblog" in output


def test_the_demo_keynote_reads_as_typed_with_angle_brackets_in_its_prose(settings, client):
    settings.DEBUG = True
    call_command("demo")
    page = client.get(Entry.objects.get().get_absolute_url()).content.decode()
    assert "just fetch() calls polling an endpoint and updating a &lt;div&gt; using innerHTML." in page
    assert "Press &lt;Enter&gt; to send, <code>&lt;b&gt;</code> for bold." in page


def test_the_demo_keynote_has_a_described_photo_drawn_on_the_spot(settings, client):
    settings.DEBUG = True
    call_command("demo")
    page = client.get(Entry.objects.get().get_absolute_url()).content.decode()
    assert '<figure class="update-photo">' in page
    assert 'alt="A blue slide titled &#x27;Offline first&#x27;.' in page
    variant = Photo.objects.get().variants[-1]["name"]
    assert client.get(f"/media/{variant}").status_code == 200


def test_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo")
    assert not get_user_model().objects.exists()
