"""gzip and brotli for HTML and JSON: in the micro-cache and in Django (liveblog/compression.py)."""

import gzip
from http import HTTPStatus

import brotli
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from blog.tests.factories import make_entry, make_update
from blog.tests.test_microcache import UNAVAILABLE, CountingApp, FakeClock, request
from liveblog import compression
from liveblog.microcache import MicroCache

BODY = b'{"updates": [' + b", ".join(b'{"id": %d, "html": "<p>An update</p>"}' % n for n in range(40)) + b"]}"
PUBLIC = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "public, max-age=10"),
    ("ETag", '"v1"'),
    ("Vary", "Accept-Encoding"),
    ("Content-Length", str(len(BODY))),
]
DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def inner():
    return CountingApp(headers=PUBLIC, body=BODY)


@pytest.fixture
def cache(inner, clock):
    return MicroCache(inner, seconds=1, clock=clock)


@pytest.fixture
def compressions(monkeypatch):
    """Count the calls to compression.compress, by encoding."""
    calls = []
    real = compression.compress

    def counting(body, encoding):
        calls.append(encoding)
        return real(body, encoding)

    monkeypatch.setattr(compression, "compress", counting)
    return calls


@pytest.mark.parametrize(
    ("accept_encoding", "expected"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip;q=0, br", "br"),
        ("gzip, br;q=0", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("GZIP;Q=0.8", "gzip"),
        ("*", "br"),
        ("*;q=0.5, br;q=0", "gzip"),
        ("gzip;q=0", None),
        ("identity", None),
        ("deflate", None),
        ("", None),
        (None, None),
        ("gzip;q=oops", None),
    ],
)
def test_the_encoding_honours_the_clients_preferences(accept_encoding, expected):
    assert compression.negotiate(accept_encoding) == expected


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_each_encoding_from_the_micro_cache_decompresses_to_the_identity_body(cache, encoding):
    response = request(cache, HTTP_ACCEPT_ENCODING=encoding)
    assert response["headers"]["Content-Encoding"] == encoding
    assert DECODE[encoding](response["body"]) == BODY
    assert response["headers"]["Content-Length"] == str(len(response["body"]))


@pytest.mark.parametrize("accept_encoding", [None, "identity", "gzip;q=0", "deflate"])
def test_a_client_that_accepts_no_offered_encoding_gets_the_identity_body(cache, accept_encoding):
    headers = {"HTTP_ACCEPT_ENCODING": accept_encoding} if accept_encoding is not None else {}
    response = request(cache, **headers)
    assert response["body"] == BODY
    assert "Content-Encoding" not in response["headers"]
    assert response["headers"]["ETag"] == '"v1"'


@pytest.mark.parametrize("accept_encoding", [None, "gzip", "br"])
def test_every_encoding_varies_on_accept_encoding(cache, accept_encoding):
    headers = {"HTTP_ACCEPT_ENCODING": accept_encoding} if accept_encoding else {}
    assert request(cache, **headers)["headers"]["Vary"] == "Accept-Encoding"


def test_django_is_asked_for_the_identity_bytes_once_for_every_encoding(cache, inner):
    for accept_encoding in ["br", "gzip", "identity"]:
        request(cache, HTTP_ACCEPT_ENCODING=accept_encoding)
    assert len(inner.calls) == 1
    assert "HTTP_ACCEPT_ENCODING" not in inner.calls[0]


def test_each_copy_is_compressed_once_per_encoding_however_many_readers(cache, clock, compressions):
    for _ in range(5):
        request(cache, HTTP_ACCEPT_ENCODING="gzip, br")
        request(cache, HTTP_ACCEPT_ENCODING="gzip")
        request(cache)
    assert sorted(compressions) == ["br", "gzip"]
    clock.now += 1
    request(cache, HTTP_ACCEPT_ENCODING="br")
    assert sorted(compressions) == ["br", "br", "gzip"], "a new fill is compressed again"


def test_each_encoding_has_its_own_etag(cache):
    etags = {request(cache, HTTP_ACCEPT_ENCODING=e)["headers"]["ETag"] for e in ["identity", "gzip", "br"]}
    assert etags == {'"v1"', '"v1-gzip"', '"v1-br"'}


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br"])
def test_a_matching_etag_answers_304_in_its_own_encoding(cache, encoding):
    etag = request(cache, HTTP_ACCEPT_ENCODING=encoding)["headers"]["ETag"]
    response = request(cache, HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=etag)
    assert (response["status"], response["body"]) == ("304 Not Modified", b"")
    assert response["headers"]["ETag"] == etag
    assert response["headers"]["Vary"] == "Accept-Encoding"


def test_another_encodings_etag_gets_the_full_body(cache):
    gzip_etag = request(cache, HTTP_ACCEPT_ENCODING="gzip")["headers"]["ETag"]
    response = request(cache, HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=gzip_etag)
    assert response["status"] == "200 OK"
    assert brotli.decompress(response["body"]) == BODY


def test_a_stale_copy_during_an_outage_is_served_compressed(cache, inner, clock):
    request(cache, HTTP_ACCEPT_ENCODING="br")
    inner.status, inner.headers = UNAVAILABLE
    clock.now += 30
    for encoding in ["br", "gzip"]:
        response = request(cache, HTTP_ACCEPT_ENCODING=encoding)
        assert (response["status"], response["headers"]["Age"]) == ("200 OK", "30")
        assert DECODE[encoding](response["body"]) == BODY
        assert response["headers"]["ETag"] == f'"v1-{encoding}"'


def test_a_response_the_micro_cache_does_not_keep_is_compressed_too(clock):
    private = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "private")]
    cache = MicroCache(CountingApp(headers=private, body=BODY), seconds=1, clock=clock)
    response = request(cache, HTTP_ACCEPT_ENCODING="gzip")
    assert gzip.decompress(response["body"]) == BODY
    assert response["headers"]["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/json", b'{"n": 1}'), ("image/webp", BODY), ("text/css", BODY)],
)
def test_tiny_bodies_and_other_types_are_left_as_they_are(clock, content_type, body):
    headers = [("Content-Type", content_type), *PUBLIC[1:3]]
    cache = MicroCache(CountingApp(headers=headers, body=body), seconds=1, clock=clock)
    response = request(cache, HTTP_ACCEPT_ENCODING="gzip, br")
    assert (response["body"], "Content-Encoding" in response["headers"]) == (body, False)
    assert "Vary" not in response["headers"]


