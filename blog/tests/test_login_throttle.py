"""Admin logins are throttled per username and address (django-axes), with a way back in."""

from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_superuser("author", "a@example.com", "the-right-password")


def log_in(client, password, username="author", address="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address, **headers
    )


def test_wrong_passwords_lock_the_username_out_from_that_address_even_with_the_right_one(
    client, author, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "guess").status_code == HTTPStatus.OK  # the form again, with its error
    assert log_in(client, "guess").status_code == HTTPStatus.TOO_MANY_REQUESTS
    response = log_in(client, "the-right-password")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "paused for 15 minutes" in page
    assert 'id="site-name"><a href="/admin/">Liveblog</a>' in page, "the admin's own header, not Django's"
    assert "axes_reset_username author" in page, "the page says how to get back in"
    assert "_auth_user_id" not in client.session


def test_a_locked_out_attempt_costs_no_password_hash(client, author, settings, monkeypatch):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "guess")

    def hashed(*args, **kwargs):
        raise AssertionError("a password was hashed for a locked-out login")

    monkeypatch.setattr("django.contrib.auth.hashers.check_password", hashed)
    monkeypatch.setattr("django.contrib.auth.base_user.AbstractBaseUser.check_password", hashed)
    assert log_in(client, "guess").status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_the_author_can_still_log_in_from_another_address(client, author, settings):
    """A guesser elsewhere cannot lock an author out of the live blog they are covering."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "guess", address="198.51.100.9")
    assert log_in(client, "the-right-password").status_code == HTTPStatus.FOUND


def test_an_administrator_can_lift_a_lockout(client, author, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "guess")
    call_command("axes_reset_username", "author", verbosity=0)
    assert log_in(client, "the-right-password").status_code == HTTPStatus.FOUND


def test_behind_a_proxy_the_configured_header_names_the_client(client, author, settings):
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_REAL_IP"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "guess", address="10.0.0.2", HTTP_X_REAL_IP="198.51.100.9")
    # Same proxy address, another client behind it: not locked out.
    response = log_in(client, "the-right-password", address="10.0.0.2", HTTP_X_REAL_IP="203.0.113.7")
    assert response.status_code == HTTPStatus.FOUND
