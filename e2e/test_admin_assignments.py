"""Direct assignments in the administration area, driven in Chromium: assigning a person to an
access package under a policy (answering its question), the lists of a package and of a
catalog, removal, and the refusals shown next to the controls they are about.

Each test signs in on its own and makes what it needs under unique names through the API, so the
tests run in any order and next to the other browser tests on the shared server.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from combobox_helpers import pick
from conftest import AdminApi, User, demo_user
from review_helpers import screenshot, sign_in

QUESTION = "Which site do you work at?"


def unique(prefix: str) -> str:
    return f"E2E {prefix} {uuid.uuid4().hex[:8]}"


@dataclass
class Setup:
    group: dict
    catalog: dict
    package: dict
    policy: dict


def post(admin_api: AdminApi, path: str, body: dict) -> dict:
    answer = admin_api.http.post(f"{admin_api.base_url}/api/v1{path}", json=body, timeout=30)
    assert answer.status_code == 201, f"POST {path}: {answer.status_code} {answer.text}"
    return answer.json()


def set_up_package(admin_api: AdminApi) -> Setup:
    """A catalog with a group, a package granting membership of it, and a policy without
    approval that asks one required single-choice question."""
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
            "who_can_request": {"type": "all_users"},
            "approval": {"type": "none"},
            "requester": {
                "questions": [
                    {
                        "type": "single_choice",
                        "id": "site",
                        "text": QUESTION,
                        "required": True,
                        "choices": ["Oslo", "Paris"],
                    }
                ]
            },
            "lifecycle": {"expiry": {"type": "after_days", "days": 30}},
        },
    )
    return Setup(group=group, catalog=catalog, package=package, policy=policy)


def group_member_ids(admin_api: AdminApi, group_id: str) -> set[str]:
    answer = admin_api.http.get(
        f"{admin_api.base_url}/api/v1/groups/{group_id}/members",
        params={"limit": 200},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return {member["user_id"] for member in answer.json()["items"]}


def person_label(user: User) -> str:
    return f"{user.display_name} ({user.username})"


def pick_person(scope: Locator, user: User, label: str = "Person") -> None:
    """Types part of the person's name, then chooses them among the people the server found."""
    pick(scope, label, user.display_name[-6:], person_label(user))


def open_new_assignment(page: Page) -> tuple[Locator, Locator]:
    assignments = page.get_by_role("region", name="Assignments", exact=True)
    assignments.get_by_role("button", name="New assignment").click()
    form = assignments.get_by_role("form", name="New assignment")
    expect(form).to_be_visible()
    return assignments, form


