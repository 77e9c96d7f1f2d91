"""The author's workflow: posting an update must take seconds, not minutes."""

import contextlib
import datetime as dt
from urllib.parse import parse_qsl, urlencode, urlsplit

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from blog import photos
from blog.live import LARGEST_NUMBER
from blog.models import Entry, LiveUpdate, Photo


def post_update_url(entry):
    return f"{reverse('admin:blog_liveupdate_add')}?entry={entry.pk}"


def storable(value):
    """Whether a query-string value fits a column: no NUL character, no integer beyond 64 bits."""
    if "\x00" in value:
        return False
    try:
        return abs(int(value)) <= LARGEST_NUMBER
    except ValueError:
        return True


class QueryStringGuard:
    """Answer hostile query-string values with a 400 or by ignoring them, never a 500.

    The stock admin hands ``?entry=...`` to the database unchecked, as a list
    filter, a search term or an add form's initial value: PostgreSQL refuses a
    NUL character in any string, SQLite an integer beyond 64 bits (issue 8).
    """

    def lookup_allowed(self, lookup, value, request=None):
        # Refused lookups are Django's DisallowedModelAdminLookup: a 400.
        return storable(value) and super().lookup_allowed(lookup, value, request)

    def get_search_results(self, request, queryset, search_term):
        # Stored text never holds a NUL, so dropping it changes no result.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def get_changeform_initial_data(self, request):
        """Prefill the add form with the query-string values its fields accept, and ignore the rest."""
        fields = self.get_form(request)().fields
        initial = {}
        for name, value in super().get_changeform_initial_data(request).items():
            if name not in fields:
                continue
            with contextlib.suppress(ValidationError):
                initial[name] = fields[name].clean(value)
        return initial


@admin.register(Entry)
class EntryAdmin(QueryStringGuard, admin.ModelAdmin):
    fields = ["title", "slug", "body", "order", "show_bylines", "time_zone", "created", "post_update_link"]
    list_display = ["title", "is_live", "update_count", "created", "post_update_link"]
    list_filter = [("ended", admin.EmptyFieldListFilter)]
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


class WallClockDateTimeField(forms.SplitDateTimeField):
    """A date and a time as the author typed them, with no zone yet.

    The site's zone would be the wrong one to read them in (and would reject a
    time that only that zone skips); LiveUpdateForm.clean() applies the entry's.
    """

    def compress(self, data_list):
        if not data_list:
            return None
        date, time = data_list
        if date in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if time in self.empty_values:
            raise forms.ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return dt.datetime.combine(date, time)


def in_zone(wall_clock, zone):
    """Return the aware datetime for a wall-clock time in ``zone``, refusing ambiguous ones."""
    earlier, later = wall_clock.replace(tzinfo=zone), wall_clock.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    when = f"{wall_clock:%H:%M on %d %b %Y} in {zone.key}"
    if earlier.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall_clock:
        raise forms.ValidationError(f"{when} does not exist: the clocks go forward then.")
    raise forms.ValidationError(f"{when} happens twice: the clocks go back then. Pick another minute.")


