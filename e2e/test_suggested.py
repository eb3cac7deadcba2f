"""The Suggested tab of the access packages page, in Chromium at 1280x800 and 375x812: a person
reaches it from the tab links (by keyboard too, and by its address), sees what the people
with their manager, of their department and reporting to them hold and what they had
themselves, each with why in a sentence, requests a suggestion from the tab, and after that it
is no longer suggested. Someone with nobody to compare with is told why nothing is suggested,
and someone who manages nobody, opening the list "for" another person, is told that person is
not one of their direct reports rather than that "some fields are not valid".

Through the API the administrator makes, per test run (a uuid in every name), a manager, the
person, two peers with the same manager, a colleague of the same (unique) department and a
report of the person's, and a catalog of packages any member may request.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import AdminApi, User
from review_helpers import api, screenshot, sign_in, unique
from review_helpers import no_sideways_scroll
from tessera_server import TesseraServer

SIZES = {"desktop": (1280, 800), "phone": (375, 812)}

OPEN = {
    "who_can_request": {"type": "all_members"},
    "approval": {"type": "none"},
    "lifecycle": {"expiry": {"type": "never"}, "self_removal_allowed": True},
}


def package_in(admin_api: AdminApi, catalog: dict, group: dict, name: str) -> dict:
    package = api(admin_api, "POST", f"/catalogs/{catalog['id']}/access-packages", 201,
                  {"name": name, "description": f"{name}, for the team."})
    api(admin_api, "POST", f"/access-packages/{package['id']}/resource-roles", 201,
        {"kind": "group_member", "group_id": group["id"]})
    package["policy"] = api(admin_api, "POST", f"/access-packages/{package['id']}/policies",
                            201, {"name": unique("Policy"), **OPEN})
    return package


def as_person(tessera: TesseraServer, person: User) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {tessera.create_api_token(person.username, 'e2e')}"
    return http


def ask(tessera: TesseraServer, person: User, package: dict, ask: str = "add") -> dict:
    body = {"access_package_id": package["id"], "ask": ask}
    if ask == "add":
        body["policy_id"] = package["policy"]["id"]
    made = as_person(tessera, person).post(
        f"{tessera.base_url}/api/v1/requests", json=body, timeout=30)
    assert made.status_code == 201, made.text
    return made.json()


@pytest.mark.parametrize("size", SIZES.keys())
def test_the_suggested_tab_says_why_and_requests_a_suggestion(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, size: str
) -> None:
    width, height = SIZES[size]
    tag = unique("Suggested").split()[-1]
    boss = admin_api.create_user("boss")
    person = admin_api.create_user("suggested")
    peers = [admin_api.create_user("peer"), admin_api.create_user("peer")]
    colleague = admin_api.create_user("colleague")
    report = admin_api.create_user("report")
    department = f"Dept {tag}"
    for someone in (person, *peers):
        api(admin_api, "PATCH", f"/users/{someone.id}", 200, {"manager_id": boss.id})
    for someone in (person, colleague):
        api(admin_api, "PATCH", f"/users/{someone.id}", 200, {"department": department})
    api(admin_api, "PATCH", f"/users/{report.id}", 200, {"manager_id": person.id})

    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Suggested group")})
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": f"E2E Suggested {tag}"})
    api(admin_api, "POST", f"/catalogs/{catalog['id']}/resources", 201,
        {"kind": "group", "id": group["id"]})
    team_tools = package_in(admin_api, catalog, group, f"{tag} Team tools")
    reports_kit = package_in(admin_api, catalog, group, f"{tag} Reports kit")
    old_wiki = package_in(admin_api, catalog, group, f"{tag} Old wiki")
    for peer in peers:
        assert ask(tessera, peer, team_tools)["state"] == "delivered"
    assert ask(tessera, colleague, team_tools)["state"] == "delivered"
    assert ask(tessera, report, reports_kit)["state"] == "delivered"
    assert ask(tessera, person, old_wiki)["state"] == "delivered"
    ask(tessera, person, old_wiki, "remove")

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, person)
    page.goto("/access-packages")
    tabs = page.get_by_role("navigation", name="Access packages")
    expect(tabs.get_by_role("link", name="Available")).to_have_attribute("aria-current", "page")
    # The tab links work from the keyboard.
    tabs.get_by_role("link", name="Suggested").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/access-packages\?tab=suggested$"))
    expect(tabs.get_by_role("link", name="Suggested")).to_have_attribute("aria-current", "page")

    suggested = page.get_by_role("list", name="Suggested access packages")
    # The most people first, then what one had.
    expect(suggested.get_by_role("link", name=re.compile(rf"^{tag} "))).to_have_text(
        [team_tools["name"], reports_kit["name"], old_wiki["name"]])
    row = suggested.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=team_tools["name"], exact=True))
    expect(row).to_contain_text(
        f"1 person in your department ({department}) has it. 2 people with your manager have it.")
    row = suggested.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=reports_kit["name"], exact=True))
    expect(row).to_contain_text("1 of your direct reports has it.")
    row = suggested.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=old_wiki["name"], exact=True))
    expect(row).to_contain_text(re.compile(r"You had it until \d{1,2} [A-Z][a-z]{2}\."))
    no_sideways_scroll(page)
    screenshot(page, f"suggested-{size}.png")

    # Requested from the tab, through the same request panel as the Available list.
    suggested.get_by_role("link", name=f"Request {team_tools['name']}").click()
    expect(page).to_have_url(re.compile(rf"/access-packages/{team_tools['id']}$"))
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_role("heading", level=2, name="Request submitted")).to_be_visible()

    # Deep-linked, the tab no longer suggests what one now has.
    page.goto("/access-packages?tab=suggested")
    expect(suggested.get_by_role("link", name=re.compile(rf"^{tag} "))).to_have_text(
        [reports_kit["name"], old_wiki["name"]])
    no_sideways_scroll(page)


@pytest.mark.parametrize("size", SIZES.keys())
def test_nothing_suggested_says_why_and_a_non_manager_asking_for_someone_is_told_why_not(
    page: Page, admin_api: AdminApi, size: str
) -> None:
    width, height = SIZES[size]
    loner = admin_api.create_user("loner")
    stranger = admin_api.create_user("stranger")
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, loner)

    page.goto("/access-packages?tab=suggested")
    expect(page.get_by_text("Nothing to suggest yet.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Nobody in your department, with your manager or reporting to you"))).to_be_visible()
    screenshot(page, f"suggested-empty-{size}.png")

    page.goto(f"/access-packages?for={stranger.id}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("You cannot request access for this person.")
    expect(alert).to_contain_text("This person is not one of your direct reports.")
    expect(page.get_by_text("Some fields are not valid")).to_have_count(0)
    expect(page.get_by_role("searchbox", name="Search access packages")).to_have_count(0)
    # Someone who manages nobody is not sent back to a team page they do not have.
    expect(page.get_by_role("link", name="Back to My team")).to_have_count(0)
    expect(page.get_by_role("link", name="Request for yourself instead").first).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, f"not-a-report-{size}.png")
