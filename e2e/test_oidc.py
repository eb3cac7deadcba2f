"""Signing in with an identity provider, driven in Chromium against a real OpenID Connect
provider (panva's `oidc-provider`, e2e/oidc-provider) and a real Tessera configured with it.

This module starts its own provider and its own server, with local passwords switched off
except for the break-glass administrator `admin`; the fixtures `tessera`, `base_url` and
`admin_api` are overridden here. A person opens a page of the portal, is sent to the sign-in
page, which offers the provider's button and no password form, signs in at the provider's own
login and consent pages and lands signed in on the page they asked for; signing out ends the
provider's session too. A disabled person is refused, in words. The administrator signs in with
`?local=1`, sees the person's identity link on the users page and unlinks it. Provider accounts
are added under unique names, so the tests need no order.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Route, expect

from conftest import AdminApi, demo_user, open_account_menu, serving
from tessera_server import REPO_ROOT, TesseraServer, web_dir

PROVIDER_DIR = REPO_ROOT / "e2e" / "oidc-provider"
PROVIDER_ID = "corp"
PROVIDER_NAME = "Example Corp"
CLIENT_ID = "tessera"
CLIENT_SECRET = f"e2e-{uuid.uuid4().hex}"
PROVIDER_START_TIMEOUT_S = 30


# -- the identity provider --------------------------------------------------------------------------


@dataclass
class IdentityProvider:
    issuer: str
    process: subprocess.Popen[str]

    def add_account(self, account_id: str, claims: dict[str, object]) -> None:
        answer = requests.post(
            f"{self.issuer}/__control/accounts", json={account_id: claims}, timeout=10
        )
        assert answer.status_code == 204, answer.text


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[IdentityProvider]:
    if not (PROVIDER_DIR / "node_modules").is_dir():
        pytest.fail(
            f"the test provider's packages are missing: run `npm ci` in {PROVIDER_DIR}",
            pytrace=False,
        )
    # Tessera listens on a port it gets when it starts, after the provider: the test provider
    # lets its clients redirect to any loopback URL, so these stand for whichever port it gets.
    portal = "http://127.0.0.1"
    config = {
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{portal}/api/v1/auth/oidc/{PROVIDER_ID}/callback"],
                "post_logout_redirect_uris": [f"{portal}/sign-in"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            }
        ]
    }
    workdir = Path(tempfile.mkdtemp(prefix="oidc-e2e-"))
    config_path = workdir / "provider.json"
    config_path.write_text(json.dumps(config))
    log = open(workdir / "provider.log", "w")
    process = subprocess.Popen(
        ["node", "provider.mjs", str(config_path)],
        cwd=PROVIDER_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert process.stdout is not None
        # The first line is {"issuer": ..., "port": ...}, once it listens.
        first = process.stdout.readline()
        if not first:
            pytest.fail(
                f"the test provider did not start (status {process.wait(PROVIDER_START_TIMEOUT_S)}); "
                f"see {workdir / 'provider.log'}",
                pytrace=False,
            )
        provider = IdentityProvider(issuer=json.loads(first)["issuer"], process=process)
        yield provider
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# -- a Tessera that signs people in with it ---------------------------------------------------------


@pytest.fixture(scope="module")
def tessera(identity_provider: IdentityProvider) -> Iterator[TesseraServer]:
    # No public_url: on port 0 it is the address the server got, which the callback uses.
    config = f"""
[auth]
local_passwords = false
break_glass = ["admin"]