class LiveUpdateForm(forms.ModelForm):
    # Blank means "the moment I press Save": a time filled in when the form
    # opened would be minutes old by the time a long update is posted.
    created = WallClockDateTimeField(
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
            self.initial["created"] = timezone.make_naive(self.instance.created, self.instance.entry.zone)

    def clean(self):
        cleaned_data = super().clean()
        wall_clock, entry = cleaned_data.get("created"), cleaned_data.get("entry")
        if wall_clock is None:
            cleaned_data["created"] = timezone.now()
        elif self.instance.pk is not None and "created" not in self.changed_data:
            # Untouched: keep the stored instant, even in an hour the clocks repeat.
            cleaned_data["created"] = self.instance.created
        elif entry is not None:
            try:
                cleaned_data["created"] = in_zone(wall_clock, entry.zone)
            except forms.ValidationError as error:
                self.add_error("created", error)
        return cleaned_data


# A browser never fills a file input in again, and the photo is stored only
# when the whole form is valid: say so, rather than let the photo go unnoticed.
CHOOSE_AGAIN = "This photo was fine, but the form had an error elsewhere: choose the file again, then save."


class PhotoForm(forms.ModelForm):
    """One photo of an update: the file is processed here, stored only when everything is valid."""

    file = forms.FileField(
        required=False,
        label="Photo",
        widget=forms.ClearableFileInput(attrs={"accept": photos.ACCEPTED_MIME_TYPES}),
    )

    class Meta:
        model = Photo
        fields = ["file", "alt", "caption", "credit", "position"]
        widgets = {"alt": forms.Textarea(attrs={"rows": 3, "cols": 60})}
        error_messages = {"alt": {"required": "Describe the photo for readers who cannot see it."}}
        help_texts = {"position": "Photos are shown in this order; leave 0 to show it after the others."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The limits in force (settings), and what happens to the file's metadata.
        self.fields["file"].help_text = f"{photos.upload_help_text()} Location and camera data are removed."

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            self.processed = photos.process(upload)
        elif self.instance.pk is None:
            raise forms.ValidationError("Choose a photo to upload.")
        return upload

    def save(self, commit=True):
        if getattr(self, "processed", None) is not None:
            self.instance.use(self.processed)
        return super().save(commit)


class PhotoFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not kept and not self.instance.content.strip():
            raise forms.ValidationError("Write something or add a photo: an update cannot be empty.")
        # A photo left at 0 goes after the others, in the order it was added.
        last = max((form.instance.position for form in kept), default=0)
        for form in kept:
            if not form.instance.position:
                last += 1
                form.instance.position = last


class PhotoInline(admin.StackedInline):
    model = Photo
    form = PhotoForm
    formset = PhotoFormSet
    extra = 1
    fields = ["stored", "file", "alt", "caption", "credit", "position"]
    readonly_fields = ["stored"]
    verbose_name_plural = "photos (shown after the text, by position)"

    @admin.display(description="Stored photo")
    def stored(self, photo):
        """Which photo a saved row is: a file input cannot show it."""
        if not photo.variants:
            return "None yet: choose a file below."
        smallest = photo.variants[0]
        return format_html(
            '<img src="{}" alt="" width="{}" height="{}" style="max-width: 240px; height: auto">',
            default_storage.url(smallest["name"]), smallest["width"], smallest["height"],
        )  # fmt: skip


@admin.register(LiveUpdate)
class LiveUpdateAdmin(QueryStringGuard, admin.ModelAdmin):
    form = LiveUpdateForm
    inlines = [PhotoInline]
    autocomplete_fields = ["entry"]
    list_display = ["__str__", "entry", "time"]
    list_filter = ["entry"]
    list_select_related = ["entry"]
    search_fields = ["content"]
    ordering = ["-created", "-id"]
    date_hierarchy = "created"

    @admin.display(description="Time (entry's zone)", ordering="created")
    def time(self, update):
        return update.shown_at().moment.strftime("%d %b %Y, %H:%M %Z")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("photos")  # __str__ of a photo-only update

    def render_change_form(self, request, context, *args, **kwargs):
        if request.method == "POST":  # the form comes back with an error somewhere
            for inline in context["inline_admin_formsets"]:
                for form in inline.formset.forms:
                    if getattr(form, "processed", None) is not None:
                        form.add_error("file", CHOOSE_AGAIN)
        return super().render_change_form(request, context, *args, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Saved after the update: render its HTML again with them, and so tell readers.
        form.instance.save()

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if "_addanother" in request.POST:
            # Keep the author on the same entry for the next update (and only that
            # entry: the form may have been opened with ?entry= already).
            url = urlsplit(response.url)
            query = [(k, v) for k, v in parse_qsl(url.query) if k != "entry"] + [("entry", obj.entry_id)]
            return HttpResponseRedirect(url._replace(query=urlencode(query)).geturl())
        return response
