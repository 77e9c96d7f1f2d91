from django.contrib import admin
from django.urls import include, path

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
