from django.urls import path

from blog import feeds, sitemaps, views

app_name = "blog"

urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("feed.atom", feeds.site_atom, name="site_atom"),
    path("sitemap.xml", sitemaps.sitemap_xml, name="sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots"),
    path("entries/<slug:slug>/", views.entry_detail, name="entry_detail"),
    path("entries/<slug:slug>/updates.json", views.entry_feed, name="entry_feed"),
    path("entries/<slug:slug>/feed.atom", feeds.entry_atom, name="entry_atom"),
    path("entries/<slug:slug>/pages/<int:page>/", views.entry_page, name="entry_page"),
    path("entries/<slug:slug>/pages/<int:page>.json", views.entry_page_json, name="entry_page_json"),
    path("entries/<slug:slug>/updates/<int:update_id>/", views.update_permalink, name="update_permalink"),
]
