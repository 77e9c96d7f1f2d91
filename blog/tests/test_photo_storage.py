"""Photos in S3-compatible object storage: settings from the environment, and real S3 over HTTP.

The S3 side is moto's server on a loopback port, spoken to by the real boto3
client (there is no S3-compatible server in Debian's packages here). The
storage settings are read from liveblog/settings.py itself, in a fresh
interpreter with the environment a deployment would set, so the tests check
what production builds rather than a copy of it.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import urllib.request
import uuid
from http import HTTPStatus

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from blog.models import LiveUpdate, Photo
from blog.tests.factories import make_entry
from blog.tests.test_photo_admin import jpeg, photo_fields, post_new_update, stored_files
from blog.tests.test_settings import A_REAL_KEY, PROJECT_ROOT, read_setting

REGION = "us-east-1"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing-key-id", "AWS_SECRET_ACCESS_KEY": "testing-secret"}
CACHE_FOREVER = "public, max-age=31536000, immutable"


def storage_settings(**environment):
    """STORAGES["default"], MEDIA_URL and the CSP as liveblog/settings.py builds them from an environment."""
    expression = (
        "__import__('json').dumps({'default': settings.STORAGES['default'], 'MEDIA_URL': settings.MEDIA_URL, "
        "'CONTENT_SECURITY_POLICY': settings.CONTENT_SECURITY_POLICY})"
    )
    result = read_setting(expression, SECRET_KEY=A_REAL_KEY, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def img_src(policy):
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("img-src "))


def webp_bytes():
    """Bytes to store: the storage keeps them as given, so any will do."""
    return b"RIFF\x1a\x00\x00\x00WEBPVP8L a stand-in for a variant"


# Settings alone: a fresh interpreter each, no server needed.


def test_without_a_bucket_photos_stay_on_disk_and_the_image_policy_is_unchanged():
    built = storage_settings()
    assert built["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert img_src(built["CONTENT_SECURITY_POLICY"]) == "img-src 'self' https: http:"


def test_with_a_bucket_media_urls_and_the_image_policy_follow_the_public_address():
    built = storage_settings(
        AWS_STORAGE_BUCKET_NAME="live-photos",
        AWS_S3_REGION_NAME="eu-west-3",
        MEDIA_PUBLIC_URL="https://media.live.example.com/photos/",
    )
    assert built["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert built["MEDIA_URL"] == "https://media.live.example.com/photos/"
    assert (
        img_src(built["CONTENT_SECURITY_POLICY"])
        == "img-src 'self' https://media.live.example.com https: http:"
    )
    # Only img-src names it: everything else stays the site's own.
    assert built["CONTENT_SECURITY_POLICY"].count("media.live.example.com") == 1


@pytest.mark.parametrize(
    ("environment", "media_url"),
    [
        ({"AWS_S3_REGION_NAME": "eu-west-3"}, "https://live-photos.s3.eu-west-3.amazonaws.com/"),
        ({}, "https://live-photos.s3.amazonaws.com/"),
        # MinIO and other S3-compatible servers: the bucket in the endpoint's path.
        (
            {"AWS_S3_ENDPOINT_URL": "https://minio.example.com:9000/"},
            "https://minio.example.com:9000/live-photos/",
        ),
    ],
)
def test_without_a_public_address_photos_are_read_from_the_bucket_itself(environment, media_url):
    built = storage_settings(AWS_STORAGE_BUCKET_NAME="live-photos", **environment)
    assert built["MEDIA_URL"] == media_url


def test_r2_without_a_public_address_is_refused_at_start():
    """R2's S3 endpoint answers only signed requests: readers would get broken images."""
    result = read_setting(
        "settings.MEDIA_URL",
        SECRET_KEY=A_REAL_KEY,
        AWS_STORAGE_BUCKET_NAME="live-photos",
        AWS_S3_ENDPOINT_URL="https://0123abcd.r2.cloudflarestorage.com",
    )
    assert result.returncode != 0
    assert "set MEDIA_PUBLIC_URL" in result.stderr


