"""The one place where author markdown (and an update's photos) becomes HTML that is safe to show.

Markdown is rendered once, when an entry or update is saved, and the sanitized
HTML is stored; no read path renders markdown. Authors are trusted staff, but
the output is still sanitized on a strict allowlist: a pasted snippet or a
compromised account must not be able to run script in thousands of readers'
browsers. nh3 (the Rust sanitizer ammonia) replaces the unmaintained bleach.

Authors write markdown, not HTML: text in angle brackets ("updating a <div>",
"press <Enter>") reaches readers as typed, escaped, instead of being taken for
a tag that the sanitizer then deletes with the author's words. Autolinks
(<https://example.com>), code spans and fenced code keep working.

The renderer is markdown-it-py (CommonMark) rather than Python-Markdown, for
bounded work on any input (issue 8). Python-Markdown is quadratic on brackets:
20,000 characters of "[" took 104 s here, 8,000 took 15 s, and "- - - ... a"
(2,000 characters) raised RecursionError; no option turns its link parsing
off without losing links, and a length limit low enough to keep it under a
second (about 2,500 characters) would cut ordinary intros. markdown-it-py is
linear, escapes raw HTML with html=False while keeping autolinks, and stops
nesting at a fixed depth. At MARKDOWN_MAX_LENGTH (20,000) its slowest known
input ("![" repeated) renders in about 0.45 s here; the families timed are in
blog/tests/test_rendering.py and the figures in the README's Dependencies.

Input is bounded by validate_markdown(), a validator on the model fields, so
every form refuses text that is too long or nested too deeply, with a message
that says the limit; render_markdown() itself never raises.
"""

from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.text import normalize_newlines
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "em", "strong", "a", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "hr", "br", "img",
}  # fmt: skip
# "start" keeps a list that begins at "3." numbered as the author typed it.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}

# The page title is the only <h1>, and the page's outline must never skip a
# level (axe-core's heading-order): every heading an author writes becomes
# one level, the one under where the text sits (an intro under the title, an
# update's text under the update's headline). Short texts rarely need more
# than one level, and a "###" typed first can then never skip two.
HEADING_TAGS = {"h2", "h3", "h4"}

# Lists and block quotes inside each other, at most. markdown-it stops parsing
# (and drops the rest) at 20 token levels; a list costs two (list and item),
# so 8 containers stay well inside it and anything deeper is refused instead.
MAX_NESTING = 8
_CONTAINERS = {"blockquote", "bullet_list", "ordered_list"}

_OPTIONS = {
    # Raw HTML is escaped and shown as text; autolinks are a separate rule and stay.
    "html": False,
    "xhtmlOut": False,
    # The recursion guard: parsing never goes deeper than this, whatever the input.
    "maxNesting": 20,
}
_markdown = MarkdownIt("commonmark", _OPTIONS)
# Blocks only (no inline parsing): a cheap way to measure how deep the input nests.
_block_structure = MarkdownIt("commonmark", _OPTIONS).disable("inline")


def _keep_image_sources_web_only(tag, attribute, value):
    """Allow only http(s) or site-relative image sources (no mailto:, no data:)."""
    if tag == "img" and attribute == "src":
        scheme = urlsplit(value).scheme.lower()
        if scheme and scheme not in IMAGE_SCHEMES:
            return None
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    attribute_filter=_keep_image_sources_web_only,
    url_schemes=LINK_SCHEMES,
    link_rel="nofollow noopener",
    set_tag_attribute_values={"img": {"loading": "lazy"}},
)


def render_markdown(text, heading="h2"):
    """Return sanitized HTML for a piece of author markdown, its headings all ``heading``."""
    tokens = _markdown.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = heading
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return _cleaner.clean(html).rstrip("\n")


def nesting_depth(text):
    """Return how many lists and block quotes the deepest line of ``text`` sits in."""
    depth = deepest = 0
    for token in _block_structure.parse(text):
        if token.type.removesuffix("_open") in _CONTAINERS:
            depth += 1
            deepest = max(deepest, depth)
        elif token.type.removesuffix("_close") in _CONTAINERS:
            depth -= 1
    return deepest


def validate_markdown(text):
    """Refuse markdown too long or too deeply nested to render quickly and whole."""
    limit = settings.MARKDOWN_MAX_LENGTH
    # Browsers send a textarea's line breaks as CRLF: count them as the one
    # character the author's editor shows (and the model stores).
    length = len(normalize_newlines(text))
    if length > limit:
        raise ValidationError(
            "This text has %(length)s characters; the limit is %(limit)s. Shorten it or split it in two.",
            code="max_length",
            params={"length": f"{length:,}", "limit": f"{limit:,}"},
        )
    if nesting_depth(text) > MAX_NESTING:
        raise ValidationError(
            "Lists and block quotes are nested more than %(limit)s levels deep here; "
            "that is as deep as they can go.",
            code="too_deep",
            params={"limit": MAX_NESTING},
        )


def render_photos(photos):
    """Return the HTML of an update's photos: figures with responsive, space-reserving images.

    Not sanitized by nh3 (which would drop srcset and sizes): the markup is the
    template's own, and the author's alt text, caption and credit are escaped
    by it like any template variable.
    """
    return "".join(render_to_string("blog/_photo.html", _photo_context(photo)).strip() for photo in photos)


# The page's column is at most 40rem wide (static/blog/site.css: main is 42rem
# with 1rem padding); the browser picks from srcset by this and its pixel density.
PHOTO_SIZES = "(min-width: 42rem) 40rem, calc(100vw - 2rem)"
# The src for browsers that ignore srcset: the smallest variant that fills the column.
COLUMN_PIXELS = 640


def _photo_context(photo):
    urls = [(default_storage.url(variant["name"]), variant["width"]) for variant in photo.variants]
    return {
        "photo": photo,
        "src": next((url for url, width in urls if width >= COLUMN_PIXELS), urls[-1][0]),
        "srcset": ", ".join(f"{url} {width}w" for url, width in urls),
        "sizes": PHOTO_SIZES,
        "full_size": urls[-1][0],
    }
