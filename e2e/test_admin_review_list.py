"""The administration's list of access reviews says how each one is going (the state and
progress of its latest run), a running one-time review does not read "the series is over", and
a new review's form defaults the fallback reviewer to the person setting it up, saying so.

Reviews start on the scheduler's round, so this module runs its own server whose scheduler runs
every second, as test_access_reviews.py does.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect

from combobox_helpers import pick
from conftest import AdminApi, demo_user, serving
from review_helpers import api, screenshot, sign_in, unique, user_id
from tessera_server import TesseraServer, web_dir

ADMIN = demo_user("admin")


@pytest.fixture(scope="module")
def tessera() -> Iterator[TesseraServer]:
    server = TesseraServer(
        web=web_dir(), name="review-list", env={"TESSERA_JOBS__INTERVAL_SECONDS": "1"}
    )
    yield from serving(server, "review list server")


@pytest.fixture(scope="module")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@pytest.fixture(scope="module")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-review-list"))


def test_the_review_list_shows_state_and_progress_and_a_running_one_time_review_reads_so(
    page: Page, admin_api: AdminApi
) -> None:
    admin = user_id(admin_api, "admin")
    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Listed group")})
    person = admin_api.create_user("listed")
    api(admin_api, "PUT", f"/groups/{group['id']}/members/{person.id}", 204)
    name = unique("Listed review")
    definition = api(
        admin_api,
        "POST",
        "/access-reviews",
        201,
        {
            "name": name,
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
        },
    )
    deadline = time.monotonic() + 30
    while not api(admin_api, "GET", f"/access-reviews/{definition['id']}/instances", 200)["items"]:
        assert time.monotonic() < deadline, "the review did not start in time"
        time.sleep(0.5)

    sign_in(page, ADMIN)
    page.goto("/admin/access-reviews")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("0 of 1 decided")
    expect(row).to_contain_text("None: it runs once, and has started")
    expect(row).not_to_contain_text("series is over")
    screenshot(page, "admin-review-list-1280.png")


def test_a_new_review_defaults_the_fallback_reviewer_to_its_author_and_says_so(
    page: Page, admin_api: AdminApi
) -> None:
    admin = user_id(admin_api, "admin")
    sign_in(page, ADMIN)
    page.goto("/admin/access-reviews/new")
    expect(page.get_by_role("heading", level=1, name="New access review")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"reviewed by the fallback reviewer, set to you"))
    ).to_be_visible()
    # The picker shows the person by name; the id is what gets saved.
    fallback = page.get_by_role("group", name="Fallback reviewer 1")
    expect(fallback.get_by_role("combobox", name="User", exact=True)).to_have_value(
        f"{ADMIN.display_name} ({ADMIN.username})"
    )

    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Reviewed group")})
    name = unique("Review")
    page.get_by_label("Name", exact=True).fill(name)
    pick(page, "Group to review", group["name"], group["name"])
    page.get_by_role("button", name="Add group").click()
    expect(page.get_by_role("button", name=f"Remove {group['name']}")).to_be_visible()
    page.get_by_role("button", name="Save access review").click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()

    saved = [
        review
        for review in api(admin_api, "GET", "/access-reviews?limit=200", 200)["items"]
        if review["definition"]["name"] == name
    ]
    assert len(saved) == 1, saved
    stage = saved[0]["definition"]["stages"][0]
    assert stage["fallback_reviewers"] == [{"type": "user", "user_id": admin}], stage
