"""The one place where author markdown becomes HTML that is safe to show.

Markdown is rendered once, when an entry or update is saved, and the sanitized
HTML is stored; no read path renders markdown. Authors are trusted staff, but
the output is still sanitized on a strict allowlist: a pasted snippet or a
compromised account must not be able to run script in thousands of readers'
browsers. nh3 (the Rust sanitizer ammonia) replaces the unmaintained bleach.
"""

import re
from urllib.parse import urlsplit

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "em", "strong", "a", "code", "pre", "blockquote",
    "ul", "ol", "li", "h2", "h3", "h4", "hr", "br", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}

# The page title is the only <h1>; an author's "# Heading" becomes an <h2>,
# and levels below h4 are folded into h4, so no heading loses its emphasis.
HEADING_LEVELS = {"1": "2", "5": "4", "6": "4"}
HEADING_TAG = re.compile(r"<(/?)h([156])\b", re.IGNORECASE)


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


def render_markdown(text):
    """Return sanitized HTML for a piece of author markdown."""
    html = markdown.markdown(text or "", extensions=["fenced_code", "sane_lists"])
    html = HEADING_TAG.sub(lambda m: f"<{m[1]}h{HEADING_LEVELS[m[2]]}", html)
    return _cleaner.clean(html)
