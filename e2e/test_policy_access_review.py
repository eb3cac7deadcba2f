"""The access review an access package policy carries, driven in Chromium: set up from the
package's page, listed among the access review definitions, removed again.

Through the API, the administrator makes a catalog whose access package manager is maria, a
package in it and a policy of the package. In the browser, the administrator opens the policy's
access review on the package's page, sets up a quarterly review by maria, first with a start in
the past (refused by the server, and shown at the start), then next month; finds it under
"Access reviews"; and removes it from the package's page.

The review starts next month, so the shared server's scheduler never starts it. Everything is
made under unique names, so the test needs no order.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from combobox_helpers import pick
from conftest import AdminApi, demo_user
from review_helpers import api, screenshot, sign_in, unique, user_id

ADMIN = demo_user("admin")


def test_an_administrator_sets_up_a_quarterly_review_of_a_policy_by_the_packages_manager_and_removes_it(
    page: Page, admin_api: AdminApi
) -> None:
    maria = user_id(admin_api, "maria")
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": unique("Catalog")})
    api(admin_api, "PUT", f"/catalogs/{catalog['id']}/roles/access_package_manager/{maria}", 204)
    package = api(
        admin_api,
        "POST",
        f"/catalogs/{catalog['id']}/access-packages",
        201,
        {"name": unique("Package")},
    )
    policy_name = unique("Policy")
    policy = api(
        admin_api,
        "POST",
        f"/access-packages/{package['id']}/policies",
        201,
        {
            "name": policy_name,
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        },
    )
    review_path = f"/access-packages/{package['id']}/policies/{policy['id']}/access-review"
    api(admin_api, "GET", review_path, 404)
    # The server names the review after the package and the policy.
    review_name = f"{package['name']}: {policy_name}"

    # The policy carries no review yet.
    sign_in(page, ADMIN)
    page.goto(f"/admin/access-packages/{package['id']}")
    expect(page.get_by_role("heading", level=1, name=package["name"])).to_be_visible()
    policies = page.get_by_role("region", name="Policies")
    policies.get_by_role("button", name=f"Access review of {policy_name}").click()
    section = page.get_by_role("region", name=f"Access review of {policy_name}")
    expect(section.get_by_text("This policy carries no access review.")).to_be_visible()

    # A quarterly review by maria, the package's manager.
    section.get_by_role("button", name="Set up an access review").click()
    expect(section.get_by_label("Name", exact=True)).to_have_count(0)
    stage = section.get_by_role("group", name="Stage 1", exact=True)
    reviewer = stage.get_by_role("group", name="Reviewer 1", exact=True)
    reviewer.get_by_label("Who").select_option(label="A specific user")
    pick(reviewer, "User", "maria", "Maria Manager (maria)")
    section.get_by_role("radio", name="Recurring").check()
    section.get_by_label("Frequency").select_option(label="Quarterly")

    # A start in the past is refused by the server, and the refusal is shown at the start.
    starts = section.get_by_label("Starts", exact=True)
    starts.fill("2020-01-06T09:00")
    with page.expect_response(
        lambda answer: answer.request.method == "PUT" and answer.url.endswith("/access-review")
    ) as answer:
        section.get_by_role("button", name="Save access review").click()
    assert answer.value.status == 422
    expect(starts).to_have_attribute("aria-invalid", "true")
    expect(starts).to_have_accessible_description(
        re.compile(r"must not be in the past", re.IGNORECASE)
    )
    expect(section.get_by_role("alert").first).to_contain_text("The access review was not saved.")
    screenshot(page, "policy-review-refused-start.png")

    # Next month, then.
    next_month = (datetime.now() + timedelta(days=30)).strftime("%Y-%m-%dT09:00")
    starts.fill(next_month)
    section.get_by_role("button", name="Save access review").click()
    expect(section.get_by_text("The access review was saved.")).to_be_visible()
    expect(section.get_by_text("This policy carries the access review")).to_be_visible()
    expect(section.get_by_role("link", name=review_name)).to_be_visible()
    expect(section).to_contain_text("Quarterly from")
    expect(section).to_contain_text("Maria Manager (maria); 14 days")
    screenshot(page, "policy-review-set-up.png")

    stored = api(admin_api, "GET", review_path, 200)
    assert stored["definition"]["name"] == review_name
    assert stored["definition"]["scope"]["resources"] == {
        "type": "access_package",
        "access_package_id": package["id"],
        "policy_id": policy["id"],
    }
    assert stored["definition"]["stages"][0]["reviewers"] == [{"type": "user", "user_id": maria}]
    assert stored["definition"]["schedule"]["frequency"] == "quarterly"

    # It is listed among the access review definitions.
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Access reviews", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1, name="Access reviews")).to_be_visible()
    definitions = page.get_by_role("region", name="Review definitions")
    row = definitions.get_by_role("row", name=re.compile(re.escape(review_name)))
    expect(row).to_contain_text("Assignments of an access package under one policy")
    expect(row).to_contain_text("Quarterly")
    row.get_by_role("link", name=review_name).click()
    expect(page.get_by_role("heading", level=1, name=review_name)).to_be_visible()

    # Removed from the package's page, after a confirmation.
    page.goto(f"/admin/access-packages/{package['id']}")
    page.get_by_role("region", name="Policies").get_by_role(
        "button", name=f"Access review of {policy_name}"
    ).click()
    section = page.get_by_role("region", name=f"Access review of {policy_name}")
    section.get_by_role("button", name="Remove the access review").click()
    expect(section).to_contain_text("This cannot be undone.")
    section.get_by_role("button", name="Yes, remove the access review").click()
    expect(section.get_by_text("The access review was removed.")).to_be_visible()
    expect(section.get_by_text("This policy carries no access review.")).to_be_visible()
    api(admin_api, "GET", review_path, 404)
