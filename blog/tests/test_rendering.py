"""The markdown and sanitizing policy: blog/rendering.py."""

import contextlib
import importlib
import json
import subprocess
import sys
from html.parser import HTMLParser
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from blog.models import Entry, LiveUpdate
from blog.rendering import MAX_NESTING, render_markdown, validate_markdown
from blog.tests.factories import NO_PHOTOS, make_entry, make_update

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class _Markup(HTMLParser):
    """The tags, attributes and text of a piece of HTML, as a browser would see them."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text = [], [], []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_data(self, data):
        self.text.append(data)


def text_of(html):
    """The text a reader sees in ``html``."""
    return "".join(_Markup(html).text)


def test_update_markdown_is_rendered_and_stored_on_save():
    update = make_update(content="Hello *world*")
    assert update.content_html == "<p>Hello <em>world</em></p>"
    update.content = "Now **bold**"
    update.save()
    update.refresh_from_db()
    assert update.content_html == "<p>Now <strong>bold</strong></p>"


def test_entry_intro_is_rendered_and_stored_on_save():
    entry = make_entry(body="See [the site](https://example.com)")
    entry.refresh_from_db()
    assert entry.body_html == (
        '<p>See <a href="https://example.com" rel="nofollow noopener">the site</a></p>'
    )


# Hostile input, pasted or from a compromised account. Raw HTML now reaches
# readers as text, so "neutralised" means: no element, attribute or address
# outside the policy, whatever words are shown.
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<svg><script>alert(1)</script></svg>",
    "<img src=x onerror=alert(1)>",
    '<p onclick="alert(1)" onmouseover="alert(1)">hi</p>',
    "[click](javascript:alert(1))",
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "<javascript:alert(1)>",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '![x](https://example.com/a.png "x\\" onerror=\\"alert(1)")',
    '<iframe src="https://evil.example"></iframe>',
    '<style>body{display:none}</style><p style="color:red">x</p>',
    "<style>\n\nbody{display:none}",
    '<form action="https://evil.example"><input name=a></form>',
    '<object data="https://evil.example/x.swf"></object>',
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    "`</code><script>alert(1)</script>`",
    '[x](https://example.com "a\\" onclick=\\"alert(1)")',
]
SAFE_TAGS = {"p", "em", "strong", "a", "code", "pre", "blockquote", "ul", "ol", "li",
             "h2", "h3", "h4", "hr", "br", "img"}  # fmt: skip
SAFE_ATTRIBUTES = {("a", "href"), ("a", "title"), ("a", "rel"), ("img", "src"), ("img", "alt"),
                   ("img", "title"), ("img", "loading"), ("ol", "start")}  # fmt: skip
SAFE_SCHEMES = {"a": {"", "http", "https", "mailto"}, "img": {"", "http", "https"}}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_markup_is_neutralised(hostile):
    html = render_markdown(hostile)
    markup = _Markup(html)
    assert set(markup.tags) <= SAFE_TAGS
    for tag, name, value in markup.attributes:
        assert (tag, name) in SAFE_ATTRIBUTES
        if name in ("href", "src"):
            assert urlsplit(value.strip()).scheme.lower() in SAFE_SCHEMES[tag], value
    for opened_as_markup in ["<script", "<svg", "<iframe", "<style", "<form", "<input", "<object", "<!--"]:
        assert opened_as_markup not in html.lower()


@pytest.mark.parametrize(
    "typed",
    [
        # The seed event's 12:32 update: readers saw "updating a  using innerHTML".
        "No framework, no websockets: just fetch() calls polling an endpoint "
        "and updating a <div> using innerHTML.",
        "Then the <title> element changes too.",
        "Press <Enter> to send.",
        "<script>alert(1)</script> is the oldest trick there is.",
        "Unclosed: <style> and what comes after it",
        "Unclosed: <script> and what comes after it",
        "<b>bold?</b> No: <i>as typed</i> & <3",
    ],
)
def test_text_in_angle_brackets_reaches_readers_as_typed(typed):
    assert text_of(render_markdown(typed)) == typed


def test_nothing_after_an_unclosed_style_or_script_is_lost():
    html = render_markdown("<style>\n\nThe keynote starts at 9.\n\n<script>\n\nDoors open at 8.")
    assert "The keynote starts at 9." in text_of(html)
    assert "Doors open at 8." in text_of(html)


def test_the_seed_1232_update_reads_as_typed_on_the_page(admin_client, client):
    """Posted through the admin as the seed replay did, and read on the entry's page."""
    typed = "just fetch() calls polling an endpoint and updating a <div> using innerHTML"
    entry = make_entry()
    response = admin_client.post(
        reverse("admin:blog_liveupdate_add"),
        {"entry": entry.pk, "content": typed, "created_0": "", "created_1": "", "_save": "1", **NO_PHOTOS},
    )
    assert response.status_code == HTTPStatus.FOUND
    page = client.get(entry.get_absolute_url()).content.decode()
    assert "updating a &lt;div&gt; using innerHTML" in page
    assert text_of(LiveUpdate.objects.get().content_html) == typed


