from django.conf import settings
from django.urls import reverse


class ContentSecurityPolicyMiddleware:
    """Send settings.CONTENT_SECURITY_POLICY on every response but the admin's.

    Django 5.2 has no CSP support of its own (6.0 adds it). The admin is left
    out because it still relies on inline styles; it is only for staff.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(self.admin_prefix):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class IgnorePreconditionsMiddleware:
    """Drop If-Match and If-Unmodified-Since from safe requests.

    They guard writes; on a GET, Django's ConditionalGetMiddleware would answer
    412 to a made-up tag while the micro-cache, which keeps no state for them,
    answers 200: the same request would get two answers. Nothing here is
    written through GET, so both ignore them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            request.META.pop("HTTP_IF_MATCH", None)
            request.META.pop("HTTP_IF_UNMODIFIED_SINCE", None)
        return self.get_response(request)
