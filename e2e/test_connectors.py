"""Connected systems, driven in Chromium against a real OpenLDAP server (slapd_fixture.py): an
administrator configures an LDAP connector, tests the connection and binds a package's group to
an LDAP group; a request for the package is approved, and its delivery turns "Done" in the
portal while the person appears in the LDAP group. A delivery that fails while the directory is
down shows the directory's error, and Retry delivers it once the directory is back.

The request and the approval go through the API (their pages have tests of their own); the
connector, the binding and the delivery status are done and seen in the browser. The module
runs on a server of its own whose provisioning worker polls often and gives up after one
attempt, so a failure shows at once.
"""

from __future__ import annotations

import re
import uuid
from typing import Iterator

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from combobox_helpers import pick
from conftest import AdminApi, User, demo_user, serving, sign_out
from slapd_fixture import PEOPLE, ROOT_DN, ROOT_PASSWORD, Slapd, running_slapd
from tessera_server import TesseraServer, web_dir
from test_admin_assignments import post, screenshot, sign_in

ADMIN = demo_user("admin")


# -- a server whose provisioning worker is quick, and a directory ------------------------------


@pytest.fixture(scope="module")
def tessera() -> Iterator[TesseraServer]:
    server = TesseraServer(
        web=web_dir(),
        name="connectors",
        env={
            "TESSERA_PROVISIONING__POLL_INTERVAL_MS": "200",
            "TESSERA_PROVISIONING__MAX_ATTEMPTS": "1",
            "TESSERA_PROVISIONING__TIMEOUT_SECONDS": "3",
        },
    )
    yield from serving(server, "connectors server")


@pytest.fixture(scope="module")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@pytest.fixture(scope="module")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-connectors"))


@pytest.fixture(scope="module")
def slapd() -> Iterator[Slapd]:
    yield from running_slapd()


# -- helpers -------------------------------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"E2E {prefix} {uuid.uuid4().hex[:8]}"


def package_approved_by(admin_api: AdminApi, approver: User) -> tuple[dict, dict, dict]:
    """A catalog with a group, a package granting membership of it, and a policy anyone may
    request through, approved by `approver`. Answers the group, the package and the policy."""
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
            "name": unique("Approved policy"),
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
    return group, package, policy


