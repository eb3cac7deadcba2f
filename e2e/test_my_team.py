"""My team, in Chromium at 1280x800 and 375x812: a manager finds "My team" in the menu, sees a
card for each direct report only (their access with its end, their requests in progress),
asks for access for a report (the list is what the manager may request for that report,
marked with what the report has) and removes a report's access with a reason, after which the
report sees it among their removed access. Someone who manages nobody has no "My team" in the
menu, and the page tells them nobody reports to them.

Through the API the administrator makes, per test run (a uuid in every name), a manager with
two direct reports, another manager with a report of their own, and a catalog whose packages'
policies let managers act for their reports or not.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import AdminApi, User, sign_out
from review_helpers import api, screenshot, sign_in, unique
from review_helpers import no_sideways_scroll
from tessera_server import TesseraServer

SIZES = {"desktop": (1280, 800), "phone": (375, 812)}


def for_reports(expiry_days: int) -> dict:
    """A policy under which managers ask for their reports and people give access up."""
    return {
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "requester": {"on_behalf_of_direct_reports": True},
        "lifecycle": {
            "expiry": {"type": "after_days", "days": expiry_days},
            "self_removal_allowed": True,
        },
    }


OWN_ONLY = {
    "who_can_request": {"type": "all_members"},
    "approval": {"type": "none"},
    "lifecycle": {"expiry": {"type": "never"}, "self_removal_allowed": True},
}


def package_in(admin_api: AdminApi, catalog: dict, group: dict, name: str, policy: dict) -> dict:
    package = api(admin_api, "POST", f"/catalogs/{catalog['id']}/access-packages", 201,
                  {"name": name, "description": f"{name} for the team."})
    api(admin_api, "POST", f"/access-packages/{package['id']}/resource-roles", 201,
        {"kind": "group_member", "group_id": group["id"]})
    package["policy"] = api(admin_api, "POST", f"/access-packages/{package['id']}/policies",
                            201, {"name": unique("Policy"), **policy})
    return package


def report_to(admin_api: AdminApi, person: User, manager: User) -> None:
    api(admin_api, "PATCH", f"/users/{person.id}", 200, {"manager_id": manager.id})


def ask(tessera: TesseraServer, person: User, package: dict) -> dict:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {tessera.create_api_token(person.username, 'e2e')}"
    made = http.post(
        f"{tessera.base_url}/api/v1/requests",
        json={"access_package_id": package["id"], "policy_id": package["policy"]["id"],
              "ask": "add"},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return made.json()


def main_menu_link(page: Page, size: str, name: str):
    """The main menu's link `name`, with the menu opened first on a phone."""
    if size == "phone":
        menu = page.get_by_role("button", name="Menu", exact=True)
        if menu.get_attribute("aria-expanded") != "true":
            menu.click()
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def card_of(page: Page, person: User):
    return page.get_by_role("list", name="Your direct reports").get_by_role(
        "listitem").filter(has=page.get_by_role("heading", level=2, name=person.display_name))


