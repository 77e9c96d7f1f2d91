"""The author's workflow: posting an update must take seconds, not minutes."""

import contextlib
import datetime as dt
import zoneinfo
from urllib.parse import parse_qsl, urlencode, urlsplit

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from blog import desk, photos
from blog.live import LARGEST_NUMBER
from blog.models import Entry, LiveUpdate, Photo, author_name


def post_update_url(entry):
    return f"{reverse('admin:blog_liveupdate_add')}?entry={entry.pk}"


def desk_url(entry):
    return reverse("admin:blog_entry_desk", args=[entry.pk])


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


class WallClockDateTimeField(forms.SplitDateTimeField):
    """A date and a time as the author typed them, with no zone yet.

    The site's zone would be the wrong one to read them in (and would reject a
    time that only that zone skips); resolve_created() applies the entry's.
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


def listed_time(local):
    """A time for an admin list: its day and its label in the entry's zone, the full title on hover."""
    return format_html(
        '<time datetime="{}" title="{}">{}, {}</time>',
        local.iso,
        local.title,
        f"{local.moment:%d %b %Y}",
        local.label,
    )


def resolve_created(form, cleaned_data, zone):
    """Turn the wall-clock ``created`` a form received into an instant in ``zone``.

    Blank means "the moment I press Save"; left untouched on a saved object, the
    stored instant is kept, even in an hour the clocks repeat.
    """
    wall_clock = cleaned_data.get("created")
    if wall_clock is None:
        cleaned_data["created"] = timezone.now()
    elif form.instance.pk is not None and "created" not in form.changed_data:
        cleaned_data["created"] = form.instance.created
    elif zone is None:
        # The zone's own field has the error; a naive time must not reach the model.
        del cleaned_data["created"]
    else:
        try:
            cleaned_data["created"] = in_zone(wall_clock, zone)
        except forms.ValidationError as error:
            form.add_error("created", error)
    return cleaned_data


