"""Error answers in the client's language: JSON from JSON endpoints, HTML pages elsewhere.

Django's stock handlers answer HTML, which the feed's clients cannot parse, and
some errors (a disallowed Host, a database error in a middleware) happen before
or outside any view. So a view declares that it speaks JSON with @json_errors,
and these handlers, wired in liveblog/urls.py, find that out from the path.
"""

import logging
import sys
from http import HTTPStatus

from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import admin
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.views import csrf

logger = logging.getLogger(__name__)

# How long clients should wait before asking again while the database is away
# (static/blog/live.js honours it; docs/api.md documents it).
RETRY_AFTER_SECONDS = 30
# Errors that mean "the database cannot answer now" (refused, timed out, frozen,
# locked), not a bug: a ProgrammingError or an IntegrityError stays a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def json_errors(view):
    """Mark a view whose clients expect every answer, errors included, to be JSON."""
    view.json_errors = True
    return view


def speaks_json(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "json_errors", False)


def error_response(request, status, message, template):
    if speaks_json(request):
        return JsonResponse({"error": message}, status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request, exception):
    return error_response(
        request, HTTPStatus.BAD_REQUEST, "The request was not understood by this site.", "400.html"
    )


def server_error(request):
    # Django calls this inside its except block, so the error is still at hand.
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        response = error_response(
            request,
            HTTPStatus.SERVICE_UNAVAILABLE,
            "The live blog is briefly unavailable. Please try again in a moment.",
            "503.html",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return error_response(request, HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong.", "500.html")


def csrf_failure(request, reason=""):
    if speaks_json(request):
        message = "This page's security token is out of date: reload the page. Your draft is kept."
        return JsonResponse({"error": message, "csrf": True}, status=HTTPStatus.FORBIDDEN)
    return csrf.csrf_failure(request, reason)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: an admin page that says how long, and the way back in."""
    context = {
        **admin.site.each_context(request),
        "title": "Too many failed logins",
        "username": get_client_username(request, credentials) or "",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
    }
    return render(request, "admin/locked_out.html", context, status=HTTPStatus.TOO_MANY_REQUESTS)
