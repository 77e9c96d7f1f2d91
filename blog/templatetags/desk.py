"""For the admin's index: the live entries, each with its desk, where an author starts."""

from django import template

from blog.models import Entry

register = template.Library()


@register.simple_tag(takes_context=True)
def live_entries(context):
    """The live entries, newest first, when the user may post to them (the desk needs that)."""
    if not context["request"].user.has_perm("blog.add_liveupdate"):
        return []
    return list(Entry.objects.live().order_by("-created", "-id")[:20])
