"""What search engines and link previews read of an entry: schema.org JSON-LD and Open Graph (issue 13).

Everything here is built from what the entry page's view has already loaded
(the entry and the updates it shows), so the markup costs no query: an
update's plain text and its photos are read from its stored HTML, which holds
both (blog/rendering.py renders the photos into it, with the largest
variant's address, size and description). The entry's image is therefore
the latest photo among the updates on its page; an entry whose photos are all
on archive pages gets the site's default image.

Every URL is absolute and built from settings.SITE_URL (blog/site.py), never
from the request, and every time carries its UTC offset.
"""

import json
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser

from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from blog.site import absolute_url
from blog.times import LocalTime

# liveBlogUpdate carries the latest updates, at most this many (issue 13).
UPDATES = 50
# Google shows about this much of a headline; an update without one gets its first sentence, cut here.
HEADLINE_LENGTH = 110
# The entry's `image`: its latest photos, newest first, at most this many.
ENTRY_IMAGES = 3
# X (Twitter) reads at most 420 characters of an image's description; Open Graph names no limit.
PREVIEW_ALT_LENGTH = 420
# The site's own images (static/): the publisher's logo when SITE_LOGO_URL is
# unset, and the link preview of a page without a photo, at the size
# summary_large_image cards show (1.91:1).
LOGO = "logo.png"
DEFAULT_IMAGE = "link-preview.png"
DEFAULT_IMAGE_SIZE = (1200, 630)

# What <script> must not contain in a JSON data block: "</script>" would end the
# block and "<!--" would change how it is parsed. JSON's own escapes keep the
# same data (as Django's json_script does).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
# Elements after which text starts a new line in plain text.
_BLOCKS = {"p", "div", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br"}
# The end of a sentence: ., ! , ? or … followed by a space (or the end), but not
# the full stop of a title or a common abbreviation ("Mr. Smith", "e.g. this").
_SENTENCE_END = re.compile(
    r"(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bMrs)(?<!\bvs)(?<!\bNo)(?<!\bProf)(?<!\be\.g)(?<!\bi\.e)"
    r"(?<!\b[A-Z])[.!?\u2026](?=\s|$)"
)


@dataclass(frozen=True)
class Image:
    url: str
    width: int
    height: int
    alt: str
    caption: str = ""


class _Reader(HTMLParser):
    """Splits stored HTML into its plain text and the photos of its figures (templates/blog/_photo.html)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []
        self.images = []
        self._figure = None
        self._caption = None  # the words of a figure's caption, while in it (not its credit)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figure = {}
        elif self._figure is not None and tag == "a":
            self._figure["url"] = attrs.get("href") or ""
        elif self._figure is not None and tag == "img":
            self._figure.update(
                width=attrs.get("width"), height=attrs.get("height"), alt=attrs.get("alt") or ""
            )
        elif self._figure is not None and tag == "figcaption":
            self._caption = []
        elif self._caption is not None and "photo-credit" in (attrs.get("class") or "").split():
            self._figure["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in _BLOCKS:
            self.text.append("\n")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "figure" and self._figure is not None:
            # A photo's caption and credit are about the photo: they stay out of the text.
            figure, self._figure = self._figure, None
            if figure.get("url"):
                width, height = int(figure.get("width") or 0), int(figure.get("height") or 0)
                image = Image(absolute_url(figure["url"]), width, height, figure.get("alt", ""))
                self.images.append(replace(image, caption=figure.get("caption", "")))
        elif tag == "figcaption" and self._caption is not None:
            self._figure["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in _BLOCKS:
            self.text.append("\n")

    def handle_data(self, data):
        if self._figure is None:
            self.text.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def read(html):
    """Return the plain text of stored HTML (a line per block) and the photos it shows."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    lines = (" ".join(line.split()) for line in "".join(reader.text).splitlines())
    return "\n".join(line for line in lines if line), reader.images


def first_sentence(text):
    """The first sentence of ``text`` (of its first line), cut to HEADLINE_LENGTH characters."""
    line = text.split("\n", 1)[0]
    end = _SENTENCE_END.search(line)
    return Truncator(line[: end.end()] if end else line).chars(HEADLINE_LENGTH)


def iso(instant, entry):
    return LocalTime.of(instant, entry.zone).iso


def publisher():
    logo = settings.SITE_LOGO_URL or static(LOGO)
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "logo": {"@type": "ImageObject", "url": absolute_url(logo)},
    }


def default_image():
    width, height = DEFAULT_IMAGE_SIZE
    return Image(absolute_url(static(DEFAULT_IMAGE)), width, height, settings.SITE_NAME)


