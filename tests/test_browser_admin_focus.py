"""A keyboard user sees where they are in the admin, in Chromium: tabbing onto a link in the dark
header, a navigation link, form fields and buttons and a button in a table, each gets a ring at
least 2px wide whose colour stands out 3:1 against what lies behind it. And a failed sign-in names
only the fields the page shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from shopwright.host.testing import add_fixture_shop
from tests.browser_kit import OWNER_PASSWORD, live_server, sign_in

pytestmark = pytest.mark.browser

PASSWORD = OWNER_PASSWORD

#: The focused element's ring (its outline, else a box-shadow's spread) and the first opaque
#: background behind it: the parent's for a ring drawn outside the element, its own for one inside.
RING = """(el) => {
  const rgba = (text) => {
    const m = /rgba?\\(([^)]*)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const style = getComputedStyle(el);
  let color = null, width = 0, offset = 0;
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) {
    color = rgba(style.outlineColor); width = parseFloat(style.outlineWidth); offset = parseFloat(style.outlineOffset);
  } else if (style.boxShadow && style.boxShadow !== "none") {
    const shadow = style.boxShadow.split(/,(?![^(]*\\))/)[0];
    const lengths = (shadow.replace(/rgba?\\([^)]*\\)/, "").match(/-?[\\d.]+px/g) || []).map(parseFloat);
    const inset = /inset/.test(shadow);
    color = rgba(shadow); width = lengths.length > 3 ? lengths[3] : 0; offset = inset ? -1 : 0;
  }
  let node = offset < 0 ? el : el.parentElement, background = null;
  for (; node && !background; node = node.parentElement) {
    const b = rgba(getComputedStyle(node).backgroundColor);
    if (b && b[3] > 0) background = b;
  }
  return {color, width, background: background || [255, 255, 255, 1],
          element: el.tagName.toLowerCase() + " " + (el.textContent || el.name || "").trim().slice(0, 40)};
}"""


def luminance(rgb) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def over(top, bottom) -> tuple[float, float, float]:
    """`top` painted over the opaque `bottom`."""
    alpha = top[3]
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], bottom[:3], strict=True))


def contrast(a, b) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_helper_matches_the_wcag_figures():
    assert contrast((0, 0, 0, 1), (255, 255, 255, 1)) == pytest.approx(21)
    assert contrast((255, 255, 255, 1), (255, 255, 255, 1)) == pytest.approx(1)
    assert contrast((0x76, 0x76, 0x76, 1), (255, 255, 255, 1)) == pytest.approx(4.54, abs=0.01)
    assert over((0, 0, 0, 0.5), (255, 255, 255, 1)) == pytest.approx((127.5, 127.5, 127.5))


def tab_to(page, selector: str, presses: int = 40):
    """Press Tab until the focus lands on an element matching `selector`."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return page.locator(":focus")
    raise AssertionError(f"Tab never reached {selector}")


def assert_clear_ring(focused) -> None:
    ring = focused.evaluate(RING)
    assert ring["color"] is not None, f"{ring['element']}: no focus ring"
    assert ring["width"] >= 2, f"{ring['element']}: a {ring['width']}px ring"
    background = ring["background"]
    behind = over(background, (255, 255, 255, 1))
    ratio = contrast(over(ring["color"], behind), behind)
    assert ratio >= 3, f"{ring['element']}: ring {ring['color']} on {background} is only {ratio:.2f}:1"


@pytest.fixture
def owner(sw_app_factory):
    app = sw_app_factory()
    shop = add_fixture_shop(app)
    shop.add_user("owner@acme.example", PASSWORD, role="owner")
    shop.api_key("read:catalog", name="Shop front")
    return shop


def test_tabbing_through_the_admin_shows_a_clear_focus_ring(page, owner):
    with live_server(owner.app) as base:
        page.goto(base + "/admin/login")
        assert_clear_ring(tab_to(page, "main input[type=email]"))
        assert_clear_ring(tab_to(page, "main button[type=submit]"))  # a form button on the light card

        sign_in(page, base)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Dashboard")
        page.goto(base + "/admin/dashboard")
        assert_clear_ring(tab_to(page, ".skip-link"))
        header_link = tab_to(page, "header a")
        expect(header_link).to_contain_text("owner@acme.example")
        assert_clear_ring(header_link)  # on the dark header
        assert_clear_ring(tab_to(page, "header button"))
        assert_clear_ring(tab_to(page, "nav a"))

        page.goto(base + "/admin/account")
        assert_clear_ring(tab_to(page, "main input[type=password]"))
        assert_clear_ring(tab_to(page, "main button"))

        page.goto(base + "/admin/shop")
        assert_clear_ring(tab_to(page, "table button", presses=60))
    assert page.js_errors == []


def test_a_failed_sign_in_names_only_the_fields_on_the_page(page, owner):
    with live_server(owner.app) as base:
        sign_in(page, base, password="not the password")
        error = page.locator("#login-error")
        expect(error).to_be_visible()
        message = error.inner_text().lower()
        assert "shop" not in message and "email" in message and "password" in message
        expect(page.get_by_label("Shop", exact=True)).to_have_count(0)
