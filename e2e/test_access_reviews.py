"""Access reviews, driven in Chromium: a manager reviews their reports, denies one, the review is
applied and that person's access is gone.

Through the API, the administrator makes a group with two new people who report to maria, and a
one-time review of the group's membership by each person's manager, starting now and applying its
results automatically. In the browser, maria opens the review from "Access reviews", approves one
person and denies the other with a justification; then the administrator opens the definition
(which names them, by name, as the fallback reviewer) and stops the review from the
administration area, which applies the results. The API then shows the denied person out of
the group and the approved one still in it.

Reviews start on the scheduler's round, so this module runs its own server whose scheduler runs
every second (`TESSERA_JOBS__INTERVAL_SECONDS=1`) instead of the shared one's 30 seconds; the
fixtures `tessera`, `base_url` and `admin_api` are overridden here for that. Everything else is
made under unique names, so the test needs no order.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from conftest import AdminApi, demo_user, serving
from review_helpers import api, screenshot, sign_in, sign_out, unique, user_id
from tessera_server import TesseraServer, web_dir

MARIA = demo_user("maria")
ADMIN = demo_user("admin")
REVIEW_START_TIMEOUT_S = 30.0


# -- a server whose scheduler runs every second ----------------------------------------------------


@pytest.fixture(scope="module")
def tessera() -> Iterator[TesseraServer]:
    server = TesseraServer(
        web=web_dir(), name="reviews", env={"TESSERA_JOBS__INTERVAL_SECONDS": "1"}
    )
    yield from serving(server, "reviews server")


@pytest.fixture(scope="module")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@pytest.fixture(scope="module")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-reviews"))


# -- helpers ---------------------------------------------------------------------------------------


def member_ids(admin_api: AdminApi, group_id: str) -> set[str]:
    page = api(admin_api, "GET", f"/groups/{group_id}/members?limit=200", 200)
    return {member["user_id"] for member in page["items"]}


def wait_for_instance(admin_api: AdminApi, definition_id: str) -> dict:
    """The review's first instance, once the scheduler has started it."""
    deadline = time.monotonic() + REVIEW_START_TIMEOUT_S
    while True:
        page = api(admin_api, "GET", f"/access-reviews/{definition_id}/instances", 200)
        started = [i for i in page["items"] if i["state"] == "in_progress"]
        if started:
            return started[0]
        assert time.monotonic() < deadline, f"the review did not start in time: {page}"
        time.sleep(0.5)


# -- the test --------------------------------------------------------------------------------------


def test_a_manager_reviews_their_reports_denies_one_and_the_applied_review_removes_that_access(
    page: Page, admin_api: AdminApi
) -> None:
    maria = user_id(admin_api, "maria")
    admin = user_id(admin_api, "admin")

    # Two people who report to maria, members of a group.
    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Reviewed group")})
    kept = admin_api.create_user("kept")
    removed = admin_api.create_user("removed")
    for person in (kept, removed):
        api(admin_api, "PATCH", f"/users/{person.id}", 200, {"manager_id": maria})
        api(admin_api, "PUT", f"/groups/{group['id']}/members/{person.id}", 204)
    assert member_ids(admin_api, group["id"]) >= {kept.id, removed.id}

    # A one-time review of the membership by each person's manager, starting now, applied
    # automatically.
    name = unique("Membership review")
    definition = api(
        admin_api,
        "POST",
        "/access-reviews",
        201,
        {
            "name": name,
            "description_for_reviewers": "Does each of your reports still need this group?",
            "scope": {"resources": {"type": "groups", "group_ids": [group["id"]]}},
            "stages": [
                {
                    "reviewers": [{"type": "manager"}],
                    "fallback_reviewers": [{"type": "user", "user_id": admin}],
                    "duration_days": 7,
                }
            ],
            "schedule": {
                "type": "one_time",
                "starts_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
            "settings": {"auto_apply": True},
        },
    )
    instance = wait_for_instance(admin_api, definition["id"])
    assert instance["progress"]["total"] == 2, instance

    # Maria finds the review under "Access reviews" and opens it.
    sign_in(page, MARIA)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access reviews").click()
    expect(page.get_by_role("heading", level=1, name="Access reviews")).to_be_visible()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    rows = page.get_by_role("row")
    kept_row = rows.filter(has_text=kept.display_name)
    removed_row = rows.filter(has_text=removed.display_name)
    expect(kept_row).to_have_count(1)
    expect(removed_row).to_have_count(1)
    expect(kept_row).to_contain_text("Not decided")

    # She approves one person, and denies the other with a justification.
    page.get_by_role("button", name=f"Approve {kept.display_name}").click()
    expect(kept_row).to_contain_text("Approved")
    reason = "Moved to another team; no longer needs it."
    page.get_by_label("Reason for your decisions").fill(reason)
    page.get_by_role("button", name=f"Deny {removed.display_name}").click()
    expect(removed_row).to_contain_text("Denied")
    expect(removed_row).to_contain_text(reason)
    expect(page.get_by_text("2 of 2 decided").first).to_be_visible()
    screenshot(page, "access-review-decided.png")

    # A decision can change until the stage ends: the buttons stay, showing the current one.
    expect(page.get_by_role("button", name=f"Deny {removed.display_name}")).to_have_attribute(
        "aria-pressed", "true"
    )
    sign_out(page)

    # The administrator stops the review from the administration area; it applies at once.
    sign_in(page, ADMIN)
    page.goto("/admin")
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Access reviews"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Access reviews")).to_be_visible()
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    # The definition names its fallback reviewer, as the API stores them by id.
    expect(page.get_by_role("region", name="Definition")).to_contain_text(
        f"Their managers; fallback: {ADMIN.display_name} ({ADMIN.username}); 7 days"
    )
    page.get_by_role("link", name="Review 1").click()
    expect(page.get_by_role("heading", name="Review 1", exact=True)).to_be_visible()
    page.get_by_role("button", name="Stop review").click()
    page.get_by_role("button", name="Yes, stop the review").click()
    expect(page.get_by_text("The review was stopped and its results applied.")).to_be_visible()
    results = page.get_by_role("region", name="Results").get_by_role("row")
    expect(results.filter(has_text=removed.display_name)).to_contain_text("Removed")
    expect(results.filter(has_text=kept.display_name)).to_contain_text("Kept")
    screenshot(page, "access-review-applied.png")

    # The denied person is out of the group; the approved one is still in it.
    members = member_ids(admin_api, group["id"])
    assert removed.id not in members
    assert kept.id in members
    applied = api(admin_api, "GET", f"/access-review-instances/{instance['id']}", 200)
    assert applied["state"] == "applied", applied
    assert applied["progress"]["denied"] == 1 and applied["progress"]["approved"] == 1, applied
