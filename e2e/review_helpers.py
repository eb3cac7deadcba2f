"""Helpers the browser tests share: unique names, screenshots, signing in and out through the
page, and calls to the API as the administrator. Taking a screenshot and signing in also check the
page with axe-core (accessibility.py)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from accessibility import assert_accessible
from conftest import sign_out, ARTIFACTS, AdminApi, User


def unique(prefix: str) -> str:
    return f"E2E {prefix} {uuid.uuid4().hex[:8]}"


def screenshot(page: Page, name: str) -> None:
    """Saves a full-page screenshot to e2e/.artifacts and checks the page with axe-core."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    assert_accessible(page, f"screenshot {name}")


def sign_in(page: Page, user: User) -> None:
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()
    assert_accessible(page, f"{user.username} signed in")


def api(admin_api: AdminApi, method: str, path: str, expected: int, body: dict | None = None):
    answer = admin_api.http.request(
        method, f"{admin_api.base_url}/api/v1{path}", json=body, timeout=30
    )
    assert answer.status_code == expected, f"{method} {path}: {answer.status_code} {answer.text}"
    return answer.json() if answer.content else None


def user_id(admin_api: AdminApi, username: str) -> str:
    page = api(admin_api, "GET", f"/people?q={username}&limit=200", 200)
    found = [person for person in page["items"] if person["username"] == username]
    assert len(found) == 1, f"{username} not found: {page}"
    return found[0]["id"]


def no_sideways_scroll(page: Page) -> None:
    """Fails when the page is wider than the window (a table or card that does not fit)."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