def test_an_administrator_assigns_a_person_to_a_group_through_a_package_and_removes_it(
    page: Page, admin_api: AdminApi
) -> None:
    setup = set_up_package(admin_api)
    person = admin_api.create_user("assignee")
    sign_in(page, demo_user("admin"))
    page.goto(f"/admin/access-packages/{setup.package['id']}")
    expect(page.get_by_role("heading", level=1, name=setup.package["name"])).to_be_visible()

    assignments, form = open_new_assignment(page)
    expect(assignments.get_by_text("No assignments match.")).to_be_visible()
    expect(form.get_by_role("combobox", name="Policy", exact=True)).to_have_value(
        setup.policy["id"]
    )
    expect(form.get_by_text("access ends 30 days after it starts")).to_be_visible()
    pick_person(form, person)
    form.get_by_role("radiogroup", name=re.compile(re.escape(QUESTION))).get_by_label(
        "Paris"
    ).check()
    form.get_by_label("Justification").fill("Joins the Paris office.")
    screenshot(page, "new-assignment.png")
    with page.expect_response(
        lambda answer: answer.request.method == "POST"
        and answer.url.endswith(f"/access-packages/{setup.package['id']}/assignments")
    ) as answer:
        form.get_by_role("button", name="Assign").click()
    assert answer.value.status == 201, answer.value.text()

    # Listed as delivered, and the person is now a member of the group.
    expect(
        assignments.get_by_text(
            f"{person_label(person)} was assigned the package; the access is delivered."
        )
    ).to_be_visible()
    row = assignments.get_by_role("row", name=re.compile(re.escape(person.username)))
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name="Delivered", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name=setup.policy["definition"]["name"])).to_be_visible()
    expect(row.get_by_role("cell", name="Ada Admin (admin)")).to_be_visible()
    assert person.id in group_member_ids(admin_api, setup.group["id"])
    screenshot(page, "package-assignments.png")

    # The CSV link downloads what the list shows.
    csv_href = assignments.get_by_role("link", name="Download CSV").get_attribute("href")
    assert csv_href is not None and f"access_package_id={setup.package['id']}" in csv_href
    csv = admin_api.http.get(f"{admin_api.base_url}{csv_href}", timeout=30)
    assert csv.status_code == 200, csv.text
    assert person.username in csv.text

    # Assigning the same person again is refused by the server: a 409, shown as an alert.
    _, form = open_new_assignment(page)
    pick_person(form, person)
    form.get_by_role("radiogroup", name=re.compile(re.escape(QUESTION))).get_by_label(
        "Oslo"
    ).check()
    form.get_by_role("button", name="Assign").click()
    expect(form.get_by_role("alert").first).to_contain_text("already has")
    form.get_by_role("button", name="Cancel").click()

    # The catalog lists it too, filtered by person.
    page.get_by_role("link", name=setup.catalog["name"]).click()
    expect(page.get_by_role("heading", level=1, name=setup.catalog["name"])).to_be_visible()
    catalog_assignments = page.get_by_role("region", name="Assignments", exact=True)
    filters = catalog_assignments.get_by_role("search", name="Filter assignments")
    pick_person(filters, person)
    catalog_row = catalog_assignments.get_by_role(
        "row", name=re.compile(re.escape(person.username))
    )
    expect(catalog_row).to_have_count(1)
    expect(catalog_row.get_by_role("link", name=setup.package["name"])).to_be_visible()
    filtered_csv = re.compile(f"catalog_id={setup.catalog['id']}.*user_id={person.id}")
    expect(catalog_assignments.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", filtered_csv
    )
    screenshot(page, "catalog-assignments.png")

    # Removed through the package page, with a reason; the membership goes with it.
    catalog_row.get_by_role("link", name=setup.package["name"]).click()
    assignments = page.get_by_role("region", name="Assignments", exact=True)
    row = assignments.get_by_role("row", name=re.compile(re.escape(person.username)))
    row.get_by_role("button", name=f"Remove the assignment of {person_label(person)}").click()
    confirmation = assignments.get_by_role(
        "group", name=f"Remove the assignment of {person_label(person)}"
    )
    confirmation.get_by_label("Reason (optional)").fill("Left the Paris office.")
    with page.expect_response(
        lambda answer: answer.request.method == "POST" and answer.url.endswith("/remove")
    ) as answer:
        confirmation.get_by_role("button", name="Yes, remove the assignment").click()
    assert answer.value.status == 200, answer.value.text()
    expect(
        assignments.get_by_text(f"The assignment of {person_label(person)} was removed.")
    ).to_be_visible()
    expect(assignments.get_by_text("No assignments match.")).to_be_visible()
    assert person.id not in group_member_ids(admin_api, setup.group["id"])

    assignments.get_by_role("combobox", name="State").select_option(label="Removed")
    removed = assignments.get_by_role("row", name=re.compile(re.escape(person.username)))
    expect(removed.get_by_role("cell", name="Removed", exact=True)).to_be_visible()
    expect(removed.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)


