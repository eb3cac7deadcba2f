"""The portal's frame: the menu on a phone, the first paint before the WebAssembly arrives,
the notifications inbox, local times, keyboard focus and the profile menu.

Each test signs in on its own and creates the users it changes, so the tests run in any order.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, Request, Route, expect

from conftest import AdminApi, User, demo_user, open_account_menu, sign_out, unique_username
from tessera_server import TesseraServer
from test_my_access import api_as, set_up_package
from test_portal import main_nav, screenshot, sign_in


# -- the menu on a phone --------------------------------------------------------------------------


def test_on_a_phone_the_menu_closes_after_following_a_link(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, demo_user("alice"))
    menu = page.get_by_role("button", name="Menu", exact=True)
    history = main_nav(page).get_by_role("link", name="Request history", exact=True)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    history.click()
    expect(page.get_by_role("heading", level=1, name="Request history")).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(history).to_be_hidden()

    # Following the link of the page already shown closes the menu as well.
    menu.click()
    expect(history).to_be_visible()
    history.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(history).to_be_hidden()


# -- the first paint ------------------------------------------------------------------------------


def test_the_frame_and_a_loading_state_show_before_the_webassembly_arrives(page: Page) -> None:
    sign_in(page, demo_user("alice"))
    held: list[Route] = []
    released = False

    def hold(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(r"\.wasm$"), hold)

    page.goto("/requests", wait_until="domcontentloaded")
    expect(page.get_by_role("status")).to_have_text("Loading the portal…")
    expect(page.get_by_role("banner").get_by_text("Tessera", exact=True)).to_be_visible()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the WebAssembly module was not asked for"
    # Still held: what shows is index.html's own frame.
    expect(page.get_by_role("status")).to_have_text("Loading the portal…")
    screenshot(page, "first-paint-1280.png")

    released = True
    for route in held:
        route.continue_()
    expect(page.get_by_role("heading", level=1, name="Request history")).to_be_visible()
    expect(page.get_by_text("Loading the portal…")).to_have_count(0)
    expect(page.get_by_role("banner")).to_have_count(1)


# -- what the first download holds ----------------------------------------------------------------


def split_modules_fetched(modules: list[str]) -> list[str]:
    """The lazily loaded modules among the fetched WebAssembly files, by name without the hash:
    `split_admin`, `chunk_3`, … (scripts/build-web.sh)."""
    names = [url.rsplit("/", 1)[-1] for url in modules]
    return sorted({name.rsplit("-", 1)[0] for name in names if not name.startswith("tessera_web")})


def test_the_overview_opens_with_the_first_download_and_each_area_loads_when_opened(
    page: Page,
) -> None:
    modules: list[str] = []

    def record(request: Request) -> None:
        if request.url.endswith(".wasm"):
            modules.append(request.url)

    page.on("request", record)
    sign_in(page, demo_user("admin"))
    page.reload()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()
    assert any("/pkg/tessera_web_bg-" in url for url in modules), modules
    assert split_modules_fetched(modules) == [], "the Overview fetched split modules"

    for name in ["Access packages", "Request history", "Approvals"]:
        main_nav(page).get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    fetched = split_modules_fetched(modules)
    assert [name for name in fetched if name.startswith("split_")] == ["split_my_access"], fetched

    main_nav(page).get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible()
    fetched = split_modules_fetched(modules)
    assert "split_admin" in fetched, fetched
    assert "split_reviewer" not in fetched and "split_account" not in fetched, fetched

    # A fresh load of an administration page fetches its area before drawing it, and only it.
    modules.clear()
    page.goto("/admin/catalogs")
    expect(page.get_by_role("heading", level=1, name="Catalogs")).to_be_visible()
    fetched = split_modules_fetched(modules)
    assert "split_admin" in fetched and "split_my_access" not in fetched, fetched


# -- asking for a direct report -------------------------------------------------------------------


def test_someone_who_reports_to_me_is_offered_to_managers_only_and_lists_their_reports(
    page: Page, admin_api: AdminApi
) -> None:
    setup = set_up_package(
        admin_api,
        rules={
            "approval": {"type": "none"},
            "requester": {"on_behalf_of_direct_reports": True},
            "lifecycle": {"expiry": {"type": "after_days", "days": 30}},
        },
    )
    panel = f"/access-packages/{setup.package['id']}"

    # Alice manages nobody: she asks for herself only.
    sign_in(page, demo_user("alice"))
    page.goto(panel)
    expect(page.get_by_role("form", name="Request access")).to_be_visible()
    expect(page.get_by_role("group", name="Request for")).to_have_count(0)
    sign_out(page)

    # Maria manages Alice and Bob: only they are listed.
    sign_in(page, demo_user("maria"))
    page.goto(panel)
    request_for = page.get_by_role("group", name="Request for")
    request_for.get_by_label("Someone who reports to me").check()
    person = request_for.get_by_role("combobox", name="Person", exact=True)
    expect(person.get_by_role("option")).to_have_text(
        ["Choose the person…", "Alice Analyst (alice)", "Bob Builder (bob)"]
    )
    screenshot(page, "request-for-a-report-1280.png")


# -- the notifications inbox ----------------------------------------------------------------------


def denied_request_of(tessera: TesseraServer, admin_api: AdminApi, username: str) -> str:
    """A request of `username`'s, for a package of its own, that bob denies: the person gets a
    notification of the denial. Returns the request's id."""
    setup = set_up_package(admin_api)
    made = api_as(tessera, username).post(
        f"{tessera.base_url}/api/v1/requests",
        json={
            "access_package_id": setup.package["id"],
            "policy_id": setup.policy["id"],
            "ask": "add",
            "justification": "For the inbox test.",
            "answers": [{"question_id": "employee_number", "value": "4711"}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    denied = api_as(tessera, "bob").post(
        f"{tessera.base_url}/api/v1/requests/{request_id}/decision",
        json={"stage": 1, "verdict": "deny", "justification": "Not this time."},
        timeout=30,
    )
    assert denied.status_code == 200, denied.text
    return request_id


def unread_name(count: int) -> re.Pattern[str]:
    """The menu link's accessible name with `count` unread (the badge is its own box, so
    browsers may put spaces around the number)."""
    return re.compile(rf"^Notifications\s*\(\s*{count}\s*unread\s*\)$")


def test_the_inbox_lists_notifications_with_an_unread_badge_and_marks_them_read(
    page: Page, admin_api: AdminApi, tessera: TesseraServer
) -> None:
    person = admin_api.create_user("inbox")
    first = denied_request_of(tessera, admin_api, person.username)
    second = denied_request_of(tessera, admin_api, person.username)
    sign_in(page, person)

    unread = main_nav(page).get_by_role("link", name=unread_name(2))
    expect(unread).to_be_visible()
    unread.click()
    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    inbox = page.get_by_role("list", name=re.compile(r"^Your notifications"))
    items = inbox.get_by_role("listitem")
    expect(items).to_have_count(2)
    # Newest first, each linking to its request.
    expect(items.nth(0).get_by_role("link")).to_have_attribute("href", f"/requests/{second}")
    expect(items.nth(1).get_by_role("link")).to_have_attribute("href", f"/requests/{first}")
    expect(items.nth(0)).to_contain_text("Unread")
    screenshot(page, "inbox-1280.png")

    items.nth(1).get_by_role("button", name="Mark as read").click()
    expect(main_nav(page).get_by_role("link", name=unread_name(1))).to_be_visible()
    expect(items.nth(1).get_by_role("button", name="Mark as read")).to_have_count(0)

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_role("status").filter(has_text="All your notifications are marked read.")).to_be_visible()
    expect(main_nav(page).get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(items).to_have_count(2)

    # A notification opens what it is about.
    items.nth(0).get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/requests/{second}$"))
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("/notifications")
    expect(items).to_have_count(2)
    screenshot(page, "inbox-375.png")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, f"the inbox is {width} px wide at 375 px"


# -- local times ----------------------------------------------------------------------------------


def test_times_show_in_the_browsers_time_zone_with_how_long_ago(
    browser: Browser, base_url: str, browser_problems, admin_api: AdminApi, tessera: TesseraServer
) -> None:
    person = admin_api.create_user("clock")
    denied_request_of(tessera, admin_api, person.username)
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 800}, timezone_id="Asia/Kathmandu"
    )
    context.on("page", browser_problems.watch)
    try:
        page = context.new_page()
        sign_in(page, person)
        page.goto("/notifications")
        moment = page.get_by_role("list", name=re.compile(r"^Your notifications")).locator("time").first
        expect(moment).to_have_text(re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d \((just now|\d+ minutes? ago)\)$"))
        at = datetime.fromisoformat(moment.get_attribute("datetime") or "")
        local = at.astimezone(ZoneInfo("Asia/Kathmandu")).strftime("%Y-%m-%d %H:%M")
        expect(moment).to_contain_text(local)
        assert "UTC" not in (moment.text_content() or "")
    finally:
        context.close()


# -- the profile menu and API tokens ----------------------------------------------------------------


def test_api_tokens_sit_in_the_profile_menu_and_guests_are_not_offered_them(
    page: Page, admin_api: AdminApi
) -> None:
    sign_in(page, demo_user("alice"))
    expect(main_nav(page).get_by_role("link", name="API tokens")).to_have_count(0)
    open_account_menu(page)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1, name="API tokens")).to_be_visible()
    sign_out(page)

    username = unique_username("guest")
    guest = User(username=username, password=f"pw-{uuid.uuid4().hex}", display_name="E2E Guest")
    answer = admin_api.http.post(
        f"{admin_api.base_url}/api/v1/users",
        json={
            "username": username,
            "display_name": guest.display_name,
            "email": f"{username}@partner.example",
            "password": guest.password,
            "user_type": "guest",
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    sign_in(page, guest)
    open_account_menu(page)
    expect(page.get_by_role("link", name="Change password")).to_be_visible()
    expect(page.get_by_role("link", name="API tokens")).to_have_count(0)


# -- keyboard focus -------------------------------------------------------------------------------


def test_focus_moves_to_the_new_pages_heading_the_error_summary_and_the_confirmation(
    page: Page, admin_api: AdminApi, tessera: TesseraServer
) -> None:
    person = admin_api.create_user("focus")
    sign_in(page, person)
    main_nav(page).get_by_role("link", name="Request history", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Request history")).to_be_focused()
    main_nav(page).get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_focused()

    # A refused submit: focus goes to what was wrong.
    open_account_menu(page)
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1, name="API tokens")).to_be_focused()
    page.get_by_role("button", name="Create token").click()
    refusal = page.get_by_role("alert").filter(has_text="The token was not created.")
    expect(refusal).to_be_focused()

    # An inline form closes with Escape, giving focus back to the button that opened it; an
    # accepted submit takes focus to the confirmation.
    setup = set_up_package(admin_api)
    made = api_as(tessera, person.username).post(
        f"{tessera.base_url}/api/v1/requests",
        json={
            "access_package_id": setup.package["id"],
            "policy_id": setup.policy["id"],
            "ask": "add",
            "justification": "For the focus test.",
            "answers": [{"question_id": "employee_number", "value": "4711"}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    page.goto(f"/requests/{made.json()['id']}")
    opener = page.get_by_role("button", name="Cancel request")
    opener.click()
    expect(page.get_by_label("Reason (optional)")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_label("Reason (optional)")).to_have_count(0)
    expect(opener).to_be_focused()

    page.keyboard.press("Enter")
    page.get_by_label("Reason (optional)").fill("Not needed after all.")
    page.get_by_role("button", name="Yes, cancel the request").click()
    expect(page.get_by_role("status").filter(has_text="The request was canceled.")).to_be_focused()


def test_escape_closes_the_profile_menu_and_returns_to_its_button(page: Page) -> None:
    sign_in(page, demo_user("alice"))
    toggle = page.get_by_role("button", name=re.compile(r"account menu$"))
    toggle.click()
    expect(page.get_by_role("link", name="Change password")).to_be_visible()
    page.get_by_role("link", name="Change password").focus()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Change password")).to_be_hidden()
    expect(toggle).to_be_focused()
