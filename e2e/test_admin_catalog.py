"""Administration of catalogs, access packages and their assignment policies, driven in Chromium.

Each test signs in on its own and makes what it needs under unique names, so the tests run in
any order and next to the other browser tests on the shared server.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from combobox_helpers import pick
from conftest import AdminApi, demo_user
from review_helpers import screenshot, sign_in


def unique(prefix: str) -> str:
    return f"E2E {prefix} {uuid.uuid4().hex[:8]}"


def sign_in_as_admin(page: Page) -> None:
    sign_in(page, demo_user("admin"))


def create_package(admin_api: AdminApi) -> tuple[dict, dict]:
    """A catalog and an access package in it, made through the API."""
    base = admin_api.base_url
    catalog = admin_api.http.post(
        f"{base}/api/v1/catalogs", json={"name": unique("Catalog")}, timeout=30
    )
    assert catalog.status_code == 201, catalog.text
    package = admin_api.http.post(
        f"{base}/api/v1/catalogs/{catalog.json()['id']}/access-packages",
        json={"name": unique("Package")},
        timeout=30,
    )
    assert package.status_code == 201, package.text
    return catalog.json(), package.json()


def admin_subnav(page: Page):
    return page.get_by_role("navigation", name="Administration")


def test_an_administrator_builds_a_catalog_with_a_package_and_a_two_stage_policy(
    page: Page,
) -> None:
    group_name = unique("Group")
    catalog_name = unique("Catalog")
    package_name = unique("Package")
    policy_name = unique("Policy")
    sign_in_as_admin(page)

    # A group, made through the Groups page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    admin_subnav(page).get_by_role("link", name="Groups", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Groups")).to_be_visible()
    new_group = page.get_by_role("region", name="New group")
    new_group.get_by_label("Name", exact=True).fill(group_name)
    new_group.get_by_role("button", name="Create group").click()
    expect(new_group.get_by_role("status")).to_contain_text(group_name)
    expect(
        page.get_by_role("region", name="Groups").get_by_role("link", name=group_name)
    ).to_be_visible()

    # A catalog, opened from the notice that says it was created.
    admin_subnav(page).get_by_role("link", name="Catalogs", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Catalogs")).to_be_visible()
    new_catalog = page.get_by_role("region", name="New catalog")
    new_catalog.get_by_label("Name", exact=True).fill(catalog_name)
    new_catalog.get_by_label("Description").fill("Made by the browser test.")
    new_catalog.get_by_role("button", name="Create catalog").click()
    new_catalog.get_by_role("link", name="Open it").click()
    expect(page.get_by_role("heading", level=1, name=catalog_name)).to_be_visible()

    # The group becomes a resource of the catalog.
    resources = page.get_by_role("region", name="Resources")
    pick(resources, "Group", group_name, group_name)
    resources.get_by_role("button", name="Add resource").click()
    expect(resources.get_by_role("row", name=re.compile(re.escape(group_name)))).to_be_visible()

    # An access package in the catalog.
    packages = page.get_by_role("region", name="Access packages")
    packages.get_by_label("Package name").fill(package_name)
    packages.get_by_role("button", name="Create access package").click()
    expect(packages.get_by_role("link", name=package_name)).to_be_visible()
    screenshot(page, "catalog-page.png")
    packages.get_by_role("link", name=package_name).click()
    expect(page.get_by_role("heading", level=1, name=package_name)).to_be_visible()

    # The package makes people members of the group.
    roles = page.get_by_role("region", name="Resource roles")
    roles.get_by_role("combobox", name="Resource role").select_option(label=f"Member of {group_name}")
    roles.get_by_role("button", name="Add resource role").click()
    expect(roles.get_by_role("row", name=re.compile(re.escape(group_name)))).to_be_visible()

    # A policy with two approval stages.
    policies = page.get_by_role("region", name="Policies")
    policies.get_by_role("button", name="New policy").click()
    policies.get_by_label("Policy name").fill(policy_name)
    policies.get_by_label("Approval required").check()

    stage_1 = policies.get_by_role("group", name="Stage 1", exact=True)
    stage_1.get_by_role("group", name="Approver 1", exact=True).get_by_label("Who").select_option(
        label="The requester's manager"
    )
    stage_1.get_by_role("button", name="Add fallback approver").click()
    fallback = stage_1.get_by_role("group", name="Fallback approver 1", exact=True)
    expect(fallback.get_by_label("Who")).to_have_value("user")
    pick(fallback, "User", "maria", "Maria Manager (maria)")

    policies.get_by_role("button", name="Add a stage").click()
    stage_2 = policies.get_by_role("group", name="Stage 2", exact=True)
    pick(
        stage_2.get_by_role("group", name="Approver 1", exact=True),
        "User",
        "admin",
        "Ada Admin (admin)",
    )
    screenshot(page, "policy-editor-two-stages.png")

    policies.get_by_role("button", name="Save policy").click()
    expect(policies.get_by_role("status")).to_contain_text(policy_name)

    page.reload()
    policies = page.get_by_role("region", name="Policies")
    row = policies.get_by_role("row", name=re.compile(re.escape(policy_name)))
    expect(row).to_be_visible()
    expect(row.get_by_role("cell", name="2 stages", exact=True)).to_be_visible()
    screenshot(page, "access-package-with-policy.png")


def test_escalation_on_a_three_day_timeout_is_refused_next_to_the_escalation_input(
    page: Page, admin_api: AdminApi
) -> None:
    _, package = create_package(admin_api)

    sign_in_as_admin(page)
    page.goto(f"/admin/access-packages/{package['id']}")
    policies = page.get_by_role("region", name="Policies")
    policies.get_by_role("button", name="New policy").click()
    policies.get_by_label("Policy name").fill(unique("Policy"))
    policies.get_by_label("Approval required").check()

    stage = policies.get_by_role("group", name="Stage 1", exact=True)
    pick(
        stage.get_by_role("group", name="Approver 1", exact=True),
        "User",
        "admin",
        "Ada Admin (admin)",
    )
    stage.get_by_label("Days to decide").fill("3")
    stage.get_by_label("Escalate when no decision comes").check()
    expect(stage.get_by_text("at least 4 days", exact=False).first).to_be_visible()
    escalate_after = stage.get_by_label("Escalate after (days)")
    escalate_after.fill("2")
    stage.get_by_role("button", name="Add escalation approver").click()
    escalation_approver = stage.get_by_role("group", name="Escalation approver 1", exact=True)
    escalation_approver.get_by_label("Who").select_option(label="A specific user")
    pick(escalation_approver, "User", "maria", "Maria Manager (maria)")

    policies.get_by_role("button", name="Save policy").click()

    expect(escalate_after).to_have_attribute("aria-invalid", "true")
    expect(escalate_after).to_have_accessible_description(
        re.compile(r"needs a timeout of at least 4 days")
    )
    expect(policies.get_by_role("alert").first).to_contain_text("The policy was not saved.")
    screenshot(page, "policy-editor-escalation-error.png")
    # Nothing was saved.
    expect(policies.get_by_text("This package has no policies yet")).to_be_visible()


def test_someone_holding_a_catalog_role_sees_the_admin_link_and_only_their_catalogs(
    page: Page, admin_api: AdminApi
) -> None:
    owner = admin_api.create_user("owner")
    catalog, package = create_package(admin_api)
    granted = admin_api.http.put(
        f"{admin_api.base_url}/api/v1/catalogs/{catalog['id']}/roles/owner/{owner.id}",
        timeout=30,
    )
    assert granted.status_code == 204, granted.text

    sign_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Catalogs")).to_be_visible()
    subnav = admin_subnav(page)
    expect(subnav.get_by_role("link", name="Catalogs", exact=True)).to_be_visible()
    expect(subnav.get_by_role("link", name="Users", exact=True)).to_have_count(0)
    catalogs = page.get_by_role("region", name="Catalogs")
    expect(catalogs.get_by_role("row")).to_have_count(2)
    catalogs.get_by_role("link", name=catalog["name"]).click()
    expect(page.get_by_role("heading", level=1, name=catalog["name"])).to_be_visible()
    packages = page.get_by_role("region", name="Access packages")
    expect(packages.get_by_role("link", name=package["name"])).to_be_visible()


def test_at_375_pixels_wide_the_policy_editor_has_no_horizontal_scrollbar(
    page: Page, admin_api: AdminApi
) -> None:
    _, package = create_package(admin_api)
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in_as_admin(page)
    page.goto(f"/admin/access-packages/{package['id']}")
    policies = page.get_by_role("region", name="Policies")
    policies.get_by_role("button", name="New policy").click()
    policies.get_by_label("Approval required").check()
    stage = policies.get_by_role("group", name="Stage 1", exact=True)
    stage.get_by_label("Escalate when no decision comes").check()
    expect(stage.get_by_label("Escalate after (days)")).to_be_visible()

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"
    screenshot(page, "policy-editor-375.png")


def test_a_past_end_date_refused_by_the_server_is_shown_next_to_the_date_input(
    page: Page, admin_api: AdminApi
) -> None:
    _, package = create_package(admin_api)
    sign_in_as_admin(page)
    page.goto(f"/admin/access-packages/{package['id']}")
    policies = page.get_by_role("region", name="Policies")
    policies.get_by_role("button", name="New policy").click()
    policies.get_by_label("Policy name").fill(unique("Policy"))
    policies.get_by_label("On a date").check()
    end_date = policies.get_by_label("End date (UTC)")
    end_date.fill("2020-01-01")

    with page.expect_response(
        lambda answer: answer.request.method == "POST" and "/policies" in answer.url
    ) as answer:
        policies.get_by_role("button", name="Save policy").click()
    assert answer.value.status == 422

    expect(end_date).to_have_attribute("aria-invalid", "true")
    expect(end_date).to_have_accessible_description(re.compile(r"must be in the future", re.IGNORECASE))
