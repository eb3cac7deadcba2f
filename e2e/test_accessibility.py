"""Every page of the portal, checked with axe-core at 1280x800 and 375x812 as each demo role sees
it: an employee (alice), a manager (maria), a guest (gina) and the administrator. Beyond the
pages as they load, the states people reach: the menus open, inline forms open, forms refused
with their errors, and empty lists. A page fails on any critical, serious or moderate violation;
all of a role's pages are visited before the test fails, and every violation is listed.

The module runs its own demo server whose scheduler runs every second, so that the demo's access
review starts at once and Maria has a review to open. Ids for the pages with one in their path
come from the demo data through the API; a connector and a webhook subscription, which the demo
does not have, are made for the module; the connector's directory is a real OpenLDAP server
(slapd_fixture.py) so that its reconciliation page has something to compare.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from accessibility import describe, violations
from conftest import AdminApi, User, demo_user, open_account_menu, serving
from review_helpers import api, screenshot
from slapd_fixture import PEOPLE, ROOT_DN, ROOT_PASSWORD, Slapd, running_slapd
from tessera_server import TesseraServer, web_dir

SIZES = {"desktop": (1280, 800), "phone": (375, 812)}
REVIEW_START_TIMEOUT_S = 30.0

ALICE = demo_user("alice")
MARIA = demo_user("maria")
GINA = demo_user("gina")
ADMIN = demo_user("admin")


@pytest.fixture(scope="module")
def tessera() -> Iterator[TesseraServer]:
    server = TesseraServer(
        web=web_dir(), name="accessibility", env={"TESSERA_JOBS__INTERVAL_SECONDS": "1"}
    )
    yield from serving(server, "accessibility server")


@pytest.fixture(scope="module")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@pytest.fixture(scope="module")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-accessibility"))


@pytest.fixture(scope="module")
def slapd() -> Iterator[Slapd]:
    yield from running_slapd()


def api_as(tessera: TesseraServer, user: User) -> requests.Session:
    http = requests.Session()
    token = tessera.create_api_token(user.username, f"e2e-a11y-{uuid.uuid4().hex[:6]}")
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def get_as(tessera: TesseraServer, http: requests.Session, path: str):
    answer = http.get(f"{tessera.base_url}/api/v1{path}", timeout=30)
    assert answer.status_code == 200, f"GET {path}: {answer.status_code} {answer.text}"
    return answer.json()


def first_id(admin_api: AdminApi, path: str) -> str:
    items = api(admin_api, "GET", path, 200)["items"]
    assert items, f"GET {path} has no items in the demo data"
    return items[0]["id"]


@dataclass
class Ids:
    packages: list[str]
    # The demo's package that needs a justification, an answer and the manager's approval.
    ledger: str
    # Alice reports to Maria in the demo.
    alice: str
    alice_request: str
    maria_review: str
    catalog: str
    group: str
    application: str
    review: str
    review_instance: str
    connector: str
    binding: str
    webhook: str
    # Alice, whose person page administrators open.
    person: str


@pytest.fixture(scope="module")
def ids(tessera: TesseraServer, admin_api: AdminApi, slapd: Slapd) -> Iterator[Ids]:
    alice = api_as(tessera, ALICE)
    maria = api_as(tessera, MARIA)
    alice_request = get_as(tessera, alice, "/me/requests")["items"][0]
    deadline = time.monotonic() + REVIEW_START_TIMEOUT_S
    while not (reviews := get_as(tessera, maria, "/me/access-reviews")["items"]):
        assert time.monotonic() < deadline, "the demo's access review did not start"
        time.sleep(0.5)
    review = first_id(admin_api, "/access-reviews")
    group = first_id(admin_api, "/groups")
    connector = api(admin_api, "POST", "/connectors", 201, {
        "name": f"E2E directory {uuid.uuid4().hex[:8]}",
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
    })
    binding = api(admin_api, "POST", f"/connectors/{connector['id']}/bindings", 201,
                  {"group_id": group, "target": slapd.add_group_of_names("e2e-a11y")})
    webhook = api(admin_api, "POST", "/webhooks", 201, {
        "url": "http://127.0.0.1:9/hooks",
        "description": "E2E accessibility",
        "event_types": ["request.submitted"],
    })
    yield Ids(
        packages=[item["id"] for item in api(admin_api, "GET", "/access-packages", 200)["items"]],
        ledger=alice_request["access_package_id"],
        alice=get_as(tessera, alice, "/me")["id"],
        alice_request=alice_request["id"],
        maria_review=reviews[0]["id"],
        catalog=first_id(admin_api, "/catalogs"),
        group=group,
        application=first_id(admin_api, "/applications"),
        review=review,
        review_instance=first_id(admin_api, f"/access-reviews/{review}/instances"),
        connector=connector["id"],
        binding=binding["id"],
        webhook=webhook["subscription"]["id"],
        person=alice_request["requester"]["id"],
    )


class Crawl:
    """Visits pages and states, collects what axe-core finds, fails once at the end."""

    def __init__(self, page: Page, size: str) -> None:
        self.page = page
        self.size = size
        self.failures: list[str] = []
        self.checked = 0

    def check(self, state: str) -> None:
        settle(self.page)
        found = violations(self.page)
        self.checked += 1
        if found:
            self.failures.append(describe(found, f"{self.page.url} ({state}, {self.size})"))

    def visit(self, path: str, state: str = "") -> None:
        self.page.goto(path)
        self.check(state or "as loaded")

    def then(self, state: str, act: Callable[[Page], None]) -> None:
        act(self.page)
        self.check(state)

    def finish(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)
        assert self.checked > 0


def settle(page: Page) -> None:
    """Waits until the page shows its heading and nothing is loading any more."""
    expect(page.locator("h1").first).to_be_visible()
    expect(page.locator(".state-loading")).to_have_count(0)


def sign_in(page: Page, user: User) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()


def open_menus(crawl: Crawl) -> None:
    """The profile menu open, and on a phone the main menu too."""
    crawl.then("account menu open", open_account_menu)
    if crawl.size == "phone":
        crawl.then("main menu open", lambda page: page.get_by_role("button", name="Menu", exact=True).click())


def personal_pages(crawl: Crawl, ids: Ids, *, request: str | None) -> None:
    for path in ("/", "/access-packages", "/requests", "/approvals", "/reviews", "/team",
                 "/notifications", "/tokens", "/password", "/no-such-page"):
        crawl.visit(path)
    for tab in ("suggested", "active", "expired"):
        crawl.visit(f"/access-packages?tab={tab}", f"the {tab} tab")
    for package in ids.packages:
        crawl.visit(f"/access-packages/{package}")
    crawl.visit("/password")
    crawl.then("change refused with its errors", submit_empty("Change password"))
    if request:
        crawl.visit(f"/requests/{request}")
    crawl.visit("/admin", "not an administrator")
    crawl.visit(f"/admin/people/{ids.person}", "not an administrator")
    open_menus(crawl)


def submit_empty(button: str) -> Callable[[Page], None]:
    """Sends the form of `button` with its fields left empty, and waits for the refusal."""

    def act(page: Page) -> None:
        page.get_by_role("button", name=button, exact=True).click()
        expect(page.locator("main [aria-invalid=true], main [role=alert]").first).to_be_visible()

    return act


@pytest.mark.parametrize("size", SIZES)
def test_the_sign_in_page_and_its_refusal_have_no_violations(page: Page, size: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    crawl = Crawl(page, size)
    crawl.visit("/sign-in")
    page.get_by_label("Username").fill(ALICE.username)
    page.get_by_label("Password").fill("not the password")
    crawl.then("wrong password", lambda page: (
        page.get_by_role("button", name="Sign in").click(),
        expect(page.get_by_role("alert")).to_be_visible(),
    ))
    crawl.finish()


@pytest.mark.parametrize("size", SIZES)
def test_an_employees_pages_have_no_violations(page: Page, ids: Ids, size: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    sign_in(page, ALICE)
    crawl = Crawl(page, size)
    personal_pages(crawl, ids, request=ids.alice_request)
    crawl.finish()


@pytest.mark.parametrize("size", SIZES)
def test_a_managers_pages_have_no_violations(page: Page, ids: Ids, size: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    sign_in(page, MARIA)
    crawl = Crawl(page, size)
    personal_pages(crawl, ids, request=ids.alice_request)
    crawl.visit("/approvals", "a request waiting for her")
    crawl.visit(f"/access-packages/{ids.ledger}", "request form")
    crawl.then("request refused with its errors", submit_empty("Submit request"))
    crawl.visit(f"/reviews/{ids.maria_review}", "her review")
    crawl.visit("/team", "her team")
    crawl.visit(f"/access-packages?for={ids.alice}", "asking for her report")
    crawl.visit(f"/access-packages/{ids.ledger}?for={ids.alice}", "request form for her report")
    screenshot(page, f"a11y-manager-review-{size}.png")
    crawl.finish()


@pytest.mark.parametrize("size", SIZES)
def test_a_guests_pages_have_no_violations(page: Page, ids: Ids, size: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    sign_in(page, GINA)
    crawl = Crawl(page, size)
    personal_pages(crawl, ids, request=None)
    crawl.finish()


@pytest.mark.parametrize("size", SIZES)
def test_a_newcomers_empty_pages_have_no_violations(
    page: Page, admin_api: AdminApi, ids: Ids, size: str
) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    sign_in(page, admin_api.create_user("newcomer"))
    crawl = Crawl(page, size)
    for path in ("/", "/requests", "/approvals", "/reviews", "/team", "/notifications", "/tokens",
                 "/access-packages?tab=suggested"):
        crawl.visit(path, "empty")
    crawl.visit(f"/access-packages?for={ids.alice}", "asking for someone who is not their report")
    crawl.finish()


def refuse_person_edit(page: Page) -> None:
    """Opens a person's edit form and saves it without a display name."""
    page.get_by_role("button", name="Edit details").click()
    form = page.get_by_role("region", name="Edit details")
    form.get_by_label("Display name").fill("   ")
    form.get_by_role("button", name="Save details").click()
    expect(form.get_by_role("alert")).to_be_visible()


