from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from blog.views import media_file

admin.site.site_header = "Liveblog"
admin.site.site_title = "Liveblog admin"
admin.site.index_title = "Cover an event"

# JSON for the feed, HTML pages elsewhere, and a 503 while the database is away.
handler400 = "liveblog.errors.bad_request"
handler500 = "liveblog.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("blog.urls")),
]
if settings.MEDIA_URL.startswith("/"):
    # Photos stored on this server's disk; with object storage, MEDIA_URL is the bucket's own address.
    urlpatterns.append(path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", media_file, name="media"))
