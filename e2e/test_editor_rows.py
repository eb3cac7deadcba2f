"""Rows of the policy and access review editors (stages, approvers, reviewers, questions),
removed and moved in Chromium while their controls are on the page: each row keeps what was
typed in it, and the page reports no error (a row's view reading a row that is gone would).

Each test signs in on its own and makes what it needs under unique names.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from combobox_helpers import pick
from conftest import AdminApi, demo_user
from review_helpers import sign_in
from test_admin_catalog import create_package, unique


def test_policy_editor_rows_keep_their_values_when_others_are_removed_or_moved(
    page: Page, admin_api: AdminApi
) -> None:
    _, package = create_package(admin_api)
    sign_in(page, demo_user("admin"))
    page.goto(f"/admin/access-packages/{package['id']}")
    policies = page.get_by_role("region", name="Policies")
    policies.get_by_role("button", name="New policy").click()
    policies.get_by_label("Policy name").fill(unique("Policy"))
    policies.get_by_label("Approval required").check()

    def stage(number: int):
        return policies.get_by_role("group", name=f"Stage {number}", exact=True)

    # The second of two fallback approvers becomes the first.
    stage(1).get_by_label("Days to decide").fill("9")
    stage(1).get_by_role("button", name="Add fallback approver").click()
    stage(1).get_by_role("button", name="Add fallback approver").click()
    second = stage(1).get_by_role("group", name="Fallback approver 2", exact=True)
    pick(second, "User", "maria", "Maria Manager (maria)")
    chosen = second.get_by_label("User", exact=True).input_value()
    stage(1).get_by_role("button", name="Remove fallback approver 1").click()
    first = stage(1).get_by_role("group", name="Fallback approver 1", exact=True)
    expect(first.get_by_label("User", exact=True)).to_have_value(chosen)
    expect(stage(1).get_by_role("group", name="Fallback approver 2", exact=True)).to_have_count(0)

    # A second stage moved up, then the stage it passed removed.
    policies.get_by_role("button", name="Add a stage").click()
    stage(2).get_by_label("Days to decide").fill("3")
    policies.get_by_role("button", name="Move stage 2 up").click()
    expect(stage(1).get_by_label("Days to decide")).to_have_value("3")
    expect(stage(2).get_by_label("Days to decide")).to_have_value("9")
    policies.get_by_role("button", name="Remove stage 1").click()
    expect(stage(1).get_by_label("Days to decide")).to_have_value("9")
    expect(stage(2)).to_have_count(0)

    # The second of two questions becomes the first.
    policies.get_by_role("button", name="Add a question").click()
    policies.get_by_role("button", name="Add a question").click()
    policies.get_by_label("Question", exact=True).nth(1).fill("Which ticket?")
    policies.get_by_role("button", name="Remove question 1").click()
    expect(policies.get_by_label("Question", exact=True)).to_have_value("Which ticket?")

    pick(
        stage(1).get_by_role("group", name="Approver 1", exact=True),
        "User",
        "admin",
        "Ada Admin (admin)",
    )
    policies.get_by_role("button", name="Save policy").click()
    expect(policies.get_by_role("status")).to_be_visible()


def test_review_editor_rows_keep_their_values_when_others_are_removed(page: Page) -> None:
    sign_in(page, demo_user("admin"))
    page.goto("/admin/access-reviews/new")
    page.get_by_role("button", name="Add a stage").click()

    def stage(number: int):
        return page.get_by_role("group", name=f"Stage {number}", exact=True)

    stage(1).get_by_role("button", name="Add reviewer").click()
    stage(1).get_by_role("group", name="Reviewer 2", exact=True).get_by_label("Who").select_option(
        label="A specific user"
    )
    stage(1).get_by_role("button", name="Remove reviewer 1").click()
    expect(
        stage(1).get_by_role("group", name="Reviewer 1", exact=True).get_by_label("Who")
    ).to_have_value("user")

    stage(2).get_by_label("Days to decide").fill("5")
    page.get_by_role("button", name="Remove stage 1").click()
    expect(stage(1).get_by_label("Days to decide")).to_have_value("5")
    expect(stage(2)).to_have_count(0)