def test_a_deployment_with_a_bucket_passes_djangos_deploy_checks():
    """The whole project loads (URLs, checks) with media at another origin, and --deploy finds nothing."""
    environment = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, "SECRET_KEY": A_REAL_KEY,
                   "SITE_URL": "https://live.example.com", "AWS_STORAGE_BUCKET_NAME": "live-photos",
                   "MEDIA_PUBLIC_URL": "https://media.example.com"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_webp_is_stored_as_webp_on_a_system_without_a_mime_types_file():
    """python:3.11-slim has no /etc/mime.types; Python 3.11 knows WebP only from it."""
    # Left to right: forget the system's file, load the settings, then ask.
    mimetypes = "__import__('mimetypes')"
    expression = f"[{mimetypes}.knownfiles.clear(), settings.DEBUG, {mimetypes}.guess_type('a.webp')[0]][-1]"
    result = read_setting(expression, SECRET_KEY=A_REAL_KEY)
    assert result.stdout.strip() == "image/webp", result.stderr


# Real S3 over HTTP: moto's server, boto3 and django-storages.


@pytest.fixture(scope="module")
def s3_endpoint():
    """The address of moto's S3 server on a free loopback port, stopped after this module."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in FAKE_CREDENTIALS.items():
            patch.setenv(name, value)
        # A developer's own AWS configuration must not take part.
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        patch.delenv("AWS_PROFILE", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def public_read_policy(bucket):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


class Bucket:
    """A fresh bucket on the S3 server, read with boto3 directly (not through the code under test)."""

    def __init__(self, endpoint):
        self.name = f"photos-{uuid.uuid4().hex[:12]}"
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
        self.client.create_bucket(Bucket=self.name)
        # Readers fetch photos anonymously: public reading is the bucket's policy (docs/deploy.md).
        self.client.put_bucket_policy(Bucket=self.name, Policy=json.dumps(public_read_policy(self.name)))

    def keys(self):
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def head(self, key):
        return self.client.head_object(Bucket=self.name, Key=key)


@pytest.fixture
def bucket(s3_endpoint):
    return Bucket(s3_endpoint)


@pytest.fixture
def bucket_settings(s3_endpoint, bucket):
    """What liveblog/settings.py builds from an environment that names the bucket."""
    return storage_settings(
        AWS_STORAGE_BUCKET_NAME=bucket.name,
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_S3_REGION_NAME=REGION,
        **FAKE_CREDENTIALS,
    )


def use_bucket(settings, built):
    # Django drops its cached storages (default_storage included) when STORAGES changes.
    settings.STORAGES = {**settings.STORAGES, "default": built["default"]}
    settings.MEDIA_URL = built["MEDIA_URL"]
    settings.CONTENT_SECURITY_POLICY = built["CONTENT_SECURITY_POLICY"]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def object_storage(settings, bucket_settings, media_root):
    """Switch this test to the bucket, as a deployment's environment would."""
    use_bucket(settings, bucket_settings)
    return bucket_settings


def test_the_default_storage_becomes_the_bucket(object_storage):
    assert isinstance(default_storage, S3Storage)


def test_a_stored_file_has_a_plain_public_url_that_serves_it_cached_for_good(
    object_storage, bucket, s3_endpoint
):
    content = webp_bytes()
    name = default_storage.save("0a/0a1b2c-480.webp", ContentFile(content))
    assert name == "0a/0a1b2c-480.webp"
    assert bucket.keys() == [name]
    stored = bucket.head(name)
    assert stored["CacheControl"] == CACHE_FOREVER
    assert stored["ContentType"] == "image/webp"

    url = default_storage.url(name)
    assert url == f"{s3_endpoint}/{bucket.name}/{name}", "unsigned: no query string"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == content
        assert response.headers["Cache-Control"] == CACHE_FOREVER
        assert response.headers["Content-Type"] == "image/webp"


def test_uploads_carry_no_acl(object_storage):
    """R2 has no object ACLs, and AWS buckets with ACLs disabled refuse uploads that name one."""
    sent = []
    default_storage.connection.meta.client.meta.events.register(
        "before-call.s3.PutObject", lambda params, **kwargs: sent.append(params)
    )
    default_storage.save("0b/0b1c2d-480.webp", ContentFile(webp_bytes()))
    [params] = sent
    assert "x-amz-acl" not in {name.lower() for name in params["headers"]}


