"""Passwords in the portal: a person changes their own from the profile menu, and an
administrator sets one from the users page. Both through the real SPA and server."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from conftest import AdminApi, User, demo_user, open_account_menu, sign_out

NEW_PASSWORD = "a fresh passphrase for e2e"


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()


def test_a_person_changes_their_password_from_the_profile_menu(
    page: Page, new_user: User
) -> None:
    sign_in(page, new_user.username, new_user.password)
    open_account_menu(page)
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", level=1, name="Change password")).to_be_visible()

    # A wrong current password is named at its field.
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("is not your current password")).to_be_visible()

    page.get_by_label("Current password").fill(new_user.password)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()

    sign_out(page)
    sign_in(page, new_user.username, NEW_PASSWORD)


def test_an_administrator_sets_a_password_on_the_users_page(
    page: Page, admin_api: AdminApi
) -> None:
    person = admin_api.create_user("areset")  # sorts onto the first page of users
    sign_in(page, "admin", demo_user("admin").password)
    page.goto("/admin")
    page.get_by_role("button", name=f"Set password for {person.username}").click()
    panel = page.get_by_role("region", name=f"Set password for {person.username}")
    expect(panel).to_be_visible()
    panel.get_by_label("New password").fill("short")
    panel.get_by_role("button", name="Set password", exact=True).click()
    expect(panel.get_by_text(re.compile("at least 12 characters"))).to_be_visible()
    panel.get_by_label("New password").fill(NEW_PASSWORD)
    panel.get_by_role("button", name="Set password", exact=True).click()
    expect(panel.get_by_text(f"The password of {person.username} was set.")).to_be_visible()

    sign_out(page)
    sign_in(page, person.username, NEW_PASSWORD)
