"""What administrators see of people and requests, driven in Chromium at 1280x800 and 375x812.

A person's page, opened from the users list by their name: their details and where the account
comes from, the access they hold and why, the requests for them with the stage that waits and
the date to decide by, the access reviews about them, and the audit events about them and by
them as sentences; then the administrator edits them (a refusal shown at its field first),
disables and enables them, and sets their password, with which they sign in.

Someone who is not an administrator gets no such page.

Everything is made through the API under unique names, so the tests run in any order next to
the other browser tests on the shared server.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import AdminApi, User, demo_user
from review_helpers import api, screenshot, sign_in, sign_out, unique
from review_helpers import no_sideways_scroll
from tessera_server import TesseraServer

SIZES = {"desktop": (1280, 800), "phone": (375, 812)}
REVIEW_START_TIMEOUT_S = 45.0


def offer(admin_api: AdminApi, name: str, approval: dict) -> tuple[dict, dict, dict]:
    """A package in a catalog of its own that gives membership of a group, and its policy."""
    group = api(admin_api, "POST", "/groups", 201, {"name": unique("People group")})
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": unique("People catalog")})
    api(admin_api, "POST", f"/catalogs/{catalog['id']}/resources", 201,
        {"kind": "group", "id": group["id"]})
    package = api(admin_api, "POST", f"/catalogs/{catalog['id']}/access-packages", 201,
                  {"name": name})
    api(admin_api, "POST", f"/access-packages/{package['id']}/resource-roles", 201,
        {"kind": "group_member", "group_id": group["id"]})
    policy = api(admin_api, "POST", f"/access-packages/{package['id']}/policies", 201, {
        "name": unique("Staff policy"),
        "who_can_request": {"type": "all_users"},
        "approval": approval,
        "lifecycle": {"expiry": {"type": "never"}},
    })
    return package, policy, group


def two_stages(first: User, second: User) -> dict:
    return {
        "type": "required",
        "stages": [
            {"primary_approvers": [{"type": "user", "user_id": first.id}], "timeout_days": 5},
            {"primary_approvers": [{"type": "user", "user_id": second.id}], "timeout_days": 7},
        ],
    }


def as_person(tessera: TesseraServer, person: User) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {tessera.create_api_token(person.username, 'e2e')}"
    return http


def ask(tessera: TesseraServer, person: User, package: dict, policy: dict) -> dict:
    made = as_person(tessera, person).post(
        f"{tessera.base_url}/api/v1/requests",
        json={"access_package_id": package["id"], "policy_id": policy["id"], "ask": "add"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return made.json()


def wait_for_review(admin_api: AdminApi, definition_id: str) -> None:
    deadline = time.monotonic() + REVIEW_START_TIMEOUT_S
    while True:
        page = api(admin_api, "GET", f"/access-reviews/{definition_id}/instances", 200)
        if any(instance["state"] == "in_progress" for instance in page["items"]):
            return
        assert time.monotonic() < deadline, f"the review did not start in time: {page}"
        time.sleep(0.5)


def open_from_users_list(page: Page, person: User) -> None:
    """Opens the person's page by their name in the users list, reading more pages until
    their name shows."""
    page.goto("/admin")
    users = page.get_by_role("region", name="Users")
    link = users.get_by_role("link", name=person.display_name, exact=True)
    expect(users.get_by_role("table")).to_be_visible()
    while link.count() == 0:
        more = page.get_by_role("button", name="Load more")
        expect(more).to_be_visible()
        more.click()
        page.wait_for_timeout(200)
    link.click()
    expect(page.get_by_role("heading", level=1, name=person.display_name)).to_be_visible()


@pytest.mark.parametrize("size", SIZES.keys())
def test_an_administrator_sees_what_a_person_has_and_why_and_changes_them(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, size: str
) -> None:
    width, height = SIZES[size]
    person = admin_api.create_user("person")
    first, second = admin_api.create_user("stage1"), admin_api.create_user("stage2")
    held_name = unique("Held package")
    held, held_policy, held_group = offer(admin_api, held_name, {"type": "none"})
    pending_name = unique("Pending package")
    pending, pending_policy, _ = offer(admin_api, pending_name, two_stages(first, second))
    ask(tessera, person, held, held_policy)
    ask(tessera, person, pending, pending_policy)
    review_name = unique("Group check")
    review = api(admin_api, "POST", "/access-reviews", 201, {
        "name": review_name,
        "scope": {"resources": {"type": "groups", "group_ids": [held_group["id"]]}},
        "stages": [{"reviewers": [{"type": "user", "user_id": first.id}], "duration_days": 7}],
        "schedule": {"type": "one_time",
                     "starts_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
        "settings": {},
    })
    wait_for_review(admin_api, review["id"])

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_user("admin"))
    open_from_users_list(page, person)
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text(person.username)
    expect(details).to_contain_text("Local account")
    expect(details).to_contain_text("Enabled")

    access = page.get_by_role("region", name="Access", exact=True)
    expect(access.get_by_role("link", name=held_name)).to_be_visible()
    expect(access).to_contain_text(f"Requested under the policy “{held_policy['definition']['name']}”")
    expect(access.get_by_role("link", name="the request")).to_be_visible()
    access.get_by_role("button", name=f"Delivery of {held_name}").click()
    expect(access.get_by_text("Nothing is pushed to connected systems for this assignment.")).to_be_visible()

    asked = page.get_by_role("region", name="Requests")
    waiting = asked.get_by_role("listitem").filter(has_text=pending_name)
    expect(waiting).to_contain_text("Stage 1 of 2")
    expect(waiting).to_contain_text("decide by")
    expect(waiting.get_by_role("link", name=pending_name)).to_be_visible()

    reviews = page.get_by_role("region", name="Access reviews")
    expect(reviews.get_by_role("link", name=review_name)).to_be_visible()
    expect(reviews).to_contain_text("Not decided yet")

    audit = page.get_by_role("region", name="Audit")
    expect(audit.get_by_text(f"Ada Admin added {person.display_name}.")).to_be_visible()
    expect(audit.get_by_text(f"{person.display_name} asked for {held_name}.").first).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, f"admin-person-{size}.png")

    # Edit: a refusal at its field, then the change.
    details.get_by_role("button", name="Edit details").click()
    form = page.get_by_role("region", name="Edit details")
    form.get_by_label("Display name").fill("   ")
    form.get_by_role("button", name="Save details").click()
    expect(form.get_by_role("alert")).to_contain_text("The details were not saved.")
    expect(form.get_by_label("Display name")).to_have_attribute("aria-invalid", "true")
    renamed = f"{person.display_name} Renamed"
    form.get_by_label("Display name").fill(renamed)
    form.get_by_label("Department").fill("Finance")
    form.get_by_role("button", name="Save details").click()
    notice = page.get_by_role("status").filter(has_text=f"The details of {renamed} were saved.")
    expect(notice).to_be_visible()
    expect(notice).to_be_focused()
    expect(page.get_by_role("heading", level=1, name=renamed)).to_be_visible()
    expect(details).to_contain_text("Finance")
    person.display_name = renamed

    # Disable, after a confirmation, and enable again.
    details.get_by_role("button", name="Disable", exact=True).click()
    confirm = page.get_by_role("group", name=f"Disable {renamed}?")
    expect(confirm).to_contain_text("sessions end")
    no_sideways_scroll(page)
    confirm.get_by_role("button", name=f"Yes, disable {renamed}").click()
    expect(page.get_by_role("status").filter(has_text=f"{renamed} is now disabled.")).to_be_visible()
    expect(details).to_contain_text("Disabled")
    assert api(admin_api, "GET", f"/users/{person.id}", 200)["enabled"] is False
    details.get_by_role("button", name="Enable", exact=True).click()
    page.get_by_role("group", name=f"Enable {renamed}?").get_by_role(
        "button", name=f"Yes, enable {renamed}").click()
    expect(page.get_by_role("status").filter(has_text=f"{renamed} is now enabled.")).to_be_visible()
    assert api(admin_api, "GET", f"/users/{person.id}", 200)["enabled"] is True

    # A password: too short first, then one they sign in with.
    details.get_by_role("button", name="Set password").click()
    panel = page.get_by_role("region", name=f"Set the password of {renamed}")
    panel.get_by_label("New password").fill("short")
    panel.get_by_role("button", name="Set password").click()
    expect(panel.get_by_label("New password")).to_have_attribute("aria-invalid", "true")
    new_password = f"pw-{person.username}-new"
    panel.get_by_label("New password").fill(new_password)
    panel.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("status").filter(has_text=f"The password of {renamed} was set.")).to_be_visible()
    no_sideways_scroll(page)
    sign_out(page)
    sign_in(page, User(username=person.username, password=new_password, display_name=renamed))
    sign_out(page)


def test_someone_who_is_not_an_administrator_gets_no_person_page(
    page: Page, admin_api: AdminApi
) -> None:
    person = admin_api.create_user("plain")
    someone = admin_api.create_user("someone")
    sign_in(page, person)
    page.goto(f"/admin/people/{someone.id}")
    expect(page.get_by_text("Only administrators see a person's page.")).to_be_visible()
    expect(page.get_by_role("link", name=someone.display_name)).to_have_count(0)
    page.goto("/admin")
    expect(page.get_by_text("You need to be an administrator to manage users.")).to_be_visible()
    expect(page.get_by_role("region", name="Users")).to_have_count(0)
    answer = page.request.get(f"/api/v1/users/{someone.id}/access-review-items")
    assert answer.status == 403, answer.status
    sign_out(page)
