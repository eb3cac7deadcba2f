"""Signing out from an administrator's page leaves the portal without a panic.

The package and catalog pages used to read the session tracked while they were drawn, so
signing out drew them again while the router was tearing them down ("reactive value already
disposed", "RefCell already borrowed", "expected context Session"). The browser fixture fails
a test on any console error, so reaching the sign-in page cleanly is the assertion.
"""

import pytest
from playwright.sync_api import Page

from conftest import AdminApi, demo_user, sign_out
from review_helpers import api, sign_in, user_id


def _address(admin_api: AdminApi, which: str) -> str:
    if which == "package":
        package = api(admin_api, "GET", "/access-packages?limit=1", 200)["items"][0]
        return f"/admin/access-packages/{package['id']}"
    if which == "catalog":
        catalog = api(admin_api, "GET", "/catalogs?limit=1", 200)["items"][0]
        return f"/admin/catalogs/{catalog['id']}"
    return f"/admin/people/{user_id(admin_api, 'alice')}"


@pytest.mark.parametrize("which", ["package", "catalog", "person"])
def test_signing_out_from_an_administrators_page_reaches_the_sign_in_page_cleanly(
    page: Page, admin_api: AdminApi, which: str
) -> None:
    sign_in(page, demo_user("admin"))
    page.goto(_address(admin_api, which))
    page.get_by_role("heading", level=1).wait_for()
    sign_out(page)
    # Give a late redraw the time to show itself in the console.
    page.wait_for_timeout(1000)
    page.get_by_role("heading", level=1).wait_for()
