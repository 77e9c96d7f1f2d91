from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from blog.models import Entry


@require_safe
def entry_list(request):
    return render(request, "blog/entry_list.html", {"entries": Entry.objects.all()})


@require_safe
def entry_detail(request, slug):
    entry = get_object_or_404(Entry, slug=slug)
    updates = entry.updates.all()
    return render(request, "blog/entry_detail.html", {"entry": entry, "updates": updates})
