import pytest


@pytest.fixture(autouse=True)
def plain_static_storage(settings):
    """Serve static files without the manifest that only collectstatic writes."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
