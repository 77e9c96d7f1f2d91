"""WSGI entry point: gunicorn serves ``liveblog.wsgi:application``."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.urls import reverse

from liveblog.microcache import MicroCache

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liveblog.settings")

# The micro-cache answers repeated identical polls before Django's request
# work; see liveblog/microcache.py for why that stays correct across servers.
django_application = get_wsgi_application()
application = MicroCache(
    django_application,
    seconds=settings.LIVE_MICROCACHE_SECONDS,
    stale_seconds=settings.LIVE_STALE_SECONDS,
    scheme_header=(settings.SECURE_PROXY_SSL_HEADER or ("HTTP_X_FORWARDED_PROTO",))[0],
    # Static files and photos are answered from disk already; the admin is private.
    skipped_prefixes=(settings.STATIC_URL, settings.MEDIA_URL, reverse("admin:index")),
)