@pytest.mark.parametrize("size", SIZES.keys())
def test_a_manager_sees_their_reports_asks_for_access_for_one_and_removes_anothers(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, size: str
) -> None:
    width, height = SIZES[size]
    tag = unique("Team").split()[-1]
    manager = admin_api.create_user("manager")
    first = admin_api.create_user("report")
    second = admin_api.create_user("report")
    other_manager = admin_api.create_user("boss")
    stranger = admin_api.create_user("stranger")
    for person in (first, second):
        report_to(admin_api, person, manager)
    report_to(admin_api, stranger, other_manager)

    group = api(admin_api, "POST", "/groups", 201, {"name": f"E2E Team group {tag}"})
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": f"E2E Team catalog {tag}"})
    api(admin_api, "POST", f"/catalogs/{catalog['id']}/resources", 201,
        {"kind": "group", "id": group["id"]})
    wiki = package_in(admin_api, catalog, group, f"{tag} Wiki", for_reports(30))
    handbook = package_in(admin_api, catalog, group, f"{tag} Handbook", for_reports(30))
    own_only = package_in(admin_api, catalog, group, f"{tag} Own only", OWN_ONLY)
    assert ask(tessera, first, wiki)["state"] == "delivered"
    assert ask(tessera, first, own_only)["state"] == "delivered"
    assert ask(tessera, stranger, wiki)["state"] == "delivered"

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, manager)
    main_menu_link(page, size, "My team").click()
    expect(page.get_by_role("heading", level=1, name="My team")).to_be_visible()

    # A card for each direct report, by name; another manager's report is not there.
    team = page.get_by_role("list", name="Your direct reports")
    expected = sorted([first.display_name, second.display_name], key=str.lower)
    expect(team.get_by_role("heading", level=2)).to_have_text(expected)
    expect(page.get_by_text(stranger.display_name)).to_have_count(0)
    firsts = card_of(page, first)
    expect(firsts).to_contain_text(f"{first.username}@e2e.tessera.test")
    access = firsts.get_by_role("listitem").filter(has_text=wiki["name"])
    expect(access).to_contain_text(f"E2E Team catalog {tag}")
    expect(access).to_contain_text(re.compile(r"Ends \d{4}-\d\d-\d\d \d\d:\d\d.*\(in (29|30) days\)"))
    # Managers remove only what the policy lets them.
    expect(firsts.get_by_role("button", name=f"Remove {wiki['name']} from {first.display_name}")).to_be_visible()
    expect(firsts.get_by_role("button", name=f"Remove {own_only['name']} from {first.display_name}")).to_have_count(0)
    no_sideways_scroll(page)
    screenshot(page, f"my-team-{size}.png")

    # Asking for access for the second report lists what the manager may request for them.
    card_of(page, second).get_by_role("link", name=f"Request access for {second.display_name}").click()
    expect(page).to_have_url(re.compile(rf"/access-packages\?for={second.id}$"))
    expect(page.get_by_text(f"You are asking for {second.display_name}.")).to_be_visible()
    expect(page.get_by_role("link", name="Back to My team")).to_be_visible()
    page.get_by_role("searchbox", name="Search access packages").fill(tag)
    packages = page.get_by_role("list", name="Access packages you can request for them")
    expect(packages.get_by_role("link", name=re.compile(rf"^{tag} "))).to_have_text(
        [handbook["name"], wiki["name"]])
    no_sideways_scroll(page)
    packages.get_by_role("link", name=f"Request {wiki['name']}").click()
    request_for = page.get_by_role("group", name="Request for")
    expect(request_for.get_by_label("Someone who reports to me")).to_be_checked()
    expect(request_for.get_by_role("combobox", name="Person", exact=True)).to_have_value(second.id)
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", level=2, name="Request submitted")).to_be_visible()
    no_sideways_scroll(page)

    # The first report's list is theirs: the wiki is marked as theirs, not the second's.
    page.goto(f"/access-packages?for={first.id}")
    page.get_by_role("searchbox", name="Search access packages").fill(tag)
    packages = page.get_by_role("list", name="Access packages you can request for them")
    row = packages.get_by_role("listitem").filter(has=page.get_by_role("link", name=wiki["name"], exact=True))
    expect(row).to_contain_text(re.compile(r"Ends in (29|30) days"))
    expect(row.get_by_role("link", name=f"Request {wiki['name']}")).to_have_count(0)

    # Back on My team, the second report has the wiki now; the first's is removed with a reason.
    page.goto("/team")
    expect(card_of(page, second).get_by_role("listitem").filter(has_text=wiki["name"])).to_be_visible()
    firsts = card_of(page, first)
    firsts.get_by_role("button", name=f"Remove {wiki['name']} from {first.display_name}").click()
    form = page.get_by_role("form", name=f"Remove {first.display_name}'s access to {wiki['name']}")
    form.get_by_role("button", name="Remove access").click()
    expect(form.get_by_label(re.compile(r"^Reason"))).to_have_attribute("aria-invalid", "true")
    form.get_by_label(re.compile(r"^Reason")).fill("Moved to another team.")
    form.get_by_role("button", name="Remove access").click()
    expect(page.get_by_text(f"{first.display_name}'s access to {wiki['name']} was removed.")).to_be_visible()
    expect(card_of(page, first).get_by_role("listitem").filter(has_text=wiki["name"])).to_have_count(0)
    expect(card_of(page, first).get_by_role("listitem").filter(has_text=own_only["name"])).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, f"my-team-removed-{size}.png")

    # The report sees it among their removed access, ended by the manager.
    sign_out(page)
    sign_in(page, first)
    page.goto("/access-packages?tab=expired")
    removed = page.get_by_role("region", name="Removed")
    row = removed.get_by_role("row").filter(has_text=wiki["name"])
    expect(row).to_contain_text(manager.display_name)
    expect(main_menu_link(page, size, "My team")).to_have_count(0)


@pytest.mark.parametrize("size", SIZES.keys())
def test_someone_who_manages_nobody_has_no_team(
    page: Page, admin_api: AdminApi, size: str
) -> None:
    width, height = SIZES[size]
    person = admin_api.create_user("loner")
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, person)
    expect(main_menu_link(page, size, "Access packages")).to_be_visible()
    expect(main_menu_link(page, size, "My team")).to_have_count(0)
    page.goto("/team")
    expect(page.get_by_role("heading", level=1, name="My team")).to_be_visible()
    expect(page.get_by_text("Nobody reports to you.")).to_be_visible()
    no_sideways_scroll(page)
    # Nor may they list what to request for someone else: the server refuses the list, and
    # the page says why in the server's words.
    page.goto(f"/access-packages?for={person.id}")
    expect(page.get_by_role("alert")).to_contain_text("This person is not one of your direct reports.")
    expect(page.get_by_role("list", name="Access packages you can request for them")).to_have_count(0)
