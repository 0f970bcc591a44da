"""The description sanitiser (host/storefront/sanitize.py, on nh3): what survives and what never does.

Expected outputs are nh3's serialisation, which follows the HTML parsing rules browsers use: a stray
`</p>` becomes an empty paragraph, a table gains its `tbody`, `rel` goes on every link (with or
without an `href`) and an image whose `src` is refused keeps only `loading`.
"""

from __future__ import annotations

import pytest
from markupsafe import Markup

from shopwright.host.storefront.sanitize import clean_html, plain_text

LINK_REL = 'rel="nofollow noopener"'
BARE_LINK = f"<a {LINK_REL}>x</a>"
BARE_IMAGE = '<img loading="lazy">'


def expect(dirty: str, clean: str):
    return pytest.param(dirty, clean, id=dirty[:60])


ALLOWED_MARKUP = [
    expect("<p>ok</p>", "<p>ok</p>"),
    expect("a < b & c", "a &lt; b &amp; c"),
    expect("&lt;script&gt;", "&lt;script&gt;"),
    expect("<div><b>bold</div>", "<div><b>bold</b></div>"),
    expect("</p>stray", "<p></p>stray"),
    expect("<ul><li>one<li>two</ul>", "<ul><li>one</li><li>two</li></ul>"),
    expect("<table><tr><td>1</td></tr></table>", "<table><tbody><tr><td>1</td></tr></tbody></table>"),
    expect("<p>a<br>b</p><hr/>", "<p>a<br>b</p><hr>"),
    expect("<!-- comment --><p>kept</p>", "<p>kept</p>"),
    expect("<custom-tag>kept text</custom-tag>", "kept text"),
    expect('<form action="https://evil.example/"><input name=x><button>Go</button></form>', "Go"),
    expect('<base href="https://evil.example/">text', "text"),
    expect('<meta http-equiv="refresh" content="0;url=https://evil.example/">text', "text"),
    # the page owns its one h1
    expect("<H1 class=x>Big</H1 >", "<h2>Big</h2>"),
    expect('<img src="https://cdn.example.com/a.jpg" alt="<h1>">',
           '<img src="https://cdn.example.com/a.jpg" alt="&lt;h1&gt;" loading="lazy">'),
]

LINKS_AND_IMAGES = [
    expect('<a href="https://example.com/?a=1&b=2" target="_blank">x</a>',
           f'<a href="https://example.com/?a=1&amp;b=2" {LINK_REL}>x</a>'),
    expect('<a href="/shop/acme/">home</a>', f'<a href="/shop/acme/" {LINK_REL}>home</a>'),
    expect('<a href="#specs">x</a>', f'<a href="#specs" {LINK_REL}>x</a>'),
    expect('<a href="mailto:shop@example.com">x</a>', f'<a href="mailto:shop@example.com" {LINK_REL}>x</a>'),
    expect('<a href="https://example.com/" rel="opener">x</a>', f'<a href="https://example.com/" {LINK_REL}>x</a>'),
    expect('<a href="foo/bar">x</a>', BARE_LINK),  # relative to the page: only /… and #… are same-site
    expect('<img src="https://cdn.example.com/a.jpg" alt="A &quot;quote&quot;" onload="x">',
           '<img src="https://cdn.example.com/a.jpg" alt="A &quot;quote&quot;" loading="lazy">'),
    expect('<img srcset="https://cdn.example.com/a.jpg 1x" src="https://cdn.example.com/b.jpg">',
           '<img src="https://cdn.example.com/b.jpg" loading="lazy">'),
    expect('<img src="/a.jpg">', BARE_IMAGE),
    expect('<img src="mailto:a@example.com">', BARE_IMAGE),
]

JAVASCRIPT_URLS = [
    expect('<a href=" JaVa\tScRiPt:alert(1)">x</a>', BARE_LINK),
    expect('<a href="JAVASCRIPT:alert(1)">x</a>', BARE_LINK),
    expect('<a href="jav&#x61;script:alert(1)">x</a>', BARE_LINK),
    expect('<a href="&#106;avascript:alert(1)">x</a>', BARE_LINK),
    expect('<a href="java\nscript:alert(1)">x</a>', BARE_LINK),
    expect('<a href="\x01javascript:alert(1)">x</a>', BARE_LINK),
    expect('<a href="javascript&colon;alert(1)">x</a>', BARE_LINK),
    expect('<a href="vbscript:msgbox(1)">x</a>', BARE_LINK),
    expect('<a href="data:text/html,<script>alert(1)</script>">x</a>', BARE_LINK),
    expect('<img src="javascript:alert(1)">', BARE_IMAGE),
    expect('<img src="data:image/svg+xml,<svg onload=alert(1)>">', BARE_IMAGE),
    expect('<p style="background:url(javascript:alert(1))" class="x">styled</p>', "<p>styled</p>"),
]

