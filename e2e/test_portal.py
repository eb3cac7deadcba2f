"""The portal, driven in Chromium the way people use it, and the server seen from outside.

Each test signs in on its own and creates the users it changes, so the tests run in any order.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlparse

import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import ARTIFACTS, sign_out, AdminApi, User, demo_user, unique_username
from review_helpers import screenshot
from tessera_server import ServerError, TesseraServer

MAIN_LINKS = [
    "Overview",
    "Access packages",
    "Request history",
    "Approvals",
    "Access reviews",
]
DEMO_USERNAMES = ["admin", "maria", "alice", "bob", "hr-sync", "gina"]


# -- helpers --------------------------------------------------------------------------------------


def fill_sign_in(page: Page, user: User, password: str | None = None) -> None:
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password if password is not None else user.password)
    page.get_by_role("button", name="Sign in").click()


def sign_in(page: Page, user: User) -> None:
    """Signs in from the sign-in page and waits for the overview."""
    page.goto("/sign-in")
    fill_sign_in(page, user)
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def open_admin(page: Page) -> None:
    main_nav(page).get_by_role("link", name="Admin", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin$"))
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible()


def users_table(page: Page):
    return page.get_by_role("region", name="Users").get_by_role("table")


def expect_user_listed(page: Page, username: str) -> None:
    """The users table shows 50 people a page in username order, and the other browser tests
    on the shared server add people: follows "Load more" until `username` shows."""
    cell = users_table(page).get_by_text(username, exact=True)
    more = page.get_by_role("region", name="Users").get_by_role("button", name="Load more")
    for _ in range(40):
        if cell.count() > 0:
            break
        if more.count() > 0 and more.is_enabled():
            more.click()
        page.wait_for_timeout(250)
    expect(cell).to_be_visible()


# -- signing in and out ---------------------------------------------------------------------------


def test_a_demo_user_signs_in_and_sees_the_overview_with_the_main_navigation_and_no_admin_link(
    page: Page,
) -> None:
    sign_in(page, demo_user("alice"))

    nav = main_nav(page)
    for name in MAIN_LINKS:
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"account menu$"))).to_be_visible()
    screenshot(page, "overview-desktop.png")


def test_a_wrong_password_shows_an_alert_and_stays_on_the_sign_in_page(
    page: Page, new_user: User
) -> None:
    page.goto("/sign-in")
    fill_sign_in(page, new_user, password="not-the-password")

    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_have_text(re.compile(r"\w{3,}"))
    expect(page).to_have_url(re.compile(r"/sign-in(\?|$)"))
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_have_count(0)
    expect(main_nav(page)).to_have_count(0)
    screenshot(page, "sign-in-wrong-password.png")


def test_signing_out_returns_to_the_sign_in_page_and_the_overview_then_sends_to_sign_in(
    page: Page, new_user: User
) -> None:
    sign_in(page, new_user)

    sign_out(page)
    expect(page.get_by_label("Username")).to_be_visible()

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in(\?|$)"))
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_have_count(0)


def test_a_deep_link_while_signed_out_goes_to_sign_in_and_opens_the_page_after_sign_in(
    page: Page,
) -> None:
    page.goto("/approvals")
    expect(page).to_have_url(re.compile(r"/sign-in(\?|$)"))

    fill_sign_in(page, demo_user("alice"))
    expect(page).to_have_url(re.compile(r"/approvals$"))
    expect(page.get_by_role("heading", level=1, name="Approvals")).to_be_visible()
    expect(main_nav(page)).to_be_visible()


# -- administration -------------------------------------------------------------------------------


def test_an_administrator_sees_the_admin_link_and_the_users_table_lists_the_demo_users(
    page: Page,
) -> None:
    sign_in(page, demo_user("admin"))
    expect(main_nav(page).get_by_role("link", name="Admin", exact=True)).to_be_visible()

    open_admin(page)
    for username in DEMO_USERNAMES:
        expect_user_listed(page, username)


def test_creating_a_user_through_the_form_makes_it_appear_in_the_users_table(
    page: Page, admin_api: AdminApi
) -> None:
    username = unique_username("form")
    display_name = f"Form Person {username[-6:]}"
    sign_in(page, demo_user("admin"))
    open_admin(page)

    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill(display_name)
    page.get_by_label("Email").fill(f"{username}@e2e.tessera.test")
    page.get_by_label("Password", exact=True).fill(f"pw-{uuid.uuid4().hex}")
    page.get_by_role("button", name="Create user").click()

    expect_user_listed(page, username)
    expect(users_table(page).get_by_text(display_name, exact=True)).to_be_visible()
    assert username in admin_api.list_usernames()


def test_a_bad_email_shows_a_field_error_next_to_the_email_input(
    page: Page, admin_api: AdminApi
) -> None:
    username = unique_username("bademail")
    sign_in(page, demo_user("admin"))
    open_admin(page)

    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("Bad Email")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill(f"pw-{uuid.uuid4().hex}")
    page.get_by_role("button", name="Create user").click()

    # "Next to" for assistive technology: the input is marked invalid and its accessible
    # description carries the message.
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(re.compile(r"\w{3,}"))
    expect(page.get_by_label("Username")).not_to_have_attribute("aria-invalid", "true")
    email.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "admin-bad-email.png"))
    expect(users_table(page).get_by_text(username, exact=True)).to_have_count(0)
    assert username not in admin_api.list_usernames()


# -- layout and keyboard --------------------------------------------------------------------------


def test_on_a_wide_screen_the_navigation_shows_without_a_menu_button(page: Page) -> None:
    sign_in(page, demo_user("alice"))
    for name in MAIN_LINKS:
        expect(main_nav(page).get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_admin_page_has_no_horizontal_scrollbar_and_the_users_table_scrolls_on_its_own(
    page: Page, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, demo_user("admin"))
    page.goto("/admin")
    expect_user_listed(page, "alice")

    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    screenshot(page, f"admin-{width}.png")
    assert scroll_width <= width, f"the admin page is {scroll_width} px wide at {width} px"


def test_at_375_pixels_wide_the_overview_has_no_horizontal_scrollbar_and_navigation_is_reachable(
    page: Page,
) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, demo_user("alice"))

    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= 375, f"the overview is {scroll_width} px wide at 375 px"
    screenshot(page, "overview-375.png")

    target = main_nav(page).get_by_role("link", name="Access packages", exact=True)
    if not target.is_visible():
        # A small screen may fold the navigation behind a menu button.
        page.get_by_role("button", name="Menu", exact=True).click()
        screenshot(page, "overview-375-menu.png")
    expect(target).to_be_visible()
    box = target.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    assert scroll_width <= 375, f"the open navigation is {scroll_width} px wide at 375 px"

    target.click()
    expect(page).to_have_url(re.compile(r"/access-packages$"))
    expect(page.get_by_role("heading", level=1, name="Access packages")).to_be_visible()


@pytest.mark.parametrize(("path", "heading"), [("/", "Overview"), ("/requests", "Request history")])
def test_the_first_tab_after_page_load_reaches_the_skip_to_content_link(
    page: Page, path: str, heading: str
) -> None:
    sign_in(page, demo_user("alice"))
    page.goto(path)
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()

    page.keyboard.press("Enter")
    in_main = page.evaluate(
        "(() => { const main = document.querySelector('main');"
        " return !!main && main.contains(document.activeElement); })()"
    )
    assert in_main, "following the skip link does not move focus into <main>"


# -- the server from outside ----------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.parametrize("path", ["/", "/approvals"])
def test_the_portal_is_served_with_security_headers(base_url: str, path: str) -> None:
    answer = requests.get(f"{base_url}{path}", timeout=10)
    assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text[:200]!r}"
    assert answer.headers["Content-Type"].startswith("text/html")

    csp = answer.headers.get("Content-Security-Policy", "")
    directives = csp_directives(csp)
    script_src = directives.get("script-src", directives.get("default-src", []))
    assert "'wasm-unsafe-eval'" in script_src, csp
    assert "'unsafe-inline'" not in csp, csp
    assert "'unsafe-eval'" not in csp, csp
    assert directives.get("frame-ancestors") == ["'none'"], csp
    assert answer.headers.get("X-Content-Type-Options", "").lower() == "nosniff"
    assert answer.headers.get("Referrer-Policy"), "no Referrer-Policy"


def test_the_api_reference_page_loads_and_shows_the_operations_without_internet(
    page: Page, base_url: str
) -> None:
    here = urlparse(base_url).netloc
    outside: list[str] = []

    def only_this_server(route) -> None:
        url = urlparse(route.request.url)
        if url.scheme in ("http", "https") and url.netloc != here:
            outside.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/*", only_this_server)
    page.goto("/api/docs/")

    expect(page.get_by_role("heading", name=re.compile("^Tessera"))).to_be_visible()
    expect(page.get_by_text("/api/v1/users", exact=True).first).to_be_visible()
    expect(page.locator("[id$='-list_users']").first).to_be_attached()
    assert outside == [], f"the reference page reached outside the server: {outside}"


def test_the_server_exits_with_status_0_within_20_seconds_of_sigterm() -> None:
    server = TesseraServer(name="shutdown")
    try:
        server.start()
        # An idle keep-alive connection, as a browser leaves one, must not hold the server up.
        http = requests.Session()
        assert http.get(f"{server.base_url}/readyz", timeout=10).status_code == 200
        try:
            elapsed = server.terminate(timeout=20)
        except ServerError as error:
            pytest.fail(str(error), pytrace=False)
        assert server.exit_code == 0
        assert elapsed <= 20
        http.close()
    finally:
        server.cleanup()