def open_cancel_confirmation(page: Page) -> None:
    """Opens the confirmation of cancelling a package's first pending request."""
    pending = page.get_by_role("region", name="Pending requests")
    pending.get_by_role("button", name=re.compile(r"^Cancel the request for ")).first.click()
    expect(pending.get_by_role("group", name=re.compile(r"^Cancel the request for "))).to_be_visible()


def refuse_cancel_reason(page: Page) -> None:
    """Gives a reason too long to send: refused at its field, and nothing is canceled."""
    confirm = page.get_by_role("group", name=re.compile(r"^Cancel the request for "))
    confirm.get_by_label("Reason (optional)").fill("x" * 2001)
    confirm.get_by_role("button", name="Yes, cancel the request").click()
    expect(confirm.get_by_label("Reason (optional)")).to_have_attribute("aria-invalid", "true")


@pytest.mark.parametrize("size", SIZES)
def test_the_administrators_pages_have_no_violations(page: Page, ids: Ids, size: str) -> None:
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size])))
    sign_in(page, ADMIN)
    crawl = Crawl(page, size)
    personal_pages(crawl, ids, request=ids.alice_request)
    for path in (
        "/admin",
        "/admin/catalogs",
        f"/admin/catalogs/{ids.catalog}",
        *(f"/admin/access-packages/{package}" for package in ids.packages),
        "/admin/groups",
        f"/admin/groups/{ids.group}",
        "/admin/applications",
        f"/admin/applications/{ids.application}",
        "/admin/import",
        "/admin/audit",
        "/admin/requests",
        f"/admin/people/{ids.person}",
        "/admin/access-reviews",
        "/admin/access-reviews/new",
        f"/admin/access-reviews/{ids.review}",
        f"/admin/access-reviews/{ids.review}/edit",
        f"/admin/access-review-instances/{ids.review_instance}",
        "/admin/connectors",
        "/admin/connectors/new",
        f"/admin/connectors/{ids.connector}",
        f"/admin/connectors/{ids.connector}/bindings/{ids.binding}/reconciliation",
        "/admin/webhooks",
        f"/admin/webhooks/{ids.webhook}",
    ):
        crawl.visit(path)
    crawl.visit("/admin/access-reviews/new")
    crawl.then("new review refused with its errors", submit_empty("Save access review"))
    crawl.visit("/admin/connectors/new")
    crawl.then("new connector refused with its errors", submit_empty("Create connector"))
    crawl.visit("/admin/catalogs")
    crawl.then("new catalog refused with its errors", submit_empty("Create catalog"))
    crawl.visit(f"/admin/access-packages/{ids.ledger}", "a pending request")
    crawl.then("a pending request's cancellation asked to confirm", open_cancel_confirmation)
    crawl.then("a cancellation refused with its errors", refuse_cancel_reason)
    crawl.visit(f"/admin/people/{ids.person}")
    crawl.then("a person's edit refused with its errors", refuse_person_edit)
    crawl.visit(f"/admin/people/{ids.person}")
    crawl.then("a person's disabling asked to confirm", lambda page: page.get_by_role(
        "button", name="Disable", exact=True).click())
    crawl.visit("/admin/audit")
    crawl.then("an event's changes shown", lambda page: page.get_by_role(
        "button", name=re.compile("changes", re.I)).first.click())
    crawl.finish()
