"""Approvals where approvers are, driven in Chromium at 1280x800 and 375x812: the Overview lists
the requests waiting with Approve and Deny and links that open each request in Approvals; the
Approvals page is a compact list sorted by the date to decide by (shown, with what happens
after it), a details pane, deep links (`/approvals?request=<id>`), and one justification for
approving or denying the ticked requests at once.

Through the API, the administrator makes two packages whose one approval stage is decided by a
new approver, within 3 days for one and 10 days for the other, and three new people each ask
for one of them.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import AdminApi, User
from review_helpers import api, screenshot, sign_in, unique
from review_helpers import no_sideways_scroll
from tessera_server import TesseraServer

SIZES = {"desktop": (1280, 800), "phone": (375, 812)}


def package_decided_by(admin_api: AdminApi, approver: User, days: int) -> tuple[dict, dict]:
    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Approvals group")})
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": unique("Approvals catalog")})
    api(admin_api, "POST", f"/catalogs/{catalog['id']}/resources", 201,
        {"kind": "group", "id": group["id"]})
    package = api(admin_api, "POST", f"/catalogs/{catalog['id']}/access-packages", 201,
                  {"name": unique(f"Within {days} days")})
    api(admin_api, "POST", f"/access-packages/{package['id']}/resource-roles", 201,
        {"kind": "group_member", "group_id": group["id"]})
    policy = api(admin_api, "POST", f"/access-packages/{package['id']}/policies", 201, {
        "name": unique("Approved policy"),
        "who_can_request": {"type": "all_users"},
        "approval": {
            "type": "required",
            "stages": [{
                "primary_approvers": [{"type": "user", "user_id": approver.id}],
                "timeout_days": days,
            }],
        },
        "lifecycle": {"expiry": {"type": "never"}},
    })
    return package, policy


def ask(tessera: TesseraServer, person: User, package: dict, policy: dict) -> dict:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {tessera.create_api_token(person.username, 'e2e')}"
    made = http.post(
        f"{tessera.base_url}/api/v1/requests",
        json={"access_package_id": package["id"], "policy_id": policy["id"], "ask": "add"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return made.json()


@pytest.mark.parametrize("size", SIZES.keys())
def test_an_approver_decides_from_the_overview_a_deep_link_and_in_bulk_by_deadline(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, size: str
) -> None:
    width, height = SIZES[size]
    approver = admin_api.create_user("approver")
    soon_package, soon_policy = package_decided_by(admin_api, approver, 3)
    late_package, late_policy = package_decided_by(admin_api, approver, 10)
    first, second, third = (admin_api.create_user(f"asker{n}") for n in range(3))
    late = ask(tessera, first, late_package, late_policy)
    soon = ask(tessera, second, soon_package, soon_policy)
    quick = ask(tessera, third, late_package, late_policy)
    late_name = f"{late_package['name']} for {first.display_name}"
    soon_name = f"{soon_package['name']} for {second.display_name}"
    quick_name = f"{late_package['name']} for {third.display_name}"

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, approver)

    # On the Overview: approve one request at once.
    card = page.get_by_role("region", name="Approvals waiting")
    expect(card.get_by_role("link", name=quick_name)).to_be_visible()
    expect(card).to_contain_text("decide by")
    screenshot(page, f"approvals-overview-{size}.png")
    no_sideways_scroll(page)
    card.get_by_role("button", name=f"Approve {quick_name}").click()
    expect(page.get_by_role("status").filter(
        has_text=f"You approved the request of {third.display_name} for {late_package['name']}."
    )).to_be_visible()
    expect(card.get_by_role("link", name=quick_name)).to_have_count(0)
    decided = api(admin_api, "GET", f"/requests/{quick['id']}", 200)
    assert decided["state"] != "pending_approval", decided

    # The Overview's link lands on that request in Approvals.
    card.get_by_role("link", name=late_name).click()
    expect(page).to_have_url(re.compile(rf"/approvals\?request={late['id']}$"))
    details = page.get_by_role("region", name="Request details")
    expect(details.get_by_role("heading", name=re.compile(re.escape(late_package["name"])))).to_be_visible()

    # The list: soonest deadline first, each with the date to decide by.
    rows = page.get_by_role("table", name="Waiting for your decision").get_by_role("row")
    expect(rows).to_have_count(3)  # the header and two requests
    expect(rows.nth(1)).to_contain_text(soon_name)
    expect(rows.nth(2)).to_contain_text(late_name)
    expect(page.get_by_text("is denied automatically")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, f"approvals-list-{size}.png")

    # A deep link opens another request in the pane.
    page.goto(f"/approvals?request={soon['id']}")
    expect(details.get_by_role("heading", name=re.compile(re.escape(soon_package["name"])))).to_be_visible()

    # Both denied at once, with one justification.
    page.get_by_role("checkbox", name="Tick every request").check()
    expect(page.get_by_text("2 requests ticked")).to_be_visible()
    page.get_by_label("Justification for the ticked requests").fill("Not in this quarter's budget.")
    deny = page.get_by_role("button", name="Deny ticked")
    box = deny.bounding_box()
    assert box and box["x"] + box["width"] <= width, box
    deny.click()
    expect(page.get_by_role("status").filter(has_text="You denied 2 requests.")).to_be_visible()
    expect(page.get_by_text("Nothing waits for your decision.")).to_be_visible()
    for made in (late, soon):
        denied = api(admin_api, "GET", f"/requests/{made['id']}", 200)
        assert denied["state"] == "denied", denied
        decisions = [s["decision"] for s in denied["stages"] if s["decision"]]
        assert decisions[-1]["justification"] == "Not in this quarter's budget.", denied
