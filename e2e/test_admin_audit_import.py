"""Importing the directory from a file and reading the audit trail, driven in Chromium.

Each test signs in on its own and imports or creates what it needs under unique names, so the
tests run in any order and next to the other browser tests on the shared server.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from playwright.sync_api import Page, expect

from combobox_helpers import pick
from conftest import AdminApi, demo_user
from review_helpers import screenshot, sign_in

IMPORTS_URL = re.compile(r"/api/v1/directory/imports$")


def admin_subnav(page: Page):
    return page.get_by_role("navigation", name="Administration")


def open_import_page(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    admin_subnav(page).get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Import")).to_be_visible()


def choose_file(page: Page, name: str, mime_type: str, content: str) -> None:
    page.get_by_label("File (JSON or CSV)").set_input_files(
        {"name": name, "mimeType": mime_type, "buffer": content.encode()}
    )


def test_an_imported_csv_is_reported_and_its_changes_are_in_the_audit_trail(page: Page) -> None:
    tag = uuid.uuid4().hex[:8]
    first, rejected, second = (f"e2e-import-{tag}-{n}" for n in (1, 2, 3))
    csv = (
        "type,username,display_name,email\n"
        f"user,{first},Imported One {tag},{first}@e2e.tessera.test\n"
        f"user,{rejected},Imported Two {tag},not-an-email\n"
        f"user,{second},Imported Three {tag},{second}@e2e.tessera.test\n"
    )
    # The audit page reads "From" to the minute, in UTC.
    started = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    sign_in(page, demo_user("admin"))

    # (a) The import: counts per kind, and the refused row with its line, field and reason.
    open_import_page(page)
    choose_file(page, "people.csv", "text/csv", csv)
    with page.expect_response(
        lambda answer: answer.request.method == "POST" and IMPORTS_URL.search(answer.url)
    ) as answer:
        page.get_by_role("button", name="Import file").click()
    assert answer.value.status == 200, answer.value.text()
    request_id = answer.value.headers["x-request-id"]

    result = page.get_by_role("region", name="Result")
    expect(result.get_by_role("status")).to_contain_text(
        "people.csv (CSV) was imported: 2 created, 0 updated, 0 unchanged, 1 rejected."
    )
    users_row = result.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Users"))
    expect(users_row.get_by_role("cell")).to_have_text(["2", "0", "0"])
    refused = result.get_by_role("row", name=re.compile("must contain '@'"))
    expect(refused).to_have_count(1)
    expect(refused.get_by_role("rowheader")).to_have_text("3")
    expect(refused.get_by_role("cell")).to_have_text(["Users", "email", "must contain '@'"])
    screenshot(page, "import-result.png")

    # (b) The audit trail, narrowed to changes of people by the administrator since the
    # import, each event a sentence with names.
    admin_subnav(page).get_by_role("link", name="Audit", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Audit")).to_be_visible()
    filters = page.get_by_role("search", name="Filters")
    pick(filters, "Person", "admin", "Ada Admin (admin)")
    filters.get_by_label("Category").select_option(label="People")
    filters.get_by_label("From (UTC)").fill(started)
    filters.get_by_role("button", name="Apply filters").click()

    events = page.get_by_role("region", name="Events")
    for n in ("One", "Three"):
        row = events.get_by_role("row", name=re.compile(re.escape(f"Ada Admin added Imported {n} {tag}.")))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("user.create")
        box = row.bounding_box()
        assert box and box["height"] < 80, f"a compact row: {box}"
    expect(events.get_by_role("row", name=re.compile(f"Imported Two {tag}"))).to_have_count(0)

    # The CSV export carries the same filters.
    download_link = events.get_by_role("link", name="Download CSV")
    expect(download_link).to_have_attribute("href", re.compile(r"action=user\.%2A"))
    with page.expect_download() as download:
        download_link.click()
    exported = Path(download.value.path()).read_text()
    assert exported.startswith("id,occurred_at,actor_id,actor_name,action,"), exported[:200]
    assert first in exported and second in exported, exported[:2000]
    assert rejected not in exported

    # What changed, field by field, shown on demand, fitting the page.
    row = events.get_by_role("row", name=re.compile(re.escape(f"added Imported One {tag}.")))
    toggle = row.get_by_role("button", name=re.compile(r"^(Show|Hide) changes$"))
    expect(toggle).to_have_text("Show changes")
    changes = page.locator(f"[id='{toggle.get_attribute('aria-controls')}']")
    expect(changes).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(toggle).to_have_text("Hide changes")
    expect(changes).to_be_visible()
    email = changes.get_by_role("row").filter(has=page.get_by_role("rowheader", name="email"))
    expect(email.get_by_role("cell")).to_have_text(["—", f"{first}@e2e.tessera.test"])
    expect(changes).to_contain_text(request_id)
    wrap = events.locator(".table-wrap")
    assert wrap.evaluate("e => e.scrollWidth - e.clientWidth") <= 0, "the events scroll sideways"
    screenshot(page, "audit-events.png")

    # Only the events about that person.
    changes.get_by_role("button", name=f"Only events about Imported One {tag}").click()
    object_filter = filters.get_by_role("combobox", name="Object", exact=True)
    expect(object_filter).to_have_value(f"Imported One {tag} (person)")
    expect(events.get_by_role("row", name=re.compile(re.escape(f"added Imported One {tag}.")))).to_have_count(1)
    expect(events.get_by_role("row", name=re.compile(f"Imported Three {tag}"))).to_have_count(0)
    filters.get_by_role("button", name="Clear Object").click()
    expect(object_filter).to_have_value("")
    expect(filters.get_by_role("button", name="Clear Object")).to_have_count(0)


def test_a_file_the_server_cannot_read_is_refused_next_to_the_file_input(page: Page) -> None:
    sign_in(page, demo_user("admin"))
    open_import_page(page)
    choose_file(
        page,
        "colours.csv",
        "text/csv",
        "type,username,colour\nuser,e2e-colour,blue\n",
    )
    with page.expect_response(
        lambda answer: answer.request.method == "POST" and IMPORTS_URL.search(answer.url)
    ) as answer:
        page.get_by_role("button", name="Import file").click()
    assert answer.value.status == 422, answer.value.text()

    expect(page.get_by_role("alert").first).to_contain_text("The file was not imported.")
    file_input = page.get_by_label("File (JSON or CSV)")
    expect(file_input).to_have_attribute("aria-invalid", "true")
    expect(file_input).to_have_accessible_description(
        re.compile(r"colour: is not a known column")
    )
    expect(page.get_by_role("region", name="Result")).to_have_count(0)
    screenshot(page, "import-refused.png")


def test_someone_who_is_not_an_administrator_sees_neither_audit_nor_import(
    page: Page, admin_api: AdminApi
) -> None:
    # A catalog owner has the administration area, for their catalogs only.
    owner = admin_api.create_user("owner")
    catalog = admin_api.http.post(
        f"{admin_api.base_url}/api/v1/catalogs",
        json={"name": f"E2E Catalog {uuid.uuid4().hex[:8]}"},
        timeout=30,
    )
    assert catalog.status_code == 201, catalog.text
    granted = admin_api.http.put(
        f"{admin_api.base_url}/api/v1/catalogs/{catalog.json()['id']}/roles/owner/{owner.id}",
        timeout=30,
    )
    assert granted.status_code == 204, granted.text

    sign_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Catalogs")).to_be_visible()
    subnav = admin_subnav(page)
    expect(subnav.get_by_role("link", name="Catalogs", exact=True)).to_be_visible()
    expect(subnav.get_by_role("link", name="Audit", exact=True)).to_have_count(0)
    expect(subnav.get_by_role("link", name="Import", exact=True)).to_have_count(0)

    # A typed address shows a plain refusal, not the trail.
    page.goto("/admin/audit")
    expect(page.get_by_role("heading", level=1, name="Audit")).to_be_visible()
    expect(page.get_by_text("Only administrators read the audit trail.")).to_be_visible()
    expect(page.get_by_role("region", name="Events")).to_have_count(0)
    expect(admin_subnav(page).get_by_role("link", name="Audit", exact=True)).to_have_count(0)