def api_as(tessera: TesseraServer, user: User) -> requests.Session:
    http = requests.Session()
    token = tessera.create_api_token(user.username, f"e2e-{uuid.uuid4().hex[:6]}")
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def request_and_approve(
    tessera: TesseraServer, requester: User, approver: User, package: dict, policy: dict
) -> None:
    made = api_as(tessera, requester).post(
        f"{tessera.base_url}/api/v1/requests",
        json={"access_package_id": package["id"], "policy_id": policy["id"], "ask": "add"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    approved = api_as(tessera, approver).post(
        f"{tessera.base_url}/api/v1/requests/{made.json()['id']}/decision",
        json={"stage": 1, "verdict": "approve"},
        timeout=30,
    )
    assert approved.status_code == 200, approved.text


def open_delivery(page: Page, package: dict, person: User) -> Locator:
    """The package's page, the person's assignment, and its delivery opened under it."""
    page.goto(f"/admin/access-packages/{package['id']}")
    expect(page.get_by_role("heading", level=1, name=package["name"])).to_be_visible()
    label = f"Delivery of {package['name']} to {person.display_name} ({person.username})"
    toggle = page.get_by_role("button", name=label)
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    return page.get_by_role("group", name=label)


# -- tests ---------------------------------------------------------------------------------------


def test_an_administrator_connects_ldap_and_an_approved_request_is_delivered_to_the_bound_group(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, slapd: Slapd
) -> None:
    approver = admin_api.create_user("approver")
    requester = admin_api.create_user("requester")
    group, package, policy = package_approved_by(admin_api, approver)
    person_dn = slapd.add_person(requester.username)
    cn = f"e2e-{uuid.uuid4().hex[:8]}"
    group_dn = slapd.add_group_of_names(cn)
    name = unique("Directory")

    # The administrator finds "Connected systems" in the administration menu and creates one.
    sign_in(page, ADMIN)
    page.goto("/admin")
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Connected systems"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Connected systems")).to_be_focused()
    page.get_by_role("link", name="New connector").click()
    expect(page.get_by_role("heading", level=1, name="New connector")).to_be_focused()
    page.get_by_label("Name", exact=True).fill(name)
    expect(page.get_by_label("LDAP directory")).to_be_checked()
    page.get_by_label("LDAP URL").fill(slapd.url)
    page.get_by_label("Bind DN").fill(ROOT_DN)
    page.get_by_label("Bind password").fill(ROOT_PASSWORD)
    page.get_by_label("Users base DN").fill(PEOPLE)
    expect(page.get_by_label("Match attribute")).to_have_value("uid")
    expect(page.get_by_label("Match people by")).to_have_value("username")
    page.get_by_label("Membership attribute").select_option(label="member (groupOfNames)")
    page.get_by_role("button", name="Create connector").click()

    # Its page (its heading drawn only once the connector is read, and focused then): the
    # secret is stored and never shown.
    expect(page.get_by_role("heading", level=1, name=name)).to_be_focused()
    secret = page.get_by_label("Bind password")
    expect(secret).to_have_value("")
    expect(page.get_by_text(re.compile(r"^Stored\. It is never shown"))).to_be_visible()
    assert ROOT_PASSWORD not in page.content()

    # Test connection.
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status").filter(has_text="The connection works.")).to_be_visible()

    # Bind the package's group to the LDAP group.
    bindings = page.get_by_role("region", name="Bindings")
    expect(bindings.get_by_text("Nothing is bound to this connector yet.")).to_be_visible()
    pick(bindings, "Group", group["name"], group["name"])
    bindings.get_by_label("LDAP group DN").fill(group_dn)
    bindings.get_by_role("button", name="Bind", exact=True).click()
    row = bindings.get_by_role("row", name=re.compile(re.escape(group["name"])))
    expect(row.get_by_role("cell", name=group_dn)).to_be_visible()
    screenshot(page, "connector-ldap.png")

    # The requester asks, the approver approves; the delivery turns "Done" on the package page.
    request_and_approve(tessera, requester, approver, package, policy)
    delivery = open_delivery(page, package, requester)
    delivered = delivery.get_by_role("row", name=re.compile(re.escape(name)))
    expect(delivered.get_by_role("cell", name=group_dn)).to_be_visible()
    expect(delivered.get_by_role("cell", name="Add", exact=True)).to_be_visible()
    expect(delivered.get_by_text("Done", exact=True)).to_be_visible()
    screenshot(page, "connector-delivery-done.png")
    assert person_dn.lower() in slapd.values(group_dn, "member")

    # Someone adds a stranger to the LDAP group by hand. The reconciliation of the binding finds
    # nobody missing and the stranger unexpected; the CSV downloads; "Apply fix" says what it
    # will change, and takes the stranger out.
    stranger = f"e2e-stranger-{uuid.uuid4().hex[:8]}"
    stranger_dn = slapd.add_person(stranger)
    slapd.add_member(group_dn, stranger_dn)
    page.goto("/admin/connectors")
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_focused()
    page.get_by_role("link", name=f"Reconcile {group['name']}").click()
    expect(page.get_by_role("heading", level=1, name="Reconciliation")).to_be_focused()
    expect(page.get_by_role("heading", level=2, name="Missing (0)")).to_be_visible()
    unexpected = page.get_by_role("region", name=re.compile(r"^Unexpected \(\d+\)$"))
    expect(unexpected.get_by_role("rowheader", name=stranger, exact=True)).to_be_visible()
    csv_href = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert csv_href
    csv = page.request.get(csv_href)
    assert csv.status == 200, csv.text()
    assert csv.headers["content-type"].startswith("text/csv")
    assert stranger in csv.text()
    screenshot(page, "connector-reconciliation.png")
    page.get_by_role("button", name="Apply fix").click()
    question = page.get_by_role("group", name=re.compile(r"^Remove \d+ members? from "))
    expect(question).to_contain_text(group_dn)
    question.get_by_role("button", name="Yes, apply the fix").click()
    expect(page.get_by_role("status").filter(has_text="The fix was applied.")).to_be_visible()
    members = slapd.values(group_dn, "member")
    assert stranger_dn.lower() not in members
    assert person_dn.lower() in members

    # The requester sees the same delivery under their own access.
    sign_out(page)
    sign_in(page, requester)
    page.goto("/access-packages?tab=active")
    mine = page.get_by_role("button", name=f"Delivery of {package['name']}")
    mine.click()
    own = page.get_by_role("group", name=f"Delivery of {package['name']}")
    expect(own.get_by_text("Done", exact=True)).to_be_visible()
    expect(own.get_by_role("button", name=re.compile("^Retry|^Skip"))).to_have_count(0)


def test_a_delivery_that_failed_while_the_directory_was_down_is_retried_by_an_administrator(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, slapd: Slapd
) -> None:
    approver = admin_api.create_user("approver")
    requester = admin_api.create_user("requester")
    group, package, policy = package_approved_by(admin_api, approver)
    person_dn = slapd.add_person(requester.username)
    group_dn = slapd.add_group_of_names(f"e2e-{uuid.uuid4().hex[:8]}")
    name = unique("Directory")
    connector = post(
        admin_api,
        "/connectors",
        {
            "name": name,
            "secret": ROOT_PASSWORD,
            "settings": {
                "kind": "ldap",
                "url": slapd.url,
                "bind_dn": ROOT_DN,
                "users_base_dn": PEOPLE,
                "match_attribute": "uid",
                "match_by": "username",
                "membership": "member",
            },
        },
    )
    post(
        admin_api,
        f"/connectors/{connector['id']}/bindings",
        {"group_id": group["id"], "target": group_dn},
    )

    slapd.stop()
    try:
        request_and_approve(tessera, requester, approver, package, policy)
        sign_in(page, ADMIN)
        delivery = open_delivery(page, package, requester)
        failed = delivery.get_by_role("row", name=re.compile(re.escape(name)))
        expect(failed.get_by_text("Failed", exact=True)).to_be_visible()
        expect(failed.get_by_text(re.compile(r"^Error: "))).to_be_visible()
        screenshot(page, "connector-delivery-failed.png")
    finally:
        slapd.run()

    failed.get_by_role("button", name=f"Retry the delivery to {name} ({group_dn})").click()
    expect(failed.get_by_text("Done", exact=True)).to_be_visible()
    assert person_dn.lower() in slapd.values(group_dn, "member")