@dataclass(frozen=True)
class ReadUpdate:
    """An update with the plain text and the photos of its stored HTML."""

    update: object
    text: str
    images: list

    @classmethod
    def of(cls, update):
        return cls(update, *read(update.content_html))

    @property
    def headline(self):
        """Its title everywhere it is read away from the page (structured data, the Atom feed).

        Its headline; else its first sentence; else, for a photo alone, the
        photo's caption, written to be read, or its description, written for
        those who cannot see it; else its time.
        """
        if self.update.headline:
            return self.update.headline
        if self.text:
            return first_sentence(self.text)
        if self.images and (self.images[0].caption or self.images[0].alt):
            return first_sentence(self.images[0].caption or self.images[0].alt)
        return f"Update at {self.update.shown_at().label}"

    @property
    def body(self):
        """Its plain text, with its correction: readers of the page see both."""
        return "\n".join(part for part in (self.text, self.update.correction) if part)


def read_updates(updates):
    """``updates``, newest first, each read once for both the JSON-LD and the link preview."""
    newest_first = sorted(updates, key=lambda update: (update.created, update.pk), reverse=True)
    return [ReadUpdate.of(update) for update in newest_first]


def entry_markup(entry, updates):
    """The entry page's JSON-LD data block and its link preview, from the updates on its page."""
    updates = read_updates(updates)
    return json_ld(live_blog_posting(entry, updates)), entry_preview(entry, updates)


def blog_posting(read_update):
    """One update as a schema.org BlogPosting."""
    update = read_update.update
    entry = update.entry
    posting = {
        "@type": "BlogPosting",
        "headline": read_update.headline,
        "datePublished": iso(update.created, entry),
        "dateModified": iso(update.last_change(), entry),
        "articleBody": read_update.body,
        "url": absolute_url(f"{update.get_absolute_url()}#update-{update.pk}"),
        # byline() is None when the entry hides bylines: the markup names nobody the page does not.
        "author": {"@type": "Person", "name": update.byline()} if update.byline() else None,
        "image": [image.url for image in read_update.images],
    }
    return {name: value for name, value in posting.items() if value}


def live_blog_posting(entry, updates):
    """The entry as a schema.org LiveBlogPosting; ``updates`` are its page's, from read_updates()."""
    posting = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": entry.title,
        "description": read(entry.body_html)[0],
        "url": absolute_url(entry.get_absolute_url()),
        "datePublished": iso(entry.created, entry),
        "dateModified": iso(entry.changed, entry),
        "coverageStartTime": iso(entry.created, entry),
        "coverageEndTime": iso(entry.ended, entry) if entry.ended else None,
        "author": authors(updates),
        "publisher": publisher(),
        # dict: a photo posted twice (the same file) is listed once.
        "image": list(dict.fromkeys(image.url for read_update in updates for image in read_update.images))[
            :ENTRY_IMAGES
        ],
        "liveBlogUpdate": [blog_posting(read_update) for read_update in updates[:UPDATES]],
    }
    return {name: value for name, value in posting.items() if value}


def authors(updates):
    """Each person who posted one of ``updates``, once, in the order they first posted.

    With bylines off the entry has chosen not to say who wrote what, so no
    person is named (nor for updates from before bylines); the publisher then
    stands as the author, which Google's Article markup expects to find.
    """
    people = {}
    for read_update in reversed(updates):  # oldest first
        update = read_update.update
        if (name := update.byline()) and update.author_id not in people:
            people[update.author_id] = {"@type": "Person", "name": name}
    return list(people.values()) or [{"@type": "Organization", "name": settings.SITE_NAME}]


def json_ld(data):
    """A <script type="application/ld+json"> data block holding ``data``, safe to embed in HTML.

    A data block is not executed, so the Content-Security-Policy needs no change for it.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def entry_preview(entry, updates):
    """What the entry page's Open Graph and Twitter card tags say (templates/blog/_link_preview.html)."""
    image = next((image for read_update in updates for image in read_update.images), None)
    if image:
        image = replace(image, alt=Truncator(image.alt).chars(PREVIEW_ALT_LENGTH))
    return {
        "type": "article",
        "title": entry.title,
        "description": entry.description(),
        "url": absolute_url(entry.get_absolute_url()),
        "image": image or default_image(),
        "published_time": iso(entry.created, entry),
        "modified_time": iso(entry.changed, entry),
        "site_name": settings.SITE_NAME,
    }


def site_preview(url):
    """The home page's: the site itself (previews read the page's meta description as its description)."""
    return {"type": "website", "title": settings.SITE_NAME, "url": absolute_url(url),
            "image": default_image(), "site_name": settings.SITE_NAME}  # fmt: skip