def test_an_unanswered_required_question_is_refused_next_to_the_question(
    page: Page, admin_api: AdminApi
) -> None:
    setup = set_up_package(admin_api)
    approver = admin_api.create_user("approver")
    gated = post(
        admin_api,
        f"/access-packages/{setup.package['id']}/policies",
        {
            "name": unique("Approval policy"),
            "who_can_request": {"type": "all_users"},
            "approval": {
                "type": "required",
                "stages": [
                    {
                        "primary_approvers": [{"type": "user", "user_id": approver.id}],
                        "timeout_days": 7,
                    }
                ],
            },
            "lifecycle": {"expiry": {"type": "never"}},
        },
    )
    disabled = post(
        admin_api,
        f"/access-packages/{setup.package['id']}/policies",
        {
            "name": unique("Disabled policy"),
            "enabled": False,
            "who_can_request": {"type": "all_users"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        },
    )
    person = admin_api.create_user("unanswered")
    sign_in(page, demo_user("admin"))
    page.goto(f"/admin/access-packages/{setup.package['id']}")
    _, form = open_new_assignment(page)

    # The policies that cannot give access at once are offered, and say why.
    policy = form.get_by_role("combobox", name="Policy", exact=True)
    expect(policy).to_have_value(setup.policy["id"])
    policy.select_option(label=f"{gated['definition']['name']} (requires approval)")
    expect(form.get_by_text("This policy requires approval")).to_be_visible()
    policy.select_option(label=f"{disabled['definition']['name']} (disabled)")
    expect(form.get_by_text("This policy is disabled")).to_be_visible()

    # Used anyway, the disabled policy is refused by the server: a 409 shown as an alert.
    pick_person(form, person)
    with page.expect_response(
        lambda answer: answer.request.method == "POST" and answer.url.endswith("/assignments")
    ) as answer:
        form.get_by_role("button", name="Assign").click()
    assert answer.value.status == 409, answer.value.text()
    expect(form.get_by_role("alert").first).to_contain_text("The policy is disabled")
    expect(policy).to_have_attribute("aria-invalid", "true")

    # Under the policy without approval, its required question must be answered.
    policy.select_option(label=setup.policy["definition"]["name"])
    expect(form.get_by_text("This policy is disabled")).to_have_count(0)
    form.get_by_role("button", name="Assign").click()

    question = form.get_by_role("radiogroup", name=re.compile(re.escape(QUESTION)))
    expect(question).to_have_attribute("aria-invalid", "true")
    expect(question).to_have_accessible_description("This question needs an answer")
    expect(question.get_by_text("This question needs an answer")).to_be_visible()
    expect(form.get_by_role("alert").first).to_contain_text("The person was not assigned.")
    screenshot(page, "new-assignment-unanswered.png")
    assert person.id not in group_member_ids(admin_api, setup.group["id"])


def test_a_catalog_owner_who_is_not_an_administrator_picks_people_and_assigns_them(
    page: Page, admin_api: AdminApi
) -> None:
    setup = set_up_package(admin_api)
    owner = admin_api.create_user("owner")
    granted = admin_api.http.put(
        f"{admin_api.base_url}/api/v1/catalogs/{setup.catalog['id']}/roles/owner/{owner.id}",
        timeout=30,
    )
    assert granted.status_code == 204, granted.text
    person = admin_api.create_user("owned")
    sign_in(page, owner)
    page.goto(f"/admin/access-packages/{setup.package['id']}")

    assignments, form = open_new_assignment(page)
    pick_person(form, person)
    form.get_by_role("radiogroup", name=re.compile(re.escape(QUESTION))).get_by_label(
        "Oslo"
    ).check()
    form.get_by_role("button", name="Assign").click()
    row = assignments.get_by_role("row", name=re.compile(re.escape(person.username)))
    expect(row.get_by_role("cell", name="Delivered", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name=person_label(owner))).to_be_visible()
    assert person.id in group_member_ids(admin_api, setup.group["id"])

    # The owner may grant catalog roles too, picking the person the same way.
    page.goto(f"/admin/catalogs/{setup.catalog['id']}")
    roles = page.get_by_role("region", name="Roles")
    pick_person(roles, person)
    roles.get_by_label("Role", exact=True).select_option(label="Reader")
    roles.get_by_role("button", name="Grant role").click()
    expect(
        roles.get_by_role("row", name=re.compile(re.escape(person.username)))
    ).to_be_visible()
