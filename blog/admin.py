"""The author's workflow: posting an update must take seconds, not minutes."""

import zoneinfo

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from blog.models import Entry, LiveUpdate


def post_update_url(entry):
    return f"{reverse('admin:blog_liveupdate_add')}?entry={entry.pk}"


class EntryForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=[(name, name) for name in sorted(zoneinfo.available_timezones())],
        help_text="Update times are shown to readers in this zone.",
    )

    class Meta:
        model = Entry
        fields = ["title", "slug", "body", "is_live", "time_zone", "created"]


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    form = EntryForm
    list_display = ["title", "is_live", "update_count", "created", "post_update_link"]
    list_filter = ["is_live"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["post_update_link"]
    date_hierarchy = "created"
    # Explicit, because Meta.ordering is ignored once update_count adds a GROUP BY.
    ordering = ["-created", "-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(update_count=Count("updates"))

    @admin.display(description="Updates", ordering="update_count")
    def update_count(self, entry):
        return entry.update_count

    @admin.display(description="Post")
    def post_update_link(self, entry):
        if entry.pk is None:
            return "Save the entry first."
        return format_html('<a href="{}">Post an update</a>', post_update_url(entry))


class LiveUpdateForm(forms.ModelForm):
    # Blank means "the moment I press Save": a time filled in when the form
    # opened would be minutes old by the time a long update is posted.
    created = forms.SplitDateTimeField(
        required=False,
        widget=admin.widgets.AdminSplitDateTime,
        label="Time",
        help_text="Leave blank to publish with the current time. To back-date an update, "
        "give the time in the entry's time zone, as readers will see it.",
    )

    class Meta:
        model = LiveUpdate
        fields = ["entry", "content", "created"]
        widgets = {"content": forms.Textarea(attrs={"rows": 12, "cols": 80, "autofocus": True})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # Show the wall-clock time in the entry's zone; a naive value is displayed as is.
            self.initial["created"] = timezone.make_naive(self.instance.created, self.instance.entry.zone)

    def clean(self):
        cleaned_data = super().clean()
        created, entry = cleaned_data.get("created"), cleaned_data.get("entry")
        if created is None:
            cleaned_data["created"] = timezone.now()
        elif entry is not None:
            # The form read the wall-clock time in the site's zone; the author meant the entry's.
            cleaned_data["created"] = timezone.make_aware(timezone.make_naive(created), entry.zone)
        return cleaned_data


@admin.register(LiveUpdate)
class LiveUpdateAdmin(admin.ModelAdmin):
    form = LiveUpdateForm
    autocomplete_fields = ["entry"]
    list_display = ["__str__", "entry", "time"]
    list_filter = ["entry"]
    list_select_related = ["entry"]
    search_fields = ["content"]
    ordering = ["-created", "-id"]
    date_hierarchy = "created"

    @admin.display(description="Time (entry's zone)", ordering="created")
    def time(self, update):
        return update.local_created().strftime("%d %b %Y, %H:%M %Z")

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST:
            # Keep the author on the same entry for the next update.
            separator = "&" if "?" in response.url else "?"
            return HttpResponseRedirect(f"{response.url}{separator}entry={obj.entry_id}")
        return response
