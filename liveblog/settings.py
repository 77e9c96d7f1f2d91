"""Settings for liveblog, all read from the environment (and .env if present).

There is one settings module: the environment is the switch between the local
demo, the tests and production. Every variable is listed in .env.example and
in the README.
"""

import mimetypes
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from liveblog.devkey import development_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file. ENV_FILE points
# elsewhere (the settings tests use /dev/null, to see the defaults).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))

DEBUG = env.bool("DEBUG", default=False)

# Keys with this prefix are for local development only (`make run` uses one);
# production refuses them as firmly as a missing key.
INSECURE_KEY_PREFIX = "django-insecure-"
# Django's own `check --deploy` thresholds (security.W009), enforced rather than warned about:
# a short key is guessable, and it signs the admin's sessions.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = development_secret_key(BASE_DIR / ".dev-secret-key", INSECURE_KEY_PREFIX)
if not DEBUG and (
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(INSECURE_KEY_PREFIX)
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be set to a long random value (at least {SECRET_KEY_MIN_LENGTH} characters) "
        "when DEBUG is off. "
        'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

# The site's public address, e.g. https://live.example.com: feeds, canonical links,
# link previews and the sitemap carry absolute URLs, and they come from here, never
# from the request's Host header, which a client chooses: a page the CDN caches
# must not carry whatever host one request claimed (issue 13).
SITE_URL = (env.str("SITE_URL", default="") or ("http://127.0.0.1:8000" if DEBUG else "")).rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.netloc or _site.path or _site.query:
    raise ImproperlyConfigured(
        "SITE_URL must be set to the site's public address, scheme and host only, "
        "e.g. SITE_URL=https://live.example.com: feeds, canonical links and link previews "
        "need absolute URLs, and the request's Host header cannot be trusted for them."
    )
# The publisher that search engines and link previews name (blog/structured_data.py).
# The logo: an absolute URL, or a path on SITE_URL; empty for the site's own
# 512x512 PNG (static/logo.png). Google wants a raster image of at least 112x112
# that Google Images can read (not the SVG favicon).
SITE_NAME = env.str("SITE_NAME", default="Liveblog")
SITE_LOGO_URL = env.str("SITE_LOGO_URL", default="")
if urlsplit(SITE_LOGO_URL).path.lower().endswith(".svg"):
    raise ImproperlyConfigured("SITE_LOGO_URL must be a PNG, JPEG or WebP image, not an SVG.")

# Loopback names are always allowed so the container's own HEALTHCHECK works
# whatever public names the site has; they cannot be reached from outside.
ALLOWED_HOSTS = [*env.list("ALLOWED_HOSTS", default=[]), "localhost", "127.0.0.1", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # The sitemaps framework behind /sitemap.xml (blog/sitemaps.py).
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "blog",
]

MIDDLEWARE = [
    # First, so every answer carries it: static files and the 400 for a bad Host
    # are answered by layers below that never reach the middleware after them.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "liveblog.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "liveblog.middleware.IgnorePreconditionsMiddleware",
    # ETags on pages and the feed: a CDN refreshing an expired copy gets a 304.
    "django.middleware.http.ConditionalGetMiddleware",
    # Inside it, so it answers 304 per encoding (each has its own ETag): liveblog/compression.py.
    "liveblog.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "liveblog.urls"
WSGI_APPLICATION = "liveblog.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default so a newcomer needs no server; PostgreSQL in production.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections: opening one per request costs more than the poll itself.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# SQLite, the embedded default, with two authors saving at once: a deferred
# transaction that reads and then writes cannot wait for the lock, it fails at
# once with "database is locked". IMMEDIATE takes the write lock at BEGIN (so a
# writer waits up to `timeout` seconds for its turn), WAL lets readers read
# while one writes. https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # The tests' database is a file, not Django's default in-memory one: with that, the live
    # server's thread borrows the test thread's connection, and a poll answered while a test
    # saves an update fails ("cannot start a transaction within a transaction") now and then.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", str(BASE_DIR / ".test-db.sqlite3"))

# PostgreSQL that does not answer (frozen, hung host) must turn into a prompt
# error, not threads stuck for as long as it lasts: the liveblog backend gives
# every wait a client-side deadline, since a server that does not run cannot
# enforce its own statement_timeout. Seconds; see liveblog/db/postgresql/base.py
# and docs/deploy.md, "When the database hangs" (issue 8).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "liveblog.db.postgresql"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # libpq's minimum is 2.
            "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=3),
            # PostgreSQL cancels longer statements; the client gives up 1 s later. 0: no limit.
            "statement_timeout": env.float("DATABASE_STATEMENT_TIMEOUT", default=5.0),
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for
# one username from one address, that pair is locked out for
# LOGIN_LOCKOUT_MINUTES, before any password is hashed (each hash costs ~0.5 s
# of CPU that readers' polls need). Keyed on the pair, so a guesser cannot lock
# an author out from elsewhere, nor a newsroom behind one address out together.
# Unlock early with `python manage.py axes_reset_username <username>` (docs/deploy.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "liveblog.errors.login_locked_out"
# Where the client's address comes from. Behind a proxy every request comes from
# the proxy: name the header it sets (overwriting the client's own), e.g.
# HTTP_X_REAL_IP behind the nginx front (deploy/nginx/) or HTTP_CF_CONNECTING_IP behind Cloudflare.
AXES_IPWARE_META_PRECEDENCE_ORDER = [env.str("LOGIN_CLIENT_IP_HEADER", default="REMOTE_ADDR")]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The default display zone for new entries; each entry can choose its own.
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded photos (blog/photos.py): on this server's disk by default, served by
# the app at MEDIA_URL with a one-year immutable Cache-Control (their names are
# content hashes). Several servers need shared object storage instead (docs/deploy.md).
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Stored photos never change under their content-hashed names: caches keep them for good.
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"
# Python 3.11 knows WebP only from the system's /etc/mime.types, which slim
# images lack: without this, variants would be stored as application/octet-stream.
mimetypes.add_type("image/webp", ".webp")
# Where readers' browsers fetch photos from, for the CSP below: the app itself
# unless object storage serves them.
MEDIA_ORIGIN = "'self'"
# Several app servers share no disk: naming a bucket stores photos in S3-compatible
# object storage (AWS S3, Cloudflare R2, MinIO) through django-storages, and readers
# fetch them from MEDIA_PUBLIC_URL, never through the app (docs/deploy.md, "Photos
# and media storage"; issue 9).
MEDIA_BUCKET = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if MEDIA_BUCKET:
    _endpoint = env.str("AWS_S3_ENDPOINT_URL", default="").rstrip("/")  # R2, MinIO; empty for AWS
    _region = env.str("AWS_S3_REGION_NAME", default="")
    # By default the bucket's own address: AWS's virtual-hosted name, or the
    # endpoint with the bucket in the path. R2's API endpoint is private, so
    # there the public r2.dev address or a custom domain must be given.
    _bucket_address = (
        f"{_endpoint}/{MEDIA_BUCKET}"
        if _endpoint
        else f"https://{MEDIA_BUCKET}.s3{f'.{_region}' if _region else ''}.amazonaws.com"
    )
    _public = urlsplit(env.str("MEDIA_PUBLIC_URL", default="") or _bucket_address)
    if _public.scheme not in ("http", "https") or not _public.netloc:
        raise ImproperlyConfigured(
            "MEDIA_PUBLIC_URL must be an http(s) address, e.g. https://media.example.com"
        )
    if "r2.cloudflarestorage.com" in _public.netloc:
        raise ImproperlyConfigured(
            "Cloudflare R2's API endpoint does not serve the public: set MEDIA_PUBLIC_URL "
            "to the bucket's public r2.dev address or its custom domain."
        )
    _public_path = _public.path.rstrip("/")
    MEDIA_URL = f"{_public.scheme}://{_public.netloc}{_public_path}/"
    MEDIA_ORIGIN = f"{_public.scheme}://{_public.netloc}"
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_BUCKET,
            "endpoint_url": _endpoint or None,
            "region_name": _region or None,
            # Unset: boto3's own chain (an instance role, ~/.aws) supplies them.
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            # URLs are MEDIA_URL + name, plain and unsigned (custom_domain alone
            # makes them so; querystring_auth says it too): the HTML that holds
            # them is stored, so a signed URL would expire in it, and a signature
            # differing per render would defeat every cache.
            "custom_domain": f"{_public.netloc}{_public_path}",
            "url_protocol": f"{_public.scheme}:",
            "querystring_auth": False,
            # Content-Type comes from the name (.webp, see above).
            "object_parameters": {"CacheControl": MEDIA_CACHE_CONTROL},
            # No ACL header: public reading is the bucket's policy. R2 has no
            # object ACLs, and AWS buckets with ACLs disabled (the default since
            # 2023) refuse uploads that carry one.
            "default_acl": None,
            # A name is a hash of the content: saving it again writes the same
            # bytes, whereas not overwriting would store a renamed copy that
            # deleting by name would leave behind.
            "file_overwrite": True,
        },
    }

