"""The reviewer's workspace, driven in Chromium at 1280x800 and 375x812: the review of a
manager's four reports fits the screen (the decision buttons are inside the viewport, no
sideways scrolling; on a phone each person is a card), says how each person has the access
(through which package and policy, since when, and their last sign-in), takes decisions from
the keyboard (A, D, K on the focused row, as the page says), and previews "Accept
recommendations" counted by reason before applying it.

Through the API, the administrator makes a group, a package granting it, and four people
reporting to a new manager: one holds the group through the package, the others are members
directly; one of them has signed in. A one-time review of the group by each person's manager
starts at once (this module's server runs its scheduler every second).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from conftest import AdminApi, User, serving
from review_helpers import api, screenshot, sign_in, unique, user_id
from tessera_server import TesseraServer, web_dir

REVIEW_START_TIMEOUT_S = 30.0
SIZES = {"desktop": (1280, 800), "phone": (375, 812)}


@pytest.fixture(scope="module")
def tessera() -> Iterator[TesseraServer]:
    server = TesseraServer(
        web=web_dir(), name="reviewer-workspace", env={"TESSERA_JOBS__INTERVAL_SECONDS": "1"}
    )
    yield from serving(server, "reviewer workspace server")


@pytest.fixture(scope="module")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@pytest.fixture(scope="module")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-reviewer-workspace"))


class Review:
    def __init__(self, name: str, manager: User, package: dict, policy: dict, people: dict):
        self.name = name
        self.manager = manager
        self.package = package
        self.policy = policy
        self.people = people


def set_up_review(admin_api: AdminApi) -> Review:
    admin = user_id(admin_api, "admin")
    manager = admin_api.create_user("manager")
    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Workspace group")})
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": unique("Workspace catalog")})
    api(admin_api, "POST", f"/catalogs/{catalog['id']}/resources", 201,
        {"kind": "group", "id": group["id"]})
    package = api(admin_api, "POST", f"/catalogs/{catalog['id']}/access-packages", 201,
                  {"name": unique("Ledger")})
    api(admin_api, "POST", f"/access-packages/{package['id']}/resource-roles", 201,
        {"kind": "group_member", "group_id": group["id"]})
    policy_name = unique("Staff policy")
    policy = api(admin_api, "POST", f"/access-packages/{package['id']}/policies", 201, {
        "name": policy_name,
        "who_can_request": {"type": "all_users"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
    people = {role: admin_api.create_user(role) for role in ("packaged", "direct", "active", "new")}
    for person in people.values():
        api(admin_api, "PATCH", f"/users/{person.id}", 200, {"manager_id": manager.id})
    api(admin_api, "POST", f"/access-packages/{package['id']}/assignments", 201,
        {"policy_id": policy["id"], "user_id": people["packaged"].id})
    for role in ("direct", "active", "new"):
        api(admin_api, "PUT", f"/groups/{group['id']}/members/{people[role].id}", 204)
    # One of them signs in before the review starts: the recommendation says so.
    signed_in = admin_api.http.post(
        f"{admin_api.base_url}/api/v1/session",
        json={"username": people["active"].username, "password": people["active"].password},
        timeout=30,
    )
    assert signed_in.status_code == 200, signed_in.text

    name = unique("Workspace review")
    definition = api(admin_api, "POST", "/access-reviews", 201, {
        "name": name,
        "scope": {"resources": {"type": "groups", "group_ids": [group["id"]]}},
        "stages": [{
            "reviewers": [{"type": "manager"}],
            "fallback_reviewers": [{"type": "user", "user_id": admin}],
            "duration_days": 7,
        }],
        "schedule": {
            "type": "one_time",
            "starts_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        },
        "settings": {"recommendations": {"type": "last_sign_in", "look_back_days": 30}},
    })
    deadline = time.monotonic() + REVIEW_START_TIMEOUT_S
    while True:
        page = api(admin_api, "GET", f"/access-reviews/{definition['id']}/instances", 200)
        if any(i["state"] == "in_progress" for i in page["items"]):
            break
        assert time.monotonic() < deadline, f"the review did not start in time: {page}"
        time.sleep(0.5)
    policy["name"] = policy_name
    return Review(name, manager, package, policy, people)


def assert_inside_viewport(page: Page, element: Locator, width: int) -> None:
    box = element.bounding_box()
    assert box is not None, f"{element} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{element} is cut off: {box}"


@pytest.mark.parametrize("size", SIZES.keys())
def test_a_reviewer_decides_from_a_workspace_that_fits_with_shortcuts_and_a_preview(
    page: Page, admin_api: AdminApi, size: str
) -> None:
    width, height = SIZES[size]
    review = set_up_review(admin_api)
    people = review.people
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, review.manager)
    page.goto("/reviews")
    page.get_by_role("link", name=review.name).click()
    expect(page.get_by_role("heading", level=1, name=review.name)).to_be_visible()
    rows = page.get_by_role("row")
    for person in people.values():
        expect(rows.filter(has_text=person.display_name)).to_have_count(1)

    # Nothing is cut off: every decision button is inside the viewport, no sideways scrolling.
    for person in people.values():
        for verdict in ("Approve", "Deny", "Don't know"):
            button = page.get_by_role("button", name=f"{verdict} {person.display_name}")
            button.scroll_into_view_if_needed()
            expect(button).to_be_visible()
            assert_inside_viewport(page, button, width)
    accept = page.get_by_role("button", name="Accept recommendations for all undecided")
    assert_inside_viewport(page, accept, width)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    if size == "phone":
        # Each person is a card: the row is as wide as the page, its buttons below its text.
        card = rows.filter(has_text=people["direct"].display_name).bounding_box()
        assert card is not None and card["width"] <= width
        name_box = page.get_by_role("rowheader", name=people["direct"].display_name).bounding_box()
        approve_box = page.get_by_role(
            "button", name=f"Approve {people['direct'].display_name}"
        ).bounding_box()
        assert name_box and approve_box and approve_box["y"] > name_box["y"], (name_box, approve_box)

    # How each person has the access, and when they last signed in.
    packaged = rows.filter(has_text=people["packaged"].display_name)
    expect(packaged).to_contain_text(
        f"Through {review.package['name']} (policy {review.policy['name']}), since"
    )
    expect(rows.filter(has_text=people["direct"].display_name)).to_contain_text(
        "Not through an access package"
    )
    expect(rows.filter(has_text=people["active"].display_name)).to_contain_text("Last sign-in")
    expect(rows.filter(has_text=people["new"].display_name)).to_contain_text("Never signed in")
    screenshot(page, f"reviewer-workspace-{size}.png")

    # Keyboard: the page says how, and D and A decide the focused row.
    expect(page.get_by_text("press A to approve, D to deny or K for don't know")).to_be_visible()
    page.get_by_role("checkbox", name=f"Select {people['direct'].display_name}").focus()
    page.keyboard.press("d")
    expect(rows.filter(has_text=people["direct"].display_name)).to_contain_text("Denied")
    page.get_by_role("button", name=f"Approve {people['packaged'].display_name}").focus()
    page.keyboard.press("a")
    expect(packaged).to_contain_text("Approved")
    expect(
        page.get_by_role("button", name=f"Approve {people['packaged'].display_name}")
    ).to_have_attribute("aria-pressed", "true")

    # "Accept recommendations" first says what it would do, by reason; nothing is decided yet.
    accept.click()
    preview = page.get_by_role("region", name="Accept recommendations?")
    expect(preview).to_contain_text("2 items will be decided as recommended:")
    expect(preview.get_by_role("listitem").filter(
        has_text="Signed in within the last 30 days")).to_contain_text("Approved: 1")
    expect(preview.get_by_role("listitem").filter(
        has_text="Account created within the last 30 days, no sign-in yet")).to_contain_text(
        "Approved: 1")
    expect(rows.filter(has_text=people["active"].display_name)).to_contain_text("Not decided")
    screenshot(page, f"reviewer-accept-preview-{size}.png")
    apply = preview.get_by_role("button", name="Decide 2 as recommended")
    assert_inside_viewport(page, apply, width)
    apply.click()
    expect(page.get_by_text("2 items decided as recommended.")).to_be_visible()
    expect(rows.filter(has_text=people["active"].display_name)).to_contain_text("Approved")
    expect(rows.filter(has_text=people["new"].display_name)).to_contain_text("Approved")
    expect(page.get_by_text("4 of 4 decided").first).to_be_visible()
