"""An access package's pending requests on its administration page, in Chromium at 1280x800 and
375x812.

A request in the second of two approval stages shows whom it waits for ("Stage 2 of 2, waiting
for …") and the date to decide it by; the administrator cancels it with a reason after a
confirmation, its card leaves the list while another request stays, and the page logs no error
(above all none of Leptos's "already disposed" or "already borrowed", which a row that owned
its own cancel action once caused). The requester then reads the reason in the timeline of
their request.

Everything is made through the API under unique names, so the tests run in any order next to
the other browser tests on the shared server.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import ConsoleMessage, Page, expect

from conftest import AdminApi, User, demo_user, sign_out
from review_helpers import api, screenshot, sign_in, unique
from review_helpers import no_sideways_scroll
from tessera_server import TesseraServer

SIZES = {"desktop": (1280, 800), "phone": (375, 812)}
REASON = "duplicate of another request"
REACTIVE_TROUBLE = re.compile(r"disposed|already borrowed|already mutably borrowed", re.I)
# Chromium logs the API's 4xx answers as errors (a 401 before signing in); the portal handles
# those, as conftest.py says.
API_REFUSAL = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d\b")


def page_errors(console: list[ConsoleMessage]) -> list[str]:
    return [
        f"{message.type}: {message.text}"
        for message in console
        if (message.type == "error" and not (
            API_REFUSAL.match(message.text)
            and "/api/" in (message.location or {}).get("url", "")
        )) or REACTIVE_TROUBLE.search(message.text)
    ]


def as_person(tessera: TesseraServer, person: User) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {tessera.create_api_token(person.username, 'e2e')}"
    return http


def two_stage_package(admin_api: AdminApi, first: User, second: User) -> tuple[dict, dict]:
    """A package in a catalog of its own, approved by `first` and then by `second`."""
    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Pending group")})
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": unique("Pending catalog")})
    api(admin_api, "POST", f"/catalogs/{catalog['id']}/resources", 201,
        {"kind": "group", "id": group["id"]})
    package = api(admin_api, "POST", f"/catalogs/{catalog['id']}/access-packages", 201,
                  {"name": unique("Pending package")})
    api(admin_api, "POST", f"/access-packages/{package['id']}/resource-roles", 201,
        {"kind": "group_member", "group_id": group["id"]})
    policy = api(admin_api, "POST", f"/access-packages/{package['id']}/policies", 201, {
        "name": unique("Two stages"),
        "who_can_request": {"type": "all_users"},
        "approval": {
            "type": "required",
            "stages": [
                {"primary_approvers": [{"type": "user", "user_id": first.id}], "timeout_days": 5},
                {"primary_approvers": [{"type": "user", "user_id": second.id}], "timeout_days": 7},
            ],
        },
        "lifecycle": {"expiry": {"type": "never"}},
    })
    return package, policy


def ask(tessera: TesseraServer, person: User, package: dict, policy: dict) -> dict:
    made = as_person(tessera, person).post(
        f"{tessera.base_url}/api/v1/requests",
        json={"access_package_id": package["id"], "policy_id": policy["id"], "ask": "add"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return made.json()


def approve_first_stage(tessera: TesseraServer, approver: User, request: dict) -> None:
    decided = as_person(tessera, approver).post(
        f"{tessera.base_url}/api/v1/requests/{request['id']}/decision",
        json={"stage": 1, "verdict": "approve"},
        timeout=30,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "pending_approval"


@pytest.mark.parametrize("size", SIZES.keys())
def test_an_administrator_cancels_a_pending_request_with_a_reason_the_requester_reads(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, size: str
) -> None:
    # Every console message, of any type, from the first page on.
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))

    width, height = SIZES[size]
    person, other = admin_api.create_user("asker"), admin_api.create_user("other")
    first, second = admin_api.create_user("stage1"), admin_api.create_user("stage2")
    package, policy = two_stage_package(admin_api, first, second)
    request = ask(tessera, person, package, policy)
    approve_first_stage(tessera, first, request)
    ask(tessera, other, package, policy)

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_user("admin"))
    page.goto(f"/admin/access-packages/{package['id']}")
    expect(page.get_by_role("heading", level=1, name=package["name"])).to_be_visible()
    pending = page.get_by_role("region", name="Pending requests")
    cards = pending.get_by_role("listitem")
    card = cards.filter(has_text=f"Request for {person.display_name}")
    stays = cards.filter(has_text=f"Request for {other.display_name}")
    expect(card).to_contain_text(f"Stage 2 of 2, waiting for {second.display_name}")
    expect(card).to_contain_text(re.compile(r"decide by \d{4}-\d\d-\d\d \d\d:\d\d.*\(in [67] days\)"))
    expect(card).to_contain_text("Pending approval")
    expect(card).to_contain_text("Asked for themselves")
    expect(stays).to_contain_text(f"Stage 1 of 2, waiting for {first.display_name}")
    link = card.get_by_role("link", name=f"Request for {person.display_name}")
    expect(link).to_have_attribute("href", f"/requests/{request['id']}")
    no_sideways_scroll(page)
    screenshot(page, f"admin-package-requests-{size}.png")

    # Asked to confirm, kept, asked again, canceled with a reason.
    opener = card.get_by_role("button", name=f"Cancel the request for {person.display_name}")
    opener.click()
    confirm = page.get_by_role("group", name=f"Cancel the request for {person.display_name}?")
    expect(confirm).to_be_focused()
    expect(opener).to_have_attribute("aria-expanded", "true")
    confirm.get_by_role("button", name="Keep it").click()
    expect(confirm).to_have_count(0)
    expect(opener).to_be_focused()
    opener.click()
    confirm.get_by_label("Reason (optional)").fill(REASON)
    no_sideways_scroll(page)
    screenshot(page, f"admin-package-requests-confirm-{size}.png")
    confirm.get_by_role("button", name="Yes, cancel the request").click()
    notice = page.get_by_role("status").filter(
        has_text=f"The request for {person.display_name} was canceled.")
    expect(notice).to_be_visible()
    expect(notice).to_be_focused()
    expect(card).to_have_count(0)
    expect(stays).to_have_count(1)
    read = api(admin_api, "GET", f"/requests/{request['id']}", 200)
    assert read["state"] == "canceled"
    assert read["cancellation"]["reason"] == REASON
    no_sideways_scroll(page)
    screenshot(page, f"admin-package-requests-canceled-{size}.png")

    assert page_errors(console) == [], page_errors(console)

    # The requester reads who canceled it and why, and nothing went wrong on the way. Signing
    # out from a package's page itself panics on main too ("already disposed", then "RefCell
    # already borrowed"), without this section: the Overview first keeps that out of this test.
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()
    sign_out(page)
    sign_in(page, person)
    page.goto("/requests")
    page.get_by_role("link", name=package["name"]).click()
    expect(page.get_by_role("heading", level=1, name=package["name"])).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline).to_contain_text(f"Canceled by Ada Admin: {REASON}")
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("Canceled")
    expect(summary).to_contain_text(REASON)
    no_sideways_scroll(page)
    screenshot(page, f"request-canceled-with-reason-{size}.png")
    sign_out(page)
    assert page_errors(console) == [], page_errors(console)