def test_saving_a_name_again_overwrites_it_instead_of_storing_a_renamed_copy(object_storage, bucket):
    """Names are content hashes: the same name is the same bytes, and a renamed copy would be an orphan."""
    first = default_storage.save("0c/0c1d2e-480.webp", ContentFile(webp_bytes()))
    second = default_storage.save("0c/0c1d2e-480.webp", ContentFile(webp_bytes()))
    assert first == second
    assert bucket.keys() == [first]


def test_deleting_a_stored_file_removes_it_from_the_bucket(object_storage, bucket):
    name = default_storage.save("0d/0d1e2f-480.webp", ContentFile(webp_bytes()))
    default_storage.delete(name)
    assert bucket.keys() == []


# Photos through the admin, as an author uploads them, with the bucket configured.


def image_urls(page):
    """The src and every srcset URL of the page's photos."""
    urls = []
    for img in re.findall(r"<img [^>]*>", page):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', img))
        urls.append(attributes["src"])
        urls += [candidate.split()[0] for candidate in attributes["srcset"].split(",")]
    return urls


@pytest.mark.django_db
def test_a_photo_uploaded_in_the_admin_is_stored_in_the_bucket_and_shown_from_it(
    object_storage, bucket, s3_endpoint, media_root, admin_client, client
):
    entry = make_entry()
    response = post_new_update(
        admin_client, entry, "The stage:", photo_fields(0, jpeg(2000, 1000), alt="The stage, from the back.")
    )
    assert response.status_code == HTTPStatus.FOUND

    names = [variant["name"] for variant in Photo.objects.get().variants]
    assert len(names) == 3
    assert bucket.keys() == sorted(names)
    for name in names:
        stored = bucket.head(name)
        assert stored["CacheControl"] == CACHE_FOREVER
        assert stored["ContentType"] == "image/webp"
    assert not media_root.exists(), "nothing on this server's disk"

    page = client.get(entry.get_absolute_url())
    urls = image_urls(page.content.decode())
    assert set(urls) == {object_storage["MEDIA_URL"] + name for name in names}
    key = urls[0].removeprefix(object_storage["MEDIA_URL"])
    with urllib.request.urlopen(urls[0], timeout=10) as photo:
        assert photo.read() == bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read()
    assert img_src(page["Content-Security-Policy"]) == f"img-src 'self' {s3_endpoint} https: http:"


@pytest.mark.django_db
def test_deleting_an_update_in_the_admin_deletes_its_photos_from_the_bucket(
    object_storage, bucket, admin_client, django_capture_on_commit_callbacks
):
    post_new_update(admin_client, make_entry(), "", photo_fields(0, jpeg(), alt="The queue outside."))
    update = LiveUpdate.objects.get()
    assert bucket.keys() == sorted(variant["name"] for variant in update.photos.get().variants)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:blog_liveupdate_delete", args=[update.pk]), {"post": "yes"}
        )
    assert response.status_code == HTTPStatus.FOUND
    assert bucket.keys() == []


def documented_resave_command():
    """The command docs/deploy.md gives for saving updates again after storage moves."""
    deploy = (PROJECT_ROOT / "docs" / "deploy.md").read_text()
    line = next(line for line in deploy.splitlines() if line.startswith("python manage.py shell -c "))
    return shlex.split(line)[-1]


@pytest.mark.django_db
def test_updates_saved_again_after_moving_to_the_bucket_show_their_photos_from_it(
    settings, bucket_settings, bucket, media_root, admin_client
):
    """Stored HTML holds the URLs of its save; docs/deploy.md's command renders it again."""
    post_new_update(admin_client, make_entry(), "", photo_fields(0, jpeg(), alt="The stage."))
    update = LiveUpdate.objects.get()
    names = stored_files(media_root)
    assert set(image_urls(update.content_html)) == {f"/media/{name}" for name in names}

    for name in names:  # the copy docs/deploy.md makes with `aws s3 sync`
        bucket.client.put_object(Bucket=bucket.name, Key=name, Body=(media_root / name).read_bytes())
    use_bucket(settings, bucket_settings)
    assert LiveUpdate.objects.get().content_html == update.content_html, "as of its save"

    call_command("shell", command=documented_resave_command())
    resaved = LiveUpdate.objects.get()
    assert set(image_urls(resaved.content_html)) == {bucket_settings["MEDIA_URL"] + name for name in names}
    assert resaved.version > update.version, "open pages are sent the new URLs"
