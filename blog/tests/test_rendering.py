"""The markdown and sanitizing policy: blog/rendering.py."""

import pytest

from blog.rendering import render_markdown
from blog.tests.factories import make_entry, make_update

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        "<svg><script>alert(1)</script></svg>",
        "<img src=x onerror=alert(1)>",
        '<p onclick="alert(1)" onmouseover="alert(1)">hi</p>',
        "[click](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)">click</a>',
        '<a href="&#106;avascript:alert(1)">click</a>',
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=)",
        '<iframe src="https://evil.example"></iframe>',
        '<style>body{display:none}</style><p style="color:red">x</p>',
        '<form action="https://evil.example"><input name=a></form>',
        '<object data="https://evil.example/x.swf"></object>',
    ],
)
def test_hostile_markup_is_neutralised(hostile):
    html = render_markdown(hostile).lower()
    for forbidden in ["<script", "javascript:", "onerror", "onclick", "onmouseover", "data:", "<iframe",
                      "<style", "style=", "<form", "<input", "<object"]:  # fmt: skip
        assert forbidden not in html


def test_script_content_is_dropped_not_shown_as_text():
    assert "alert" not in render_markdown("<script>alert(1)</script>Safe")


@pytest.mark.parametrize(
    ("markdown_text", "expected"),
    [
        ("*em* **strong**", "<p><em>em</em> <strong>strong</strong></p>"),
        ("`code`", "<p><code>code</code></p>"),
        ("```\nx < y\n```", "<pre><code>x &lt; y\n</code></pre>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("## Two", "<h2>Two</h2>"),
        ("#### Four", "<h4>Four</h4>"),
        ("---", "<hr>"),
        ("line  \nbreak", "<p>line<br>\nbreak</p>"),
        ("[mail](mailto:desk@example.com)",
         '<p><a href="mailto:desk@example.com" rel="nofollow noopener">mail</a></p>'),
        ('![alt](https://example.com/a.png "A title")',
         '<p><img alt="alt" src="https://example.com/a.png" title="A title" loading="lazy"></p>'),
        ("![alt](/static/a.png)", '<p><img alt="alt" src="/static/a.png" loading="lazy"></p>'),
    ],
)  # fmt: skip
def test_allowed_markup_survives(markdown_text, expected):
    assert render_markdown(markdown_text) == expected


def test_page_level_headings_are_demoted_so_the_title_stays_the_only_h1():
    assert render_markdown("# Breaking") == "<h2>Breaking</h2>"
    assert render_markdown("###### Small") == "<h4>Small</h4>"


def test_links_with_other_schemes_lose_their_href():
    html = render_markdown("[x](ftp://example.com/file) [y](vbscript:msgbox)")
    assert "href" not in html


def test_images_accept_only_web_sources():
    assert "src" not in render_markdown("![x](mailto:someone@example.com)")
    assert "src" not in render_markdown("![x](ftp://example.com/a.png)")


def test_unknown_tags_are_stripped_but_their_text_kept():
    assert render_markdown("<h1>Big</h1><marquee>wow</marquee>") == "<h2>Big</h2>\n<p>wow</p>"