[[oidc.providers]]
id = "{PROVIDER_ID}"
name = "{PROVIDER_NAME}"
issuer = "{identity_provider.issuer}"
client_id = "{CLIENT_ID}"
create_users = true
"""
    server = TesseraServer(
        web=web_dir(),
        name="oidc",
        config=config,
        # The secret comes from the environment, as the documentation recommends.
        env={f"TESSERA_OIDC__{PROVIDER_ID.upper()}__CLIENT_SECRET": CLIENT_SECRET},
    )
    yield from serving(server, "oidc server")


@pytest.fixture(scope="module")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@pytest.fixture(scope="module")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-oidc-admin"))


@pytest.fixture(autouse=True)
def no_web_fonts(context: BrowserContext) -> None:
    """The provider's development pages `@import` a Google web font. The tests run offline, and
    a font that fails to load is a console error, so it is answered with an empty style sheet."""

    def empty_style_sheet(route: Route) -> None:
        route.fulfill(status=200, content_type="text/css", body="")

    context.route(re.compile(r"^https://fonts\.(googleapis|gstatic)\.com/"), empty_style_sheet)


# -- helpers ------------------------------------------------------------------------------------------


def new_account(provider: IdentityProvider, prefix: str = "olivia") -> tuple[str, str, str]:
    """A person at the provider only: (account id, which is also their username, display name,
    verified e-mail)."""
    account = f"e2e-{prefix}-{uuid.uuid4().hex[:10]}"
    name = f"{prefix.title()} {account[-6:]}"
    email = f"{account}@e2e.tessera.test"
    provider.add_account(
        account,
        {
            "email": email,
            "email_verified": True,
            "name": name,
            "preferred_username": account,
        },
    )
    return account, name, email


def sign_in_at_the_provider(page: Page, account: str) -> None:
    """The provider's own pages: its login form (any password), then its consent page."""
    expect(page.locator("input[name=login]")).to_be_visible()
    page.locator("input[name=login]").fill(account)
    page.locator("input[name=password]").fill("any password at all")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def user_by_username(admin_api: AdminApi, username: str) -> dict:
    answer = admin_api.http.get(
        f"{admin_api.base_url}/api/v1/people", params={"q": username}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    matches = [person for person in answer.json()["items"] if person["username"] == username]
    assert len(matches) == 1, f"{username}: {answer.json()}"
    user = admin_api.http.get(
        f"{admin_api.base_url}/api/v1/users/{matches[0]['id']}", timeout=30
    )
    assert user.status_code == 200, user.text
    return user.json()


# -- the tests ----------------------------------------------------------------------------------------


def test_a_person_signs_in_with_the_provider_and_lands_on_the_page_they_asked_for(
    page: Page, identity_provider: IdentityProvider, admin_api: AdminApi, base_url: str
) -> None:
    account, name, _ = new_account(identity_provider)

    page.goto("/tokens")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/tokens$"))
    button = page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")
    expect(button).to_be_visible()
    # Local passwords are off: no password form without ?local=1.
    expect(page.get_by_label("Password")).to_have_count(0)

    button.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(identity_provider.issuer)}/"))
    sign_in_at_the_provider(page, account)

    expect(page).to_have_url(f"{base_url}/tokens")
    expect(page.get_by_role("heading", level=1, name="API tokens")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"account menu$"))).to_contain_text(name)

    # The person was created from the provider's claims, with the link to their account.
    user = user_by_username(admin_api, account)
    assert user["display_name"] == name
    assert [(link["provider_id"], link["subject"]) for link in user["identity_links"]] == [
        (PROVIDER_ID, account)
    ]

    # Signing out ends the provider's session too: its page asks, then sends the browser back.
    open_account_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(identity_provider.issuer)}/"))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()
    page.goto("/tokens")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/tokens$"))


def test_a_disabled_person_is_refused_in_words(
    page: Page, identity_provider: IdentityProvider, admin_api: AdminApi
) -> None:
    # Known to Tessera by their verified e-mail, but disabled.
    account, _, email = new_account(identity_provider, "dora")
    created = admin_api.http.post(
        f"{admin_api.base_url}/api/v1/users",
        json={"username": account, "display_name": "Dora Disabled", "email": email},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    disabled = admin_api.http.patch(
        f"{admin_api.base_url}/api/v1/users/{created.json()['id']}",
        json={"enabled": False},
        timeout=30,
    )
    assert disabled.status_code == 200, disabled.text

    page.goto("/sign-in")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    sign_in_at_the_provider(page, account)

    expect(page).to_have_url(re.compile(r"/sign-in\?oidc_error=user_disabled$"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("You were not signed in.")
    expect(alert).to_contain_text("Your Tessera account is disabled.")
    expect(page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")).to_be_visible()


def test_the_break_glass_administrator_unlinks_a_persons_identity(
    page: Page, identity_provider: IdentityProvider, admin_api: AdminApi
) -> None:
    # A person signs in once through the provider, which links their account.
    account, _, _ = new_account(identity_provider, "lena")
    page.goto("/sign-in")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    sign_in_at_the_provider(page, account)
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()
    page.context.clear_cookies()

    # Someone who is not break-glass is refused a password sign-in even with ?local=1.
    page.goto("/sign-in?local=1")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(demo_user("maria").password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("You were not signed in.")

    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(demo_user("admin").password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()

    page.goto("/admin")
    page.get_by_role("button", name=f"Identity links of {account}").click()
    panel = page.get_by_role("region", name=f"Identity links of {account}")
    row = panel.get_by_role("row", name=re.compile(PROVIDER_NAME))
    expect(row).to_contain_text(account)
    row.get_by_role("button", name=f"Unlink {PROVIDER_NAME}").click()
    expect(panel.get_by_text(f"Unlink the {PROVIDER_NAME} account {account}?")).to_be_visible()
    panel.get_by_role("button", name=f"Yes, unlink {PROVIDER_NAME}").click()
    expect(panel.get_by_text("No identity provider accounts are linked.")).to_be_visible()
    expect(panel.get_by_role("status")).to_contain_text(
        f"The {PROVIDER_NAME} account {account} was unlinked."
    )
    # Without links the field is left out.
    assert user_by_username(admin_api, account).get("identity_links", []) == []