@pytest.mark.parametrize(
    ("markdown_text", "expected"),
    [
        ("*em* **strong**", "<p><em>em</em> <strong>strong</strong></p>"),
        ("`code`", "<p><code>code</code></p>"),
        ("`<div>` and `a < b`", "<p><code>&lt;div&gt;</code> and <code>a &lt; b</code></p>"),
        ("```\nx < y\n```", "<pre><code>x &lt; y\n</code></pre>"),
        ("```html\n<div>\n```", "<pre><code>&lt;div&gt;\n</code></pre>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("> quoted <div>", "<blockquote>\n<p>quoted &lt;div&gt;</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
        ("- bullet\n1. number", "<ul>\n<li>bullet</li>\n</ul>\n<ol>\n<li>number</li>\n</ol>"),
        ("## Two", "<h2>Two</h2>"),
        ("#### Four", "<h2>Four</h2>"),
        ("---", "<hr>"),
        ("line  \nbreak", "<p>line<br>\nbreak</p>"),
        ("[mail](mailto:desk@example.com)",
         '<p><a href="mailto:desk@example.com" rel="nofollow noopener">mail</a></p>'),
        ("<https://example.com/a>",
         '<p><a href="https://example.com/a" rel="nofollow noopener">https://example.com/a</a></p>'),
        ("<desk@example.com>",
         '<p><a href="mailto:desk@example.com" rel="nofollow noopener">desk@example.com</a></p>'),
        ('![alt](https://example.com/a.png "A title")',
         '<p><img src="https://example.com/a.png" alt="alt" title="A title" loading="lazy"></p>'),
        ("![alt](/static/a.png)", '<p><img src="/static/a.png" alt="alt" loading="lazy"></p>'),
    ],
)  # fmt: skip
def test_allowed_markup_survives(markdown_text, expected):
    assert render_markdown(markdown_text) == expected


def test_every_heading_an_author_writes_takes_the_level_it_is_given():
    """So the page's outline never skips a level, whatever "#"s were typed (axe-core's heading-order)."""
    assert render_markdown("# Breaking\n\n### Detail") == "<h2>Breaking</h2>\n<h2>Detail</h2>"
    assert render_markdown("###### Small", heading="h4") == "<h4>Small</h4>"
    assert render_markdown("# Top", heading="h3") == "<h3>Top</h3>"


def test_links_with_other_schemes_lose_their_href():
    html = render_markdown("[x](ftp://example.com/file) [y](vbscript:msgbox)")
    assert "href" not in html


def test_images_accept_only_web_sources():
    assert "src" not in render_markdown("![x](mailto:someone@example.com)")
    assert "src" not in render_markdown("![x](ftp://example.com/a.png)")


def test_html_tags_are_shown_as_text_not_stripped():
    assert render_markdown("<h1>Big</h1><marquee>wow</marquee>") == (
        "<p>&lt;h1&gt;Big&lt;/h1&gt;&lt;marquee&gt;wow&lt;/marquee&gt;</p>"
    )


# Limits: every form that saves markdown refuses what cannot render quickly and whole.


def nested_list(levels):
    return "".join("  " * level + "- item\n" for level in range(levels))


def nested_quote(levels):
    return "> " * levels + "deep"


def test_markdown_at_the_length_limit_is_accepted(settings):
    settings.MARKDOWN_MAX_LENGTH = 50
    validate_markdown("x" * 50)


def test_markdown_over_the_length_limit_is_refused_with_the_limit_in_the_message(settings):
    settings.MARKDOWN_MAX_LENGTH = 20_000
    with pytest.raises(ValidationError) as error:
        validate_markdown("x" * 20_001)
    assert error.value.messages == [
        "This text has 20,001 characters; the limit is 20,000. Shorten it or split it in two."
    ]


@pytest.mark.parametrize("nested", [nested_list, nested_quote])
def test_lists_and_quotes_may_nest_up_to_the_limit_and_keep_every_word(nested):
    text = nested(MAX_NESTING)
    validate_markdown(text)
    assert text_of(render_markdown(text)).split() == [word for word in text.split() if word.isalpha()]


@pytest.mark.parametrize("nested", [nested_list, nested_quote])
def test_lists_and_quotes_nested_deeper_are_refused(nested):
    with pytest.raises(ValidationError, match=f"more than {MAX_NESTING} levels deep"):
        validate_markdown(nested(MAX_NESTING + 1))


@pytest.mark.parametrize("field", [(Entry, "body"), (LiveUpdate, "content")], ids=["entry intro", "update"])
def test_every_form_gets_the_limits_from_the_model_field(field, settings):
    settings.MARKDOWN_MAX_LENGTH = 10
    model, name = field
    with pytest.raises(ValidationError, match="the limit is 10"):
        model._meta.get_field(name).clean("x" * 11, None)


# Bounded work. Families of input known to make markdown parsers slow or deep
# (CommonMark's pathological tests and the cases that hurt Python-Markdown);
# each is built to a given length. rendering.py's docstring and the README give
# their timings.


def _repeat(unit, length, head="", tail=""):
    return head + unit * max(1, (length - len(head) - len(tail)) // len(unit)) + tail


def _lines_until(length, line_for):
    lines, size, number = [], 0, 0
    while size < length:
        lines.append(line_for(number))
        size += len(lines[-1])
        number += 1
    return "".join(lines)[:length]


PATHOLOGICAL = {
    "run of [": lambda n: "[" * n,
    "run of *": lambda n: "*" * n,
    "run of _": lambda n: "_" * n,
    "run of backticks": lambda n: "`" * n,
    "run of <": lambda n: "<" * n,
    "run of >": lambda n: ">" * n + " a",
    "nested quotes > > >": lambda n: _repeat("> ", n, tail="a"),
    "nested list, indented": lambda n: _lines_until(n, lambda i: "  " * i + "* a\n"),
    "nested ordered list, indented": lambda n: _lines_until(n, lambda i: "   " * i + "1. a\n"),
    "nested list - - - a": lambda n: _repeat("- ", n, tail="a"),
    "nested ordered list 1. 1. a": lambda n: _repeat("1. ", n, tail="a"),
    "quotes and lists > - > -": lambda n: _repeat("> - ", n, tail="a"),
    "[a]( repeated": lambda n: _repeat("[a](", n),
    "![ repeated": lambda n: _repeat("![", n),
    "![[]() repeated": lambda n: _repeat("![[]()", n),
    "[ (]( repeated": lambda n: _repeat("[ (](", n),
    "unclosed links [a](<b": lambda n: _repeat("[a](<b", n),
    "unclosed links [a](b": lambda n: _repeat("[a](b", n),
    "nested brackets [[[a]]]": lambda n: "[" * (n // 2) + "a" + "]" * (n // 2),
    "link openers [a": lambda n: _repeat("[a", n),
    "link closers a]": lambda n: _repeat("a]", n),
    "emphasis closers a_": lambda n: _repeat("a_ ", n),
    "emphasis openers _a": lambda n: _repeat("_a ", n),
    "mismatched openers *a_": lambda n: _repeat("*a_ ", n),
    "openers and closers, multiple of 3": lambda n: _repeat("c* ", n, head="a**b"),
    "link openers and emphasis closers": lambda n: _repeat("[ a_", n),
    "nested strong and emphasis": lambda n: "*a **a " * (n // 16) + "b" + " a** a*" * (n // 16),
    "emphasis and link mix": lambda n: _repeat("**x [a*b**c*](d) ", n),
    "backtick runs e`e``e```": lambda n: "".join("e" + "`" * i for i in range(1, n))[:n],
    "unclosed comments <!--": lambda n: _repeat("<!--", n, head="</"),
    "unclosed tag attributes": lambda n: _repeat("b=c ", n, head="<a "),
    "raw tags <div>": lambda n: _repeat("<div>", n),
    "autolinks": lambda n: _repeat("<https://a>", n),
    "NUL characters": lambda n: _repeat("abc\x00de\x00", n),
    "many references": lambda n: _lines_until(n // 2, lambda i: f"[{i}]: u\n") + "[0] " * (n // 8),
    "long line of words": lambda n: _repeat("word ", n),
    "long line, no spaces": lambda n: "a" * n,
    "many short lines": lambda n: _repeat("a\n", n),
    "entities": lambda n: _repeat("&amp;", n),
    "hard breaks": lambda n: _repeat("a  \n", n),
    "headings": lambda n: _repeat("# a\n", n),
    "unclosed fence": lambda n: _repeat("x\n", n, head="```\n"),
    "setext headings": lambda n: _repeat("a\n=\n", n),
    "tabs, spaces and quotes": lambda n: _repeat("\t \t>", n),
}

# Rendering and measuring the nesting of each input, in a process whose stack
# is kept short: what passes here leaves most of Python's 1,000 frames to the
# request that renders.
_HARNESS = """
import json, sys
from blog.rendering import nesting_depth, render_markdown
sys.setrecursionlimit(250)
for name, text in json.load(sys.stdin).items():
    print(name, flush=True)
    render_markdown(text)
    nesting_depth(text)
print("done", flush=True)
"""


def render_in_subprocess(inputs, timeout):
    """Render each input in a fresh Python; fail naming the input that raised or took too long."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", _HARNESS],
            input=json.dumps(inputs),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=PROJECT_ROOT,
        )
    except subprocess.TimeoutExpired as expired:
        reached = (expired.stdout or b"").decode().splitlines()
        pytest.fail(f"rendering did not finish in {timeout} s; stuck on {reached[-1:]}")
    reached = result.stdout.splitlines()
    assert result.returncode == 0, f"{reached[-1:]} raised:\n{result.stderr}"
    assert reached[-1] == "done"


@pytest.mark.parametrize(("name", "make"), PATHOLOGICAL.items(), ids=PATHOLOGICAL.keys())
def test_pathological_input_renders_without_raising(name, make):
    """At 2,000 characters: deep enough to nest 1,000 levels, small enough for every run."""
    text = make(2_000)
    render_markdown(text)
    with contextlib.suppress(ValidationError):
        validate_markdown(text)


@pytest.mark.slow
def test_pathological_input_at_the_length_limit_renders_in_bounded_time(settings):
    """About 5 s for all of them here; Python-Markdown needed 104 s for the first one alone."""
    inputs = {name: make(settings.MARKDOWN_MAX_LENGTH) for name, make in PATHOLOGICAL.items()}
    render_in_subprocess(inputs, timeout=60)


# Stored HTML is rendered again when the policy changes (blog/migrations/0003).


def test_rerendering_corrects_stored_html_and_sends_it_to_open_pages():
    rerender = importlib.import_module("blog.migrations.0003_rerender_markdown").rerender
    entry = make_entry(body="An <intro>")
    stale = make_update(entry, content="updating a <div> using innerHTML")
    current = make_update(entry, content="Doors open")
    # As Python-Markdown and the sanitizer stored it before.
    LiveUpdate.objects.filter(pk=stale.pk).update(content_html="<p>updating a  using innerHTML</p>")
    Entry.objects.filter(pk=entry.pk).update(body_html="<p>An </p>")
    rerender(apps, None)
    entry.refresh_from_db()
    stale.refresh_from_db()
    current.refresh_from_db()
    assert stale.content_html == "<p>updating a &lt;div&gt; using innerHTML</p>"
    assert entry.body_html == "<p>An &lt;intro&gt;</p>"
    assert (stale.version, entry.version) == (3, 3), "one new version for the entry's changed updates"
    assert current.version == 2, "an update whose HTML did not change is not sent again"


def test_rerendering_unchanged_html_moves_no_version():
    rerender = importlib.import_module("blog.migrations.0003_rerender_markdown").rerender
    update = make_update(content="Doors open")
    rerender(apps, None)
    update.entry.refresh_from_db()
    assert update.entry.version == 1
