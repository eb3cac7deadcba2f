"""My Access, driven in Chromium: a person finds an access package, asks for it (answering its
question), follows the request; the approver sees it on the overview and approves it; the person
then holds the package and gives it up. A hidden package opens by its direct link.

Each test makes what it needs under unique names through the API, so the tests run in any order
and next to the other browser tests on the shared server. The demo users alice (requester) and
bob (approver) only ever act on these packages here.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import requests
from playwright.sync_api import Page, expect

from conftest import sign_out, AdminApi, User, demo_user
from review_helpers import screenshot, sign_in
from tessera_server import TesseraServer

QUESTION = "Employee number"
ALICE = demo_user("alice")
BOB = User(username="bob", password=ALICE.password, display_name="Bob Builder")


def unique(prefix: str) -> str:
    return f"E2E {prefix} {uuid.uuid4().hex[:8]}"


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def post(admin_api: AdminApi, path: str, body: dict) -> dict:
    answer = admin_api.http.post(f"{admin_api.base_url}/api/v1{path}", json=body, timeout=30)
    assert answer.status_code == 201, f"POST {path}: {answer.status_code} {answer.text}"
    return answer.json()


def user_id(admin_api: AdminApi, username: str) -> str:
    answer = admin_api.http.get(
        f"{admin_api.base_url}/api/v1/people", params={"q": username, "limit": 200}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    found = [person for person in answer.json()["items"] if person["username"] == username]
    assert len(found) == 1, f"{username} not found: {answer.text}"
    return found[0]["id"]


@dataclass
class Setup:
    group: dict
    package: dict
    policy: dict


def approved_by_bob_with_a_question(admin_api: AdminApi) -> dict:
    """One approval stage decided by bob, one required question, access for 30 days that its
    holder may give up."""
    return {
        "approval": {
            "type": "required",
            "stages": [
                {
                    "primary_approvers": [{"type": "user", "user_id": user_id(admin_api, "bob")}],
                    "timeout_days": 7,
                }
            ],
        },
        "requester": {
            "questions": [
                {
                    "type": "short_text",
                    "id": "employee_number",
                    "text": QUESTION,
                    "required": True,
                    "regex": "[0-9]{4,6}",
                }
            ]
        },
        "lifecycle": {
            "expiry": {"type": "after_days", "days": 30},
            "self_removal_allowed": True,
        },
    }


def set_up_package(
    admin_api: AdminApi, *, hidden: bool = False, rules: dict | None = None
) -> Setup:
    """A catalog with a group, a package granting membership of it, and a policy anyone may
    request through, whose approval, requester and lifecycle sections are `rules` (by default
    [`approved_by_bob_with_a_question`])."""
    group = post(admin_api, "/groups", {"name": unique("Group")})
    catalog = post(admin_api, "/catalogs", {"name": unique("Catalog")})
    post(admin_api, f"/catalogs/{catalog['id']}/resources", {"kind": "group", "id": group["id"]})
    package = post(
        admin_api,
        f"/catalogs/{catalog['id']}/access-packages",
        {
            "name": unique("Hidden package" if hidden else "Package"),
            "description": "Made by the My Access browser test.",
            "hidden": hidden,
        },
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
            "name": unique("Staff policy"),
            "who_can_request": {"type": "all_users"},
            **(rules if rules is not None else approved_by_bob_with_a_question(admin_api)),
        },
    )
    return Setup(group=group, package=package, policy=policy)


def test_a_request_is_found_submitted_approved_delivered_and_given_up(
    page: Page, admin_api: AdminApi
) -> None:
    setup = set_up_package(admin_api)
    name = setup.package["name"]

    # Alice finds the package by searching the server.
    sign_in(page, ALICE)
    main_nav(page).get_by_role("link", name="Access packages", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Access packages")).to_be_visible()
    page.get_by_role("searchbox", name="Search access packages").fill(name)
    packages = page.get_by_role("list", name="Access packages you can request")
    expect(packages.get_by_role("listitem")).to_have_count(1)
    expect(packages.get_by_text(f"Gives: Member of {setup.group['name']}")).to_be_visible()
    screenshot(page, "my-access-available.png")
    packages.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()

    # The request panel says what the policy asks; submitted unanswered, the required question
    # is refused next to its input.
    form = page.get_by_role("form", name="Request access")
    expect(form.get_by_text("Needs approval.")).to_be_visible()
    expect(form.get_by_text("access ends 30 days after it starts")).to_be_visible()
    answer = form.get_by_label(QUESTION)
    expect(answer).to_have_attribute("aria-required", "true")
    form.get_by_role("button", name="Submit request").click()
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(answer).to_have_accessible_description(re.compile(r"needs an answer", re.IGNORECASE))
    screenshot(page, "my-access-request-refused.png")

    # An answer of the wrong form is refused by the server (the portal has no pattern engine of
    # its own), next to the answer all the same.
    answer.fill("12")
    form.get_by_label("Justification").fill("I close the books this quarter.")
    with page.expect_response(
        lambda response: response.request.method == "POST"
        and response.url.endswith("/api/v1/requests")
    ) as refused:
        form.get_by_role("button", name="Submit request").click()
    assert refused.value.status == 422, refused.value.text()
    expect(answer).to_have_attribute("aria-invalid", "true")
    expect(answer).to_have_accessible_description(
        re.compile(r"does not have the form this question expects", re.IGNORECASE)
    )

    # Answered properly, it is submitted with an Idempotency-Key and waits for bob.
    answer.fill("12345")
    form.get_by_label("Justification").fill("I close the books this quarter.")
    with page.expect_response(
        lambda response: response.request.method == "POST"
        and response.url.endswith("/api/v1/requests")
    ) as submitted:
        form.get_by_role("button", name="Submit request").click()
    assert submitted.value.status == 201, submitted.value.text()
    assert submitted.value.request.header_value("Idempotency-Key")
    expect(page.get_by_role("status").filter(has_text="waits for approval")).to_be_visible()
    screenshot(page, "my-access-request-submitted.png")

    # It is in the request history, pending; its page shows the answer and the approver.
    main_nav(page).get_by_role("link", name="Request history", exact=True).click()
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(row).to_have_count(1)
    expect(row.get_by_text("Pending approval")).to_be_visible()
    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    expect(page.get_by_role("region", name="Answers")).to_contain_text("12345")
    expect(page.get_by_role("region", name="Approval")).to_contain_text("Bob Builder")
    expect(page.get_by_role("button", name="Cancel request")).to_be_visible()
    screenshot(page, "my-access-request-detail.png")
    sign_out(page)

    # Bob sees it waiting on his overview and decides it on the Approvals page.
    sign_in(page, BOB)
    approvals_card = page.get_by_role("region", name="Approvals waiting")
    expect(approvals_card.get_by_role("link", name=name)).to_be_visible()
    screenshot(page, "my-access-overview-approver.png")
    main_nav(page).get_by_role("link", name="Approvals", exact=True).click()
    # The list may hold other requests for bob: open this one in the details pane.
    page.get_by_role("link", name=f"{name} for Alice Analyst").click()
    card = page.get_by_role("article", name=re.compile(re.escape(name)))
    expect(card).to_contain_text("Alice Analyst (alice)")
    expect(card).to_contain_text("I close the books this quarter.")
    expect(card).to_contain_text("12345")
    card.get_by_label("Your justification").fill("Confirmed with the finance lead.")
    screenshot(page, "my-access-approval.png")
    with page.expect_response(
        lambda response: response.request.method == "POST" and "/decision" in response.url
    ) as decided:
        card.get_by_role("button", name="Approve").click()
    assert decided.value.status == 200, decided.value.text()
    expect(
        page.get_by_role("status").filter(
            has_text=f"You approved the request of Alice Analyst for {name}."
        )
    ).to_be_visible()
    expect(card).to_have_count(0)
    page.get_by_role("navigation", name="Approvals").get_by_role("link", name="History").click()
    history_row = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(history_row).to_contain_text("Approved")
    sign_out(page)

    # Alice's request is delivered, and she holds the package.
    sign_in(page, ALICE)
    main_nav(page).get_by_role("link", name="Request history", exact=True).click()
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(row.get_by_text("Delivered")).to_be_visible()
    main_nav(page).get_by_role("link", name="Access packages", exact=True).click()
    page.get_by_role("navigation", name="Access packages").get_by_role(
        "link", name="Active"
    ).click()
    held = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(held).to_have_count(1)
    expect(held.get_by_role("button", name=f"Extend {name}")).to_be_visible()

    # The policy does not allow extensions, and the panel says so before anything is sent.
    held.get_by_role("button", name=f"Extend {name}").click()
    extend = page.get_by_role("form", name=f"Extend your access to {name}")
    expect(extend.get_by_text("does not allow extending it")).to_be_visible()
    expect(extend.get_by_role("button", name="Request extension")).to_have_count(0)
    extend.get_by_role("button", name="Cancel").click()
    expect(extend).to_have_count(0)

    # The policy lets her give it up: Remove, confirmed.
    held.get_by_role("button", name=f"Remove {name}").click()
    confirm = page.get_by_role("form", name=f"Remove your access to {name}")
    expect(confirm.get_by_text("You lose the access at once.")).to_be_visible()
    screenshot(page, "my-access-remove.png")
    confirm.get_by_role("button", name="Yes, remove my access").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Your access to {name} was removed.")
    ).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(re.escape(name)))).to_have_count(0)

    page.get_by_role("navigation", name="Access packages").get_by_role(
        "link", name="Expired"
    ).click()
    removed = page.get_by_role("region", name="Removed")
    expect(removed.get_by_role("row", name=re.compile(re.escape(name)))).to_have_count(1)


def test_a_hidden_package_is_not_listed_but_opens_by_its_direct_link(
    page: Page, admin_api: AdminApi
) -> None:
    setup = set_up_package(admin_api, hidden=True)
    name = setup.package["name"]
    sign_in(page, ALICE)

    page.goto("/access-packages")
    page.get_by_role("searchbox", name="Search access packages").fill(name)
    expect(page.get_by_text(f"No access package matches “{name}”.")).to_be_visible()

    page.goto(f"/access-packages/{setup.package['id']}")
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    form = page.get_by_role("form", name="Request access")
    expect(form.get_by_label(QUESTION)).to_be_visible()
    expect(form.get_by_role("button", name="Submit request")).to_be_visible()
    screenshot(page, "my-access-hidden-package.png")


def test_a_manager_asks_for_a_direct_report_who_gets_the_access_at_once(
    page: Page, admin_api: AdminApi
) -> None:
    setup = set_up_package(
        admin_api,
        rules={
            "approval": {"type": "none"},
            "requester": {"on_behalf_of_direct_reports": True},
            "lifecycle": {"expiry": {"type": "after_days", "days": 30}},
        },
    )
    name = setup.package["name"]
    bob = user_id(admin_api, "bob")
    sign_in(page, demo_user("maria"))

    page.goto(f"/access-packages/{setup.package['id']}")
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    own_form = page.get_by_role("form", name="Request access")
    expect(own_form.get_by_text("No approval needed")).to_be_visible()
    request_for = page.get_by_role("group", name="Request for")
    request_for.get_by_label("Someone who reports to me").check()
    request_for.get_by_role("combobox", name="Person", exact=True).select_option(
        label="Bob Builder (bob)"
    )
    form = page.get_by_role("form", name="Request access")
    with page.expect_response(
        lambda response: response.request.method == "POST"
        and response.url.endswith("/api/v1/requests")
    ) as submitted:
        form.get_by_role("button", name="Submit request").click()
    assert submitted.value.status == 201, submitted.value.text()
    assert submitted.value.request.post_data_json["target_user_id"] == bob
    expect(page.get_by_role("status").filter(has_text="was granted")).to_be_visible()
    screenshot(page, "my-access-on-behalf.png")

    members = admin_api.http.get(
        f"{admin_api.base_url}/api/v1/groups/{setup.group['id']}/members",
        params={"limit": 200},
        timeout=30,
    )
    assert members.status_code == 200, members.text
    assert bob in {member["user_id"] for member in members.json()["items"]}

    # Asked again for the same report, the panel says what stands in the way.
    page.reload()
    page.get_by_role("group", name="Request for").get_by_label("Someone who reports to me").check()
    page.get_by_role("group", name="Request for").get_by_role(
        "combobox", name="Person", exact=True
    ).select_option(label="Bob Builder (bob)")
    expect(page.get_by_text("Bob Builder (bob) already has this package.")).to_be_visible()


def api_as(tessera: TesseraServer, username: str) -> requests.Session:
    http = requests.Session()
    token = tessera.create_api_token(username, f"e2e-{uuid.uuid4().hex[:6]}")
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def test_a_denied_request_shows_the_decision_and_is_resubmitted_with_its_answers(
    page: Page, admin_api: AdminApi, tessera: TesseraServer
) -> None:
    setup = set_up_package(admin_api)
    name = setup.package["name"]
    base = tessera.base_url

    # Alice asks through the API; bob denies it through the API, saying why.
    alice = api_as(tessera, "alice")
    made = alice.post(
        f"{base}/api/v1/requests",
        json={
            "access_package_id": setup.package["id"],
            "policy_id": setup.policy["id"],
            "ask": "add",
            "justification": "Audit season.",
            "answers": [{"question_id": "employee_number", "value": "4711"}],
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    request_id = made.json()["id"]
    denied = api_as(tessera, "bob").post(
        f"{base}/api/v1/requests/{request_id}/decision",
        json={"stage": 1, "verdict": "deny", "justification": "Use the shared ledger instead."},
        timeout=30,
    )
    assert denied.status_code == 200, denied.text

    # Alice reads the decision and its reason on the request's page, and asks again.
    sign_in(page, ALICE)
    page.goto(f"/requests/{request_id}")
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    approval = page.get_by_role("region", name="Approval")
    expect(approval).to_contain_text("Denied by Bob Builder (bob)")
    expect(approval).to_contain_text("Use the shared ledger instead.")
    expect(page.get_by_role("button", name="Cancel request")).to_have_count(0)
    screenshot(page, "my-access-denied-request.png")
    page.get_by_role("link", name="Resubmit").click()

    # The panel is filled in from the denied request.
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()
    form = page.get_by_role("form", name="Request access")
    expect(form.get_by_label(QUESTION)).to_have_value("4711")
    expect(form.get_by_label("Justification")).to_have_value("Audit season.")
    form.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("status").filter(has_text="waits for approval")).to_be_visible()
    page.get_by_role("link", name="Follow it in Request history").click()
    expect(page.get_by_role("button", name="Cancel request")).to_be_visible()

    # Withdrawn again before anyone decides.
    page.get_by_role("button", name="Cancel request").click()
    page.get_by_label("Reason").fill("Asked by mistake.")
    page.get_by_role("button", name="Yes, cancel the request").click()
    expect(page.get_by_role("status").filter(has_text="The request was canceled.")).to_be_visible()
    expect(page.get_by_role("region", name="Summary")).to_contain_text("Canceled")


def test_an_approval_decided_too_late_says_so_and_leaves_the_list(
    page: Page, admin_api: AdminApi, tessera: TesseraServer
) -> None:
    setup = set_up_package(admin_api)
    name = setup.package["name"]
    base = tessera.base_url
    alice = api_as(tessera, "alice")
    made = alice.post(
        f"{base}/api/v1/requests",
        json={
            "access_package_id": setup.package["id"],
            "policy_id": setup.policy["id"],
            "ask": "add",
            "answers": [{"question_id": "employee_number", "value": "4711"}],
        },
        timeout=30,
    )
    assert made.status_code == 201, made.text

    sign_in(page, BOB)
    page.goto(f"/approvals?request={made.json()['id']}")
    card = page.get_by_role("article", name=re.compile(re.escape(name)))
    expect(card).to_be_visible()

    # While bob reads, alice withdraws the request.
    canceled = alice.post(f"{base}/api/v1/requests/{made.json()['id']}/cancel", json={}, timeout=30)
    assert canceled.status_code == 200, canceled.text

    with page.expect_response(
        lambda response: response.request.method == "POST" and "/decision" in response.url
    ) as decided:
        card.get_by_role("button", name="Approve").click()
    assert decided.value.status == 409, decided.value.text()
    alert = page.get_by_role("alert").filter(has_text="no longer waits for your decision")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("canceled")
    expect(card).to_have_count(0)
    screenshot(page, "my-access-approval-too-late.png")


def test_access_ending_soon_is_on_the_overview_and_extended_from_there(
    page: Page, admin_api: AdminApi, tessera: TesseraServer
) -> None:
    setup = set_up_package(
        admin_api,
        rules={
            "approval": {"type": "none"},
            "requester": {"justification_required": True},
            "lifecycle": {
                "expiry": {"type": "after_days", "days": 7},
                "extension": {"type": "allowed", "approval_required": False},
            },
        },
    )
    name = setup.package["name"]
    made = api_as(tessera, "alice").post(
        f"{tessera.base_url}/api/v1/requests",
        json={
            "access_package_id": setup.package["id"],
            "policy_id": setup.policy["id"],
            "ask": "add",
            "justification": "Covering for a colleague.",
        },
        timeout=30,
    )
    assert made.status_code == 201, made.text
    assert made.json()["state"] == "delivered", made.text

    sign_in(page, ALICE)
    expiring = page.get_by_role("region", name="Access expiring soon")
    expect(expiring).to_contain_text(name)
    expiring.get_by_role("link", name=f"Extend {name}").click()

    # The Active tab opens with the extension of that access, which its policy allows.
    expect(page.get_by_role("heading", level=1, name="Access packages")).to_be_visible()
    extend = page.get_by_role("form", name=f"Extend your access to {name}")
    expect(extend.get_by_text("An extension needs no approval.")).to_be_visible()
    justification = extend.get_by_label("Justification")
    expect(justification).to_have_attribute("aria-required", "true")
    extend.get_by_role("button", name="Request extension").click()
    expect(justification).to_have_attribute("aria-invalid", "true")
    expect(justification).to_have_accessible_description(
        re.compile("requires a justification", re.IGNORECASE)
    )
    justification.fill("Still covering.")
    with page.expect_response(
        lambda response: response.request.method == "POST"
        and response.url.endswith("/api/v1/requests")
    ) as submitted:
        extend.get_by_role("button", name="Request extension").click()
    assert submitted.value.status == 201, submitted.value.text()
    assert submitted.value.request.post_data_json["ask"] == "extend"
    expect(
        page.get_by_role("status").filter(has_text=f"Your access to {name} was extended.")
    ).to_be_visible()
    screenshot(page, "my-access-extended.png")