def test_a_response_with_another_vary_is_not_kept(clock):
    headers = [*PUBLIC[:3], ("Vary", "Accept-Encoding, Cookie")]
    inner = CountingApp(headers=headers, body=BODY)
    cache = MicroCache(inner, seconds=1, clock=clock)
    request(cache)
    request(cache)
    assert len(inner.calls) == 2


# Django without the micro-cache: CompressionMiddleware.


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_django_compresses_the_entry_page(client, encoding):
    entry = make_entry()
    make_update(entry)
    identity = client.get(entry.get_absolute_url())
    response = client.get(entry.get_absolute_url(), headers={"Accept-Encoding": f"{encoding}"})
    assert response["Content-Encoding"] == encoding
    assert DECODE[encoding](response.content) == identity.content
    assert response["Vary"] == identity["Vary"] == "Accept-Encoding"
    assert response["ETag"] == identity["ETag"][:-1] + f'-{encoding}"'
    assert response["Content-Length"] == str(len(response.content))


@pytest.mark.django_db
@pytest.mark.parametrize("accept_encoding", ["identity", "gzip", "br"])
def test_django_answers_304_per_encoding(client, accept_encoding):
    entry = make_entry()
    make_update(entry)
    url = reverse("blog:entry_feed", args=[entry.slug])
    etag = client.get(url, headers={"Accept-Encoding": accept_encoding})["ETag"]
    response = client.get(url, headers={"Accept-Encoding": accept_encoding, "If-None-Match": etag})
    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response["ETag"] == etag
    other = "br" if accept_encoding == "gzip" else "gzip"
    assert client.get(url, headers={"Accept-Encoding": other, "If-None-Match": etag}).status_code == 200


@pytest.mark.django_db
def test_django_and_the_micro_cache_give_the_same_etag_and_bytes(client):
    from liveblog.wsgi import django_application

    entry = make_entry()
    make_update(entry)
    cache = MicroCache(django_application, seconds=1)
    for encoding in ["br", "gzip"]:
        direct = client.get(entry.get_absolute_url(), headers={"Accept-Encoding": encoding})
        cached = through_wsgi(
            cache,
            path=entry.get_absolute_url(),
            query="",
            HTTP_ACCEPT_ENCODING=encoding,
            HTTP_HOST="testserver",
        )
        assert (cached["headers"]["ETag"], cached["body"]) == (direct["ETag"], direct.content)


def through_wsgi(app, **request_headers):
    """Make a WSGI request inside the test's transaction, as Django's test client does.

    A WSGI request closes, at its start and its end, a connection that is not in
    autocommit, as the test's is: on PostgreSQL the page would answer 503. The
    test client connects the handler again after each of its own requests.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return request(app, **request_headers)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/feed.atom", "/entries/{slug}/feed.atom", "/sitemap.xml"])
def test_feeds_and_the_sitemap_are_compressed(client, path):
    entry = make_entry()
    for number in range(5):
        make_update(entry, content=f"Update {number}: the count in Riverside goes on.")
    url = path.format(slug=entry.slug)
    identity = client.get(url)
    response = client.get(url, headers={"Accept-Encoding": "br"})
    assert response["Content-Encoding"] == "br"
    assert DECODE["br"](response.content) == identity.content


@pytest.mark.django_db
def test_the_admin_is_never_compressed(admin_client):
    response = admin_client.get(reverse("admin:index"), headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == HTTPStatus.OK
    assert len(response.content) > compression.MIN_BYTES
    assert "Content-Encoding" not in response
    assert "accept-encoding" not in response.get("Vary", "").lower()
