"""Fixtures for the black-box tests: one real Tessera server for the session, a Chromium browser,
and a fresh browser context per test that fails the test on console errors, uncaught exceptions,
Content-Security-Policy violations and 5xx answers, and when axe-core finds an accessibility
violation (critical, serious or moderate) on the final state of any of its pages.

Nothing is built here: the server binary (`cargo build -p tessera-api`) and the portal
(`scripts/build-web.sh`) must exist. See e2e/README.md.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright
from playwright.sync_api import Response, expect, sync_playwright

from accessibility import assert_accessible
from tessera_server import DEMO_PASSWORD, ServerError, TesseraServer, require_binary, web_dir

ARTIFACTS = Path(__file__).resolve().parent / ".artifacts"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Debug server builds hash passwords slowly; keep waits generous but bounded.
expect.set_options(timeout=15_000)


# -- the server -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tessera() -> Iterator[TesseraServer]:
    """The shared server: demo mode, fresh SQLite database, the built portal. It must stop
    within 20 s of SIGTERM, with status 0; otherwise the session ends with an error."""
    try:
        require_binary()
    except ServerError as error:
        pytest.exit(str(error), returncode=2)
    yield from serving(TesseraServer(web=web_dir(), name="shared"), "shared server")


def serving(server: TesseraServer, label: str) -> Iterator[TesseraServer]:
    """Starts `server` for a fixture, yields it, then stops it and removes its files. Failing
    to start or to stop in time fails the tests that use it."""
    try:
        server.start()
    except ServerError as error:
        server.cleanup()
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        try:
            server.terminate()
        except ServerError as error:
            pytest.fail(f"{label}: {error}", pytrace=False)
        finally:
            server.cleanup()


@pytest.fixture(scope="session")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@dataclass
class User:
    username: str
    password: str
    display_name: str
    id: str = ""


class AdminApi:
    """The API as the demo administrator, authenticated with an API token from the CLI."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def create_user(self, prefix: str = "user", *, admin: bool = False) -> User:
        username = unique_username(prefix)
        user = User(
            username=username,
            password=f"pw-{uuid.uuid4().hex}",
            display_name=f"E2E {prefix.title()} {username[-6:]}",
        )
        answer = self.http.post(
            f"{self.base_url}/api/v1/users",
            json={
                "username": user.username,
                "display_name": user.display_name,
                "email": f"{username}@e2e.tessera.test",
                "password": user.password,
                "is_admin": admin,
            },
            timeout=30,
        )
        assert answer.status_code == 201, f"creating {username}: {answer.status_code} {answer.text}"
        user.id = answer.json()["id"]
        return user

    def list_usernames(self) -> set[str]:
        names: set[str] = set()
        cursor = None
        while True:
            params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            answer = self.http.get(f"{self.base_url}/api/v1/users", params=params, timeout=30)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            names.update(user["username"] for user in page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return names


@pytest.fixture(scope="session")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-admin"))


@pytest.fixture
def new_user(admin_api: AdminApi) -> User:
    """A person made for this test alone, who can sign in with a password."""
    return admin_api.create_user("person")


def open_account_menu(page: Page) -> None:
    """Opens the profile menu in the header (Change password, Sign out), if it is closed."""
    toggle = page.get_by_role("button", name=re.compile(r"account menu$"))
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()


def sign_out(page: Page) -> None:
    """Signs out through the profile menu and waits for the sign-in page."""
    open_account_menu(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in(\?|$)"))


def unique_username(prefix: str) -> str:
    return f"e2e-{prefix}-{uuid.uuid4().hex[:10]}"


def demo_user(username: str) -> User:
    names = {"admin": "Ada Admin", "maria": "Maria Manager", "alice": "Alice Analyst"}
    return User(username=username, password=DEMO_PASSWORD, display_name=names.get(username, ""))


# -- the browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Chromium reports every 4xx answer as a console error. The portal asks the API and handles such
# answers (401 before sign-in, 401/422 on a refused form): those are not errors of the page. A
# 4xx for anything outside /api/ (a missing asset) and everything else logged as an error is.
_EXPECTED_HTTP_ERROR = re.compile(
    r"^Failed to load resource: the server responded with a status of 4\d\d\b"
)

# Reports violations even where Chromium's own console message might be missed.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}`
    + ` at ${e.sourceFile || '?'}:${e.lineNumber}`);
});
"""


@dataclass
class BrowserProblems:
    """What went wrong in the pages of one test, outside what the test asserts."""

    errors: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        self.pages.append(page)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught exception: {error}"))
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location or {}
        if _EXPECTED_HTTP_ERROR.match(message.text) and urlparse(
            where.get("url", "")
        ).path.startswith("/api/"):
            return
        self.errors.append(f"console error: {message.text} ({where.get('url', '?')})")

    def _on_response(self, response: Response) -> None:
        if response.status >= 500:
            self.errors.append(
                f"server error: {response.request.method} {response.url} -> {response.status}"
            )


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def context(
    browser: Browser, base_url: str, browser_problems: BrowserProblems
) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    context.add_init_script(_CSP_LISTENER)
    context.on("page", browser_problems.watch)
    yield context
    context.close()


@pytest.fixture
def page(
    request: pytest.FixtureRequest, context: BrowserContext, tessera: TesseraServer
) -> Iterator[Page]:
    index = web_dir() / "index.html"
    if not index.is_file():
        pytest.fail(
            f"the portal is not built ({index} is missing): run scripts/build-web.sh",
            pytrace=False,
        )
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        failures = ARTIFACTS / "failures"
        failures.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(failures / f"{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a missing screenshot must not hide the failure
            pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fails a browser test whose pages logged errors, or whose pages' final state has an
    accessibility violation, even when its assertions passed."""
    problems = getattr(item, "funcargs", {}).get("browser_problems")
    try:
        result = yield
    except BaseException as failure:
        if problems is not None and problems.errors:
            failure.add_note(_describe(problems))
        raise
    if problems is not None:
        if problems.errors:
            raise AssertionError(_describe(problems))
        for page in problems.pages:
            assert_accessible(page, "the test's final state")
    return result


def _describe(problems: BrowserProblems) -> str:
    return "the browser reported problems:\n  " + "\n  ".join(problems.errors)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
