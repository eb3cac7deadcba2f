"""The catalog says what a person has, in Chromium at 1280x800 and 375x812: the Available list
is a compact list with a line per package, marks what the person holds ("Ends in 6 days") or
asked for ("Pending"), filters by catalog with a count per catalog; the Suggested tab lists
what colleagues of the same department hold, with why; and an administrator copies the
direct link of a hidden package.

Through the API the administrator makes two catalogs of packages with unique names, a person,
a colleague in the same department, and an approver.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Page, expect

from conftest import AdminApi, User, demo_user
from review_helpers import api, screenshot, sign_in, unique
from review_helpers import no_sideways_scroll
from tessera_server import TesseraServer

SIZES = {"desktop": (1280, 800), "phone": (375, 812)}


def package_in(admin_api: AdminApi, catalog: dict, group: dict, name: str, policy: dict,
               hidden: bool = False) -> dict:
    package = api(admin_api, "POST", f"/catalogs/{catalog['id']}/access-packages", 201,
                  {"name": name, "description": f"{name}: the way in for the people who need it"
                   " every day, described at a length that a line cannot hold at all.",
                   "hidden": hidden})
    api(admin_api, "POST", f"/access-packages/{package['id']}/resource-roles", 201,
        {"kind": "group_member", "group_id": group["id"]})
    package["policy"] = api(admin_api, "POST", f"/access-packages/{package['id']}/policies",
                            201, {"name": unique("Policy"), **policy})
    return package


def open_for(days: int) -> dict:
    return {
        "who_can_request": {"type": "all_users"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "after_days", "days": days}},
    }


def approved_by(approver: User) -> dict:
    return {
        "who_can_request": {"type": "all_users"},
        "approval": {"type": "required", "stages": [{
            "primary_approvers": [{"type": "user", "user_id": approver.id}],
            "timeout_days": 14,
        }]},
        "lifecycle": {"expiry": {"type": "never"}},
    }


def catalog_with_group(admin_api: AdminApi, name: str) -> tuple[dict, dict]:
    group = api(admin_api, "POST", "/groups", 201, {"name": unique("Marks group")})
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": name})
    api(admin_api, "POST", f"/catalogs/{catalog['id']}/resources", 201,
        {"kind": "group", "id": group["id"]})
    return catalog, group


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


@pytest.mark.parametrize("size", SIZES.keys())
def test_the_catalog_marks_what_one_has_filters_by_catalog_and_suggests_what_colleagues_have(
    page: Page, admin_api: AdminApi, tessera: TesseraServer, size: str
) -> None:
    width, height = SIZES[size]
    tag = unique("Marks").split()[-1]
    approver = admin_api.create_user("approver")
    person = admin_api.create_user("marked")
    colleague = admin_api.create_user("colleague")
    department = f"Dept {tag}"
    for someone in (person, colleague):
        api(admin_api, "PATCH", f"/users/{someone.id}", 200, {"department": department})

    first, first_group = catalog_with_group(admin_api, f"E2E First {tag}")
    second, second_group = catalog_with_group(admin_api, f"E2E Second {tag}")
    held = package_in(admin_api, first, first_group, f"{tag} Held", open_for(7))
    asked = package_in(admin_api, first, first_group, f"{tag} Asked", approved_by(approver))
    free = package_in(admin_api, first, first_group, f"{tag} Free", open_for(30))
    other = package_in(admin_api, second, second_group, f"{tag} Other", open_for(30))
    assert ask(tessera, person, held)["state"] == "delivered"
    pending = ask(tessera, person, asked)
    assert pending["state"] == "pending_approval"
    assert ask(tessera, colleague, other)["state"] == "delivered"

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, person)
    page.goto("/access-packages")
    page.get_by_role("searchbox", name="Search access packages").fill(tag)
    packages = page.get_by_role("list", name="Access packages you can request")
    expect(packages.get_by_role("listitem")).to_have_count(4)

    row = packages.get_by_role("listitem").filter(has=page.get_by_role("link", name=held["name"], exact=True))
    expect(row).to_contain_text("Ends in 6 days")
    expect(row.get_by_role("link", name=f"Request {held['name']}")).to_have_count(0)
    row = packages.get_by_role("listitem").filter(has=page.get_by_role("link", name=asked["name"], exact=True))
    expect(row.get_by_role("link", name=re.compile(r"^Pending"))).to_have_attribute(
        "href", f"/requests/{pending['id']}")
    row = packages.get_by_role("listitem").filter(has=page.get_by_role("link", name=free["name"], exact=True))
    expect(row).to_contain_text(f"E2E First {tag}")
    expect(row.get_by_role("link", name=f"Request {free['name']}")).to_be_visible()
    # One line each on a wide screen: the description is cut, not wrapped.
    if size == "desktop":
        box = row.bounding_box()
        assert box and box["height"] < 60, box
    no_sideways_scroll(page)
    screenshot(page, f"catalog-available-{size}.png")

    # The catalog filter counts what the search finds in each catalog.
    catalog = page.get_by_label("Catalog", exact=True)
    expect(catalog.locator("option")).to_have_text([
        "All catalogs (4)", f"E2E First {tag} (3)", f"E2E Second {tag} (1)"])
    catalog.select_option(label=f"E2E Second {tag} (1)")
    expect(packages.get_by_role("listitem")).to_have_count(1)
    expect(packages.get_by_role("link", name=other["name"], exact=True)).to_be_visible()

    # Suggested: what the colleague of the same department holds, with why.
    page.get_by_role("navigation", name="Access packages").get_by_role("link", name="Suggested").click()
    expect(page).to_have_url(re.compile(r"\?tab=suggested$"))
    suggested = page.get_by_role("list", name="Suggested access packages")
    row = suggested.get_by_role("listitem").filter(has=page.get_by_role("link", name=other["name"], exact=True))
    expect(row).to_contain_text(f"1 person in your department ({department}) has it")
    expect(row.get_by_role("link", name=f"Request {other['name']}")).to_be_visible()
    expect(suggested.get_by_role("link", name=held["name"], exact=True)).to_have_count(0)
    no_sideways_scroll(page)
    screenshot(page, f"catalog-suggested-{size}.png")


def test_an_administrator_copies_the_direct_link_of_a_hidden_package(
    page: Page, admin_api: AdminApi
) -> None:
    catalog, group = catalog_with_group(admin_api, unique("Hidden catalog"))
    hidden = package_in(admin_api, catalog, group, unique("Hidden"), open_for(30), hidden=True)
    shown = package_in(admin_api, catalog, group, unique("Shown"), open_for(30))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, demo_user("admin"))

    page.goto(f"/admin/access-packages/{shown['id']}")
    expect(page.get_by_role("heading", level=1, name=shown["name"])).to_be_visible()
    expect(page.get_by_label("Direct link to request this package")).to_have_count(0)

    page.goto(f"/admin/access-packages/{hidden['id']}")
    link = page.get_by_label("Direct link to request this package")
    expect(link).to_have_value(re.compile(rf"^http://127\.0\.0\.1:\d+/access-packages/{hidden['id']}$"))
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Copied to the clipboard.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link.input_value()

    # The link opens the request panel.
    page.goto(link.input_value())
    expect(page.get_by_role("heading", level=1, name=hidden["name"])).to_be_visible()