# Links that look same-site but are not: browsers read a backslash as a slash, and `//host` is off-site.
OFF_SITE_LOOKALIKES = [
    expect('<a href="/\\evil.example/">looks local</a>', f"<a {LINK_REL}>looks local</a>"),
    expect('<a href="\\/evil.example/">x</a>', BARE_LINK),
    expect('<a href=" /\t/evil.example/">x</a>', BARE_LINK),
    expect('<a href="//evil.example/">x</a>', BARE_LINK),
    expect('<a href="https:\\\\evil.example/">x</a>', BARE_LINK),
    expect('<a href="/%5Cevil">x</a>', f'<a href="/%5Cevil" {LINK_REL}>x</a>'),  # encoded: a path, stays here
]

SCRIPTS_AND_BREAKOUTS = [
    expect("<script>alert(1)</script>after", "after"),
    expect("<script/>after", ""),  # not self-closing in HTML: everything after is script, as in a browser
    expect("<style>p{}</style><iframe src=x></iframe>text", "text"),
    expect("<svg><script>alert(1)</script></svg><math><mi>x</mi></math>", ""),
    # an <img> inside svg/noscript rawtext escapes it in a browser: nh3 sees it too, and strips it bare
    expect('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', f'{BARE_IMAGE}"&gt;'),
    expect("<noscript><style></noscript><img src=x onerror=alert(1)>", BARE_IMAGE),
    expect("<svg><style><img src=x onerror=alert(1)></style></svg>after", f"{BARE_IMAGE}after"),
    expect("<svg><p><style><img src=x onerror=alert(1)></style></p></svg>", "<p></p>"),
    expect("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", ""),
]

ATTRIBUTE_INJECTION = [
    expect('<a href="https://example.com/" onclick="alert(1)">x</a>',
           f'<a href="https://example.com/" {LINK_REL}>x</a>'),
    expect("""<a href='https://example.com/"onmouseover="alert(1)'>x</a>""",
           f'<a href="https://example.com/&quot;onmouseover=&quot;alert(1)" {LINK_REL}>x</a>'),
    expect("""<img src="https://cdn.example.com/a.jpg" alt='" onerror="alert(1)'>""",
           '<img src="https://cdn.example.com/a.jpg" alt="&quot; onerror=&quot;alert(1)" loading="lazy">'),
    expect('<img src=https://cdn.example.com/a.jpg/onerror=alert(1)>',
           '<img src="https://cdn.example.com/a.jpg/onerror=alert(1)" loading="lazy">'),
    expect('<p " onmouseover=alert(1)>x</p>', "<p>x</p>"),
    expect("<p/onmouseover=alert(1)>x</p>", "<p>x</p>"),
    expect('<a href="https://example.com/" style="x" class="y" id="z" target="_blank">x</a>',
           f'<a href="https://example.com/" {LINK_REL}>x</a>'),
    expect('<div id="x" data-x="1">d</div>', "<div>d</div>"),
]


@pytest.mark.parametrize("dirty, clean", ALLOWED_MARKUP + LINKS_AND_IMAGES)
def test_sanitiser_keeps_only_allowed_markup(dirty, clean):
    assert clean_html(dirty) == Markup(clean)


@pytest.mark.parametrize("dirty, clean", JAVASCRIPT_URLS + OFF_SITE_LOOKALIKES)
def test_sanitiser_refuses_unsafe_and_off_site_lookalike_urls(dirty, clean):
    assert clean_html(dirty) == Markup(clean)


@pytest.mark.parametrize("dirty, clean", SCRIPTS_AND_BREAKOUTS + ATTRIBUTE_INJECTION)
def test_sanitiser_leaves_no_script_or_handler(dirty, clean):
    assert clean_html(dirty) == Markup(clean)


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_sanitises_to_nothing(empty):
    assert clean_html(empty) == Markup("")
    assert plain_text(empty) == ""


def test_plain_text_summary_drops_markup_and_scripts():
    assert plain_text("<p>Hello <b>world</b></p><script>evil()</script>") == "Hello world"
    assert plain_text("<p>Fish &amp; chips &lt;b&gt;</p><noscript>x</noscript><!-- note -->") == "Fish & chips <b>"
    assert plain_text("word " * 100, limit=20) == "word word word word…"
