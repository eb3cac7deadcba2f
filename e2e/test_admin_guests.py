"""Guest accounts in the administration area, driven in Chromium: an administrator creates a
guest, sees the guest marked in the users table, and makes them a member.

The person is made under a unique name, so the test needs no order.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from conftest import AdminApi, demo_user, unique_username


def sign_in_as_admin(page: Page) -> None:
    admin = demo_user("admin")
    page.goto("/sign-in")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(admin.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()


def user_type_of(admin_api: AdminApi, username: str) -> str:
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        answer = admin_api.http.get(f"{admin_api.base_url}/api/v1/users", params=params, timeout=30)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        for user in page["items"]:
            if user["username"] == username:
                return user["user_type"]
        cursor = page.get("next_cursor")
        assert cursor, f"{username} not found"


def test_an_administrator_creates_a_guest_who_is_marked_and_then_made_a_member(
    page: Page, admin_api: AdminApi
) -> None:
    username = unique_username("guest")
    sign_in_as_admin(page)
    page.goto("/admin")
    expect(page.get_by_role("heading", level=1, name="Administration")).to_be_visible()

    new_user = page.get_by_role("region", name="New user")
    new_user.get_by_label("Username").fill(username)
    new_user.get_by_label("Display name").fill(f"Guest {username[-6:]}")
    new_user.get_by_label("Email").fill(f"{username}@partner.e2e.tessera.test")
    new_user.get_by_label("Password").fill(f"pw-{uuid.uuid4().hex}")
    new_user.get_by_role("radio", name="Guest").check()
    new_user.get_by_role("button", name="Create user").click()
    expect(new_user.get_by_role("status")).to_contain_text(username)
    assert user_type_of(admin_api, username) == "guest"

    users = page.get_by_role("region", name="Users")
    row = users.get_by_role("row", name=re.compile(re.escape(username)))
    expect(row.get_by_text("Guest", exact=True)).to_be_visible()

    row.get_by_role("button", name=f"Make {username} a member").click()
    expect(users.get_by_role("status")).to_contain_text(f"{username} is now a member.")
    expect(row.get_by_text("Guest", exact=True)).to_have_count(0)
    expect(row.get_by_role("button", name=f"Make {username} a guest")).to_be_visible()
    assert user_type_of(admin_api, username) == "member"

    # The form is ready for the next person, a member unless chosen otherwise.
    expect(new_user.get_by_role("radio", name="Member Of the organisation")).to_be_checked()