# The longest markdown (an update or an intro) an author may save, in characters.
# Rendering is linear in the length: at 20,000 the slowest input known renders
# in about half a second on a 2-core machine (blog/rendering.py, issue 8).
MARKDOWN_MAX_LENGTH = env.int("MARKDOWN_MAX_LENGTH", default=20_000)
# Bytes of form data (not files) Django reads from one request. Well above
# MARKDOWN_MAX_LENGTH, so an overlong update reaches its form and an error that
# says the limit, not Django's bare "Bad Request (400)"; a proxy in front must
# accept at least this much. File uploads are limited separately.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)

# Photos (blog/photos.py, issue 9). A file over PHOTO_MAX_UPLOAD_BYTES, or a
# photo of more than PHOTO_MAX_PIXELS (checked in its header before any pixel
# is decoded: a decompression bomb), is a form error that says the limit. In MB
# of 1,000,000 bytes, as phones and the error message count them; 50 megapixels
# let a 48-megapixel phone photo in. Django itself puts no limit on a file's
# size (DATA_UPLOAD_MAX_MEMORY_SIZE counts the other fields only), so the form
# is what answers; only a proxy in front can refuse first: the nginx front takes
# requests up to 30 MiB, so a 30 MB photo still gets the form's error.
PHOTO_MAX_UPLOAD_BYTES = env.int("PHOTO_MAX_UPLOAD_BYTES", default=25_000_000)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=50_000_000)
# Django's default, said explicitly: an upload larger than 2.5 MB streams to a
# temporary file instead of the worker's memory while the request is read.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Production safety, each overridable by the variable of the same name.
# Behind a TLS-terminating proxy (Cloudflare, a load balancer) that sets
# X-Forwarded-Proto, Django knows a request was HTTPS. Only trust that header
# when every request reaches the app through such a proxy.
SECURE_PROXY_SSL_HEADER = env.tuple("SECURE_PROXY_SSL_HEADER", default=("HTTP_X_FORWARDED_PROTO", "https"))
# Off for a proxy that does not send X-Forwarded-Proto: every request would loop.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe health over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# The site's own origins, e.g. https://live.example.com, for admin forms behind a proxy.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Images: the site, where photos are stored (MEDIA_ORIGIN), and any web address
# for markdown images (authors may show an image hosted elsewhere). The media
# origin is named on its own, so photos stay allowed if markdown images are ever
# limited; on local disk it is 'self', and the policy is exactly as before.
IMG_SOURCES = " ".join(dict.fromkeys(["'self'", MEDIA_ORIGIN, "https:", "http:"]))
# No inline script anywhere on reader pages.
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {IMG_SOURCES}; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The authors' live desk (blog/desk.py), the one admin page written for a policy:
# also thumbnails of photos not uploaded yet (blob:), and its own JSON requests.
DESK_CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self'; img-src blob: data: {IMG_SOURCES}; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# A form whose CSRF token went stale (an author logged in again in another tab):
# the desk's JSON endpoints answer JSON, every other page Django's own page.
CSRF_FAILURE_VIEW = "liveblog.errors.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Seconds between a reader's polls, and how long the CDN may cache the feed:
# with a CDN in front, the app sees about one feed request per URL per interval.
LIVE_POLL_INTERVAL = env.int("LIVE_POLL_INTERVAL", default=10)
# Seconds each server process reuses a public response for identical requests
# (liveblog/microcache.py); 0 turns it off. Keep it well under LIVE_POLL_INTERVAL.
LIVE_MICROCACHE_SECONDS = env.float("LIVE_MICROCACHE_SECONDS", default=1.0)
# While the database is away, each server process keeps serving its last good
# copy of a page or feed URL for up to this many seconds (docs/deploy.md).
LIVE_STALE_SECONDS = env.float("LIVE_STALE_SECONDS", default=300.0)
# Seconds the CDN and browsers may keep an ended entry's page and feed: nothing
# changes every few seconds any more, but a late correction still shows within this.
LIVE_ENDED_MAX_AGE = env.int("LIVE_ENDED_MAX_AGE", default=300)
# An update edited more than this many seconds after it was posted shows
# "Updated HH:MM"; quicker typo fixes stay silent.
LIVE_EDIT_GRACE_SECONDS = env.int("LIVE_EDIT_GRACE_SECONDS", default=120)
# Updates on an entry's page; older ones live on archive pages of this many each
# (blog/pages.py), whose boundaries never move, so they are cached for long.
LIVE_PAGE_SIZE = env.int("LIVE_PAGE_SIZE", default=50)
