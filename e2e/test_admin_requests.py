"""The administrators' request list, driven in Chromium: everyone's requests filtered by
package and state, the CSV of the same filters, and a person without a catalog role refused.

The requests are made through the API under unique names, so the test runs in any order and
next to the other browser tests on the shared server.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from combobox_helpers import pick
from conftest import AdminApi, demo_user
from review_helpers import api, screenshot, sign_in, sign_out, unique, user_id


def open_requests_page(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Requests", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1, name="Requests")).to_be_visible()


def offer(admin_api: AdminApi, catalog: str, name: str, approval: dict) -> tuple[str, str]:
    package = api(admin_api, "POST", f"/catalogs/{catalog}/access-packages", 201, {"name": name})
    policy = api(
        admin_api,
        "POST",
        f"/access-packages/{package['id']}/policies",
        201,
        {
            "name": "Anyone",
            "who_can_request": {"type": "all_members"},
            "approval": approval,
            "lifecycle": {"expiry": {"type": "never"}},
        },
    )
    return package["id"], policy["id"]


def test_an_administrator_finds_requests_by_package_and_state_and_downloads_them(
    page: Page, admin_api: AdminApi
) -> None:
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": unique("Requests catalog")})
    delivered_name = unique("Delivered package")
    pending_name = unique("Pending package")
    delivered = offer(admin_api, catalog["id"], delivered_name, {"type": "none"})
    approver = user_id(admin_api, "maria")
    pending = offer(
        admin_api,
        catalog["id"],
        pending_name,
        {
            "type": "required",
            "stages": [
                {
                    "primary_approvers": [{"type": "user", "user_id": approver}],
                    "timeout_days": 14,
                }
            ],
        },
    )
    for package, policy in (delivered, pending):
        api(
            admin_api,
            "POST",
            "/requests",
            201,
            {"access_package_id": package, "policy_id": policy, "ask": "add"},
        )

    sign_in(page, demo_user("admin"))
    open_requests_page(page)
    filters = page.get_by_role("search", name="Filters")
    results = page.get_by_role("group", name="Requests")

    pick(filters, "Access package", delivered_name, delivered_name)
    filters.get_by_role("button", name="Apply filters").click()
    rows = results.get_by_role("row").filter(has_text=delivered_name)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Delivered")
    expect(results.get_by_role("row").filter(has_text=pending_name)).to_have_count(0)

    pick(filters, "Access package", pending_name, pending_name)
    filters.get_by_label("State").select_option(label="Pending approval")
    filters.get_by_role("button", name="Apply filters").click()
    rows = results.get_by_role("row").filter(has_text=pending_name)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Pending approval")
    screenshot(page, "admin-requests.png")

    download = page.get_by_role("link", name="Download CSV")
    href = download.get_attribute("href") or ""
    assert re.search(r"/api/v1/requests\.csv\?state=pending_approval&access_package_id=", href), href
    answer = page.request.get(href)
    assert answer.status == 200, answer.text()
    lines = answer.text().strip().splitlines()
    assert len(lines) == 2, lines
    assert pending_name in lines[1] and "pending_approval" in lines[1]

    # A state with nothing in it for this package says so.
    filters.get_by_label("State").select_option(label="Denied")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No requests match these filters.")).to_be_visible()

    # A date range that ends before it begins is refused at its input, without asking.
    filters.get_by_label("Submitted from (UTC)").fill("2025-03-04T14:05")
    filters.get_by_label("Submitted before (UTC)").fill("2025-03-04T14:00")
    filters.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("The filters were not applied.")).to_be_visible()
    sign_out(page)


def test_someone_without_a_catalog_role_is_told_they_may_not_list_requests(
    page: Page, admin_api: AdminApi
) -> None:
    person = admin_api.create_user("requests")
    sign_in(page, person)
    page.goto("/admin/requests")
    expect(page.get_by_role("heading", level=1, name="Requests")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("administrators")
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    sign_out(page)