class EntryForm(forms.ModelForm):
    created = WallClockDateTimeField(
        required=False,
        widget=admin.widgets.AdminSplitDateTime,
        help_text="Leave blank for the current time. Otherwise give it in the entry's time zone.",
    )

    class Meta:
        model = Entry
        fields = ["title", "slug", "body", "order", "show_bylines", "time_zone", "created"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["created"] = timezone.make_naive(self.instance.created, self.instance.zone)

    def clean(self):
        cleaned_data = super().clean()
        # The zone chosen in this form, also for a new entry or a zone being changed.
        name = cleaned_data.get("time_zone")
        return resolve_created(self, cleaned_data, zoneinfo.ZoneInfo(name) if name else None)


class CoverageFilter(admin.SimpleListFilter):
    title = "coverage"
    parameter_name = "coverage"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("ended", "Ended")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.live()
        if self.value() == "ended":
            return queryset.ended()
        return queryset


@admin.register(Entry)
class EntryAdmin(QueryStringGuard, admin.ModelAdmin):
    form = EntryForm
    fields = [
        "title",
        "slug",
        "body",
        "order",
        "show_bylines",
        "time_zone",
        "created",
        "coverage",
        "desk_link",
    ]
    readonly_fields = ["coverage", "desk_link"]
    list_display = ["title", "coverage_status", "update_count", "created_in_zone", "desk_link"]
    list_filter = [CoverageFilter]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["end_coverage"]
    date_hierarchy = "created"
    # Newest first, as authors look for the event they are covering now.
    ordering = ["-created", "-id"]

    def get_urls(self):
        return desk.urls(self) + super().get_urls()

    @admin.display(description="Updates", ordering="update_count")
    def update_count(self, entry):
        return entry.update_count

    @admin.display(description="Created (entry's zone)", ordering="created")
    def created_in_zone(self, entry):
        return listed_time(entry.created_at())

    @admin.display(description="Coverage", ordering="ended")
    def coverage_status(self, entry):
        ended = entry.ended_at()
        if ended is None:
            return "Live"
        return format_html(
            '<span title="{}">Ended {}, {}</span>', ended.title, f"{ended.moment:%d %b %Y}", ended.label
        )

    @admin.display(description="Coverage")
    def coverage(self, entry):
        ended = entry.ended_at()
        if ended is None:
            return "Live"
        return f"Ended at {ended.label} on {ended.day_label}"

    @admin.display(description="Post")
    def desk_link(self, entry):
        """The desk, where authors post, edit and illustrate (blog/desk.py); the stock form beside it."""
        if entry.pk is None:
            return "Save the entry first."
        # Each link keeps its words together: the column is narrow, and "Open / desk / or the /
        # form" over four lines read as four links.
        return format_html(
            '<a class="desk-link" href="{}">Open&nbsp;desk</a> '
            '<a class="form-link" href="{}">or&nbsp;the&nbsp;form</a>',
            desk_url(entry),
            post_update_url(entry),
        )

    @admin.action(description="End live coverage of the selected entries", permissions=["change"])
    def end_coverage(self, request, queryset):
        ended = [entry for entry in queryset if entry.end_coverage()]
        for entry in ended:
            self.log_change(request, entry, "Ended live coverage.")
        skipped = len(queryset) - len(ended)
        if ended:
            self.message_user(
                request, f"Ended live coverage of {len(ended)} {model_ngettext(self.opts, len(ended))}."
            )
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped} {model_ngettext(self.opts, skipped)} that had already ended.",
                messages.WARNING,
            )

    def response_change(self, request, obj):
        # The form's "End live coverage" and "Resume live coverage" buttons
        # (templates/admin/blog/entry/submit_line.html): the form is saved first.
        if "_end_coverage" in request.POST:
            if obj.end_coverage():
                self.log_change(request, obj, "Ended live coverage.")
                verb = "ended"
            else:
                verb = "had already ended"
            ended = obj.ended_at()
            self.message_user(
                request,
                f"“{obj}” was saved. Its live coverage {verb} at {ended.label} on {ended.day_label}: "
                "open pages stop polling. “Resume live coverage” undoes it.",
            )
            return self.stay_on_form(request)
        if "_resume_coverage" in request.POST:
            obj.resume_coverage()
            self.log_change(request, obj, "Resumed live coverage.")
            self.message_user(
                request,
                f"“{obj}” was saved and is live again: readers' pages poll again once reloaded "
                f"(a CDN may serve the ended page for up to {settings.LIVE_ENDED_MAX_AGE} seconds).",
            )
            return self.stay_on_form(request)
        return super().response_change(request, obj)

    def stay_on_form(self, request):
        context = {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}
        return HttpResponseRedirect(add_preserved_filters(context, request.path))


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
        fields = ["entry", "headline", "content", "key_event", "pinned", "correction", "created", "author"]
        widgets = {
            "headline": forms.TextInput(attrs={"size": 80}),
            "content": forms.Textarea(attrs={"rows": 12, "cols": 80, "autofocus": True}),
            "correction": forms.TextInput(attrs={"size": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["created"] = timezone.make_naive(self.instance.created, self.instance.entry.zone)
        if "author" in self.fields:  # a superuser's form: list authors as their bylines name them
            self.fields["author"].label_from_instance = author_name
        # The form remembers whether the update was pinned when it opened, so that
        # saving a stale form (a typo fixed while a colleague pinned another
        # update) does not silently take the pin back; see clean().
        self.fields["pinned"].show_hidden_initial = True

    def clean(self):
        cleaned_data = super().clean()
        opened_with = self.add_initial_prefix("pinned") in self.data  # a browser's form sends it
        if self.instance.pk is not None and opened_with and "pinned" not in self.changed_data:
            cleaned_data["pinned"] = self.instance.pinned  # as stored now, not as it was when the form opened
        entry = cleaned_data.get("entry")
        return resolve_created(self, cleaned_data, entry.zone if entry else None)


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
    fields = ["entry", "headline", "content", "key_event", "pinned", "correction", "created", "author"]
    # An update is named by its headline when it has one (LiveUpdate.__str__).
    list_display = ["__str__", "entry", "time", "key_event", "pinned", "author_name"]
    list_filter = ["entry", "key_event", "pinned"]
    list_select_related = ["entry", "author"]
    search_fields = ["headline", "content"]
    ordering = ["-created", "-id"]
    date_hierarchy = "created"

    class Media:
        js = ["blog/update_form.js"]

    @admin.display(description="Time (entry's zone)", ordering="created")
    def time(self, update):
        return listed_time(update.shown_at())

    @admin.display(description="Author", ordering="author__username")
    def author_name(self, update):
        return author_name(update.author) if update.author else None

    def get_readonly_fields(self, request, obj=None):
        # Who posted an update is a fact, not a choice: only a superuser may correct it.
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, "author"]

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        if not change and obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

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
