"""Reprocessing an access package in the administration area, driven in Chromium: a membership
taken away by hand in the directory is found by "Check" (nothing changes) and put back by
"Reprocess", with the difference shown.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from conftest import AdminApi, demo_user
from test_admin_assignments import group_member_ids, person_label, post, sign_in


def unique(prefix: str) -> str:
    return f"E2E {prefix} {uuid.uuid4().hex[:8]}"


def test_reprocessing_a_package_puts_back_a_membership_removed_by_hand(
    page: Page, admin_api: AdminApi
) -> None:
    group = post(admin_api, "/groups", {"name": unique("Group")})
    catalog = post(admin_api, "/catalogs", {"name": unique("Catalog")})
    post(admin_api, f"/catalogs/{catalog['id']}/resources", {"kind": "group", "id": group["id"]})
    package = post(
        admin_api, f"/catalogs/{catalog['id']}/access-packages", {"name": unique("Package")}
    )
    post(
        admin_api,
        f"/access-packages/{package['id']}/resource-roles",
        {"kind": "group_member", "group_id": group["id"]},
    )
    policy = post(
        admin_api,
        f"/access-packages/{package['id']}/policies",
        {
            "name": unique("Direct policy"),
            "who_can_request": {"type": "nobody"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        },
    )
    person = admin_api.create_user("reprocessed")
    post(
        admin_api,
        f"/access-packages/{package['id']}/assignments",
        {"policy_id": policy["id"], "user_id": person.id},
    )
    taken = admin_api.http.delete(
        f"{admin_api.base_url}/api/v1/groups/{group['id']}/members/{person.id}", timeout=30
    )
    assert taken.status_code == 204, taken.text
    assert person.id not in group_member_ids(admin_api, group["id"])

    sign_in(page, demo_user("admin"))
    page.goto(f"/admin/access-packages/{package['id']}")
    expect(page.get_by_role("heading", level=1, name=package["name"])).to_be_visible()
    section = page.get_by_role("region", name="Reprocess", exact=True)

    section.get_by_role("button", name="Check").click()
    expect(section.get_by_role("status")).to_contain_text(
        "Found 1 directory row to put back and 0 directory rows to take away"
    )
    row = section.get_by_role("row", name=re.compile(re.escape(person.username)))
    expect(row.get_by_role("rowheader")).to_have_text(person_label(person))
    expect(row.get_by_role("cell", name=f"Member of {group['name']}")).to_be_visible()
    expect(row.get_by_role("cell", name="To put back")).to_be_visible()
    assert person.id not in group_member_ids(admin_api, group["id"]), "a check changes nothing"

    section.get_by_role("button", name="Reprocess", exact=True).click()
    expect(section.get_by_role("status")).to_contain_text("Put back 1 directory row")
    expect(row.get_by_role("cell", name="Put back", exact=True)).to_be_visible()
    assert person.id in group_member_ids(admin_api, group["id"])

    section.get_by_role("button", name="Check").click()
    expect(section.get_by_role("status")).to_contain_text("nothing to put right")
