"""Webhooks and custom extensions, set up in the portal and checked from outside.

An administrator subscribes a receiver on the Webhooks pages, sees its signing secret once,
finds a request's delivery in the subscription's log and replays it; the receiver verifies every
delivery with an independent Standard Webhooks implementation (the PyPI `standardwebhooks`
package). Then the administrator gives a policy a launch-and-wait custom extension in the policy
editor (after the editor refuses a wait at a stage that cannot wait), rotates the policy's
extension secret, and follows a request on its page: "Waiting for" the extension, the call in
the timeline, and the answer once the test's endpoint calls back.

The module runs its own server whose webhook worker polls every 200 ms (the shared server's
default is slower), so the fixtures `tessera`, `base_url` and `admin_api` are overridden here.
"""

from __future__ import annotations

import re
import time
from typing import Callable, Iterator

import pytest
import requests
from playwright.sync_api import BrowserContext, Locator, Page, expect

from conftest import AdminApi, demo_user, serving
from review_helpers import api, screenshot, sign_in, unique
from tessera_server import TesseraServer, web_dir
from webhook_receiver import Receiver

ADMIN = demo_user("admin")
WAIT_S = 30.0


# -- a server whose webhook worker polls often -------------------------------------------------


@pytest.fixture(scope="module")
def tessera() -> Iterator[TesseraServer]:
    server = TesseraServer(
        web=web_dir(),
        name="webhooks-portal",
        env={
            "TESSERA_JOBS__INTERVAL_SECONDS": "1",
            "TESSERA_WEBHOOKS__POLL_INTERVAL_MS": "200",
            "TESSERA_WEBHOOKS__RETRY_DELAYS_SECONDS": "[1]",
        },
    )
    yield from serving(server, "webhooks portal server")


@pytest.fixture(scope="module")
def base_url(tessera: TesseraServer) -> str:
    return tessera.base_url


@pytest.fixture(scope="module")
def admin_api(tessera: TesseraServer) -> AdminApi:
    return AdminApi(tessera.base_url, tessera.create_api_token("admin", "e2e-webhooks-portal"))


# -- a receiver that verifies what it is sent --------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(accepted=202)
    yield receiver
    receiver.stop()


# -- helpers ----------------------------------------------------------------------------------


def package_with_policy(admin_api: AdminApi) -> tuple[dict, dict]:
    """A package anyone may request, granted without approval, and its policy."""
    catalog = api(admin_api, "POST", "/catalogs", 201, {"name": unique("Hooks catalog")})
    package = api(
        admin_api,
        "POST",
        f"/catalogs/{catalog['id']}/access-packages",
        201,
        {"name": unique("Hooked package")},
    )
    policy = api(
        admin_api,
        "POST",
        f"/access-packages/{package['id']}/policies",
        201,
        {
            "name": "Everyone",
            "who_can_request": {"type": "all_users"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        },
    )
    return package, policy


def submit(admin_api: AdminApi, package_id: str, policy_id: str) -> dict:
    """A request by the administrator, through the API."""
    return api(
        admin_api,
        "POST",
        "/requests",
        201,
        {"access_package_id": package_id, "policy_id": policy_id, "ask": "add"},
    )


def refresh_until(region: Locator, check: Callable[[], bool]) -> None:
    """Presses the region's Refresh button until `check` holds."""
    deadline = time.monotonic() + WAIT_S
    while not check():
        assert time.monotonic() < deadline, "the log did not show it in time"
        region.get_by_role("button", name="Refresh").click()
        time.sleep(0.5)


def secret_shown(page: Page, region_name: str | re.Pattern[str]) -> str:
    """The secret in a "shown once" region, which says it will not be seen again."""
    region = page.get_by_role("region", name=region_name)
    expect(region).to_contain_text("you will not see it again")
    secret = region.get_by_label("Secret", exact=True).input_value()
    assert secret.startswith("whsec_"), secret
    return secret


# -- the tests --------------------------------------------------------------------------------


def test_an_administrator_subscribes_a_receiver_sees_its_delivery_and_replays_it(
    page: Page, context: BrowserContext, admin_api: AdminApi, receiver: Receiver, base_url: str
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    sign_in(page, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Webhooks", exact=True
    ).click()
    heading = page.get_by_role("heading", level=1, name="Webhooks")
    expect(heading).to_be_focused()

    # Refused in the browser, each at its field, before anything is sent.
    new = page.get_by_role("region", name="New subscription")
    new.get_by_label("URL", exact=True).fill("http://hooks.example.org/in")
    new.get_by_role("button", name="Create subscription").click()
    expect(new.get_by_role("alert")).to_contain_text("The subscription was not created.")
    expect(new.get_by_label("URL", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(new).to_contain_text("Must be an https URL (plain http only to a loopback host)")
    expect(new).to_contain_text("Choose at least one event, or all events")

    new.get_by_label("URL", exact=True).fill(receiver.url)
    new.get_by_label("Request submitted", exact=True).check()
    new.get_by_label("Description (optional)").fill("The browser test's receiver")
    new.get_by_role("button", name="Create subscription").click()
    secret = secret_shown(page, f"Signing secret of {receiver.url}")
    receiver.secret = secret
    shown = page.get_by_role("region", name=f"Signing secret of {receiver.url}")
    shown.get_by_role("button", name="Copy").click()
    expect(shown.get_by_role("status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    screenshot(page, "webhook-secret-once.png")
    shown.get_by_role("button", name="I have copied it").click()
    expect(shown).to_have_count(0)
    assert secret not in page.content(), "the secret is gone from the page once dismissed"

    subscriptions = page.get_by_role("region", name="Subscriptions")
    expect(subscriptions.get_by_role("row", name=receiver.url)).to_contain_text("Request submitted")
    subscriptions.get_by_role("link", name=receiver.url).click()
    expect(page.get_by_role("heading", level=1, name="Webhook subscription")).to_be_focused()
    deliveries = page.get_by_role("region", name="Deliveries", exact=True)
    expect(deliveries).to_contain_text("Nothing has been delivered to this subscription yet.")

    # An event: a request submitted through the API.
    package, policy = package_with_policy(admin_api)
    request = submit(admin_api, package["id"], policy["id"])
    first = receiver.wait_for(1, WAIT_S)[0]
    assert first["event"]["type"] == "request.submitted"
    assert first["event"]["data"]["object_id"] == request["id"]

    rows = deliveries.get_by_role("row", name=re.compile(r"^Request submitted"))
    refresh_until(deliveries, lambda: rows.count() == 1)
    expect(rows.first).to_contain_text("Delivered")
    expect(rows.first).to_contain_text("HTTP 202")
    expect(rows.first).to_contain_text(first["id"])

    # Replay: a new delivery of the same event, verified again with the same webhook-id.
    rows.first.get_by_role("button", name=re.compile(r"^Replay")).click()
    expect(deliveries.get_by_role("status")).to_contain_text("The event was queued again")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Delivered")
    expect(rows.nth(1)).to_contain_text("Delivered")
    second = receiver.wait_for(2, WAIT_S)[1]
    assert second["id"] == first["id"]
    assert second["event"] == first["event"]
    screenshot(page, "webhook-deliveries.png")

    # Rotation: both secrets sign for the overlap window; the receiver switches to the new one.
    secret_section = page.get_by_role("region", name="Signing secret", exact=True)
    expect(secret_section).to_contain_text("both the new and the previous secret")
    secret_section.get_by_role("button", name="Rotate secret").click()
    secret_section.get_by_role("button", name="Yes, make a new secret").click()
    rotated = secret_shown(page, "The new signing secret")
    assert rotated != secret
    expect(secret_section).to_contain_text("Both secrets are valid now")
    receiver.secret = rotated
    page.get_by_role("region", name="The new signing secret").get_by_role(
        "button", name="I have copied it"
    ).click()
    secret_section.get_by_role("button", name="Send a test event").click()
    third = receiver.wait_for(3, WAIT_S)[2]
    assert third["event"]["type"] == "webhook.test"
    test_rows = deliveries.get_by_role("row", name=re.compile(r"^Test event"))
    expect(test_rows).to_have_count(1)
    expect(test_rows.first).to_contain_text("Delivered")

    # Settings: one more event type, saved and shown.
    settings = page.get_by_role("region", name="Settings", exact=True)
    settings.get_by_label("Request decided", exact=True).check()
    settings.get_by_role("button", name="Save subscription").click()
    expect(settings.get_by_role("status")).to_have_text("The subscription was saved.")
    expect(settings).to_contain_text("Request submitted, Request decided")
    subscription_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    stored = api(admin_api, "GET", f"/webhooks/{subscription_id}", 200)
    assert stored["event_types"] == ["request.submitted", "request.decided"]
    assert stored["description"] == "The browser test's receiver"

    # Deleting asks first, then goes back to the list, without it.
    page.get_by_role("button", name="Delete subscription").click()
    page.get_by_role("button", name="Yes, delete the subscription").click()
    expect(page.get_by_role("heading", level=1, name="Webhooks")).to_be_visible()
    # This module's server has no other subscription.
    expect(page.get_by_role("region", name="Subscriptions")).to_contain_text(
        "There are no webhook subscriptions yet."
    )
    with receiver.lock:
        assert receiver.refused == [], "every delivery verifies"


def test_an_administrator_adds_a_waiting_extension_and_the_request_timeline_shows_it(
    page: Page, admin_api: AdminApi, receiver: Receiver, base_url: str
) -> None:
    package, _ = package_with_policy(admin_api)
    policy_name = unique("Desk policy")
    sign_in(page, ADMIN)
    page.goto(f"/admin/access-packages/{package['id']}")
    expect(page.get_by_role("heading", level=1, name=package["name"])).to_be_visible()

    policies = page.get_by_role("region", name="Policies")
    policies.get_by_role("button", name="New policy").click()
    policies.get_by_label("Policy name").fill(policy_name)
    policies.get_by_label("All users").check()
    policies.get_by_role("button", name="Add a custom extension").click()
    extension = policies.get_by_role("group", name="Extension 1", exact=True)
    extension.get_by_label("Extension name").fill("Service desk")
    extension.get_by_label("Endpoint URL").fill(receiver.url)
    extension.get_by_label("When it is called").select_option(label="When access is granted")
    extension.get_by_label("Launch and wait").check()

    # Only the request stages may wait: refused at the mode, before anything is sent.
    policies.get_by_role("button", name="Save policy").click()
    expect(policies.get_by_role("alert").first).to_contain_text("The policy was not saved.")
    expect(extension).to_contain_text(
        "Only request_created and request_approved extensions can make the request wait"
    )
    screenshot(page, "policy-editor-extension-refused.png")

    extension.get_by_label("When it is called").select_option(
        label="When a request is made, before approval"
    )
    extension.get_by_label("Wait at most").fill("10")
    extension.get_by_label("Unit").select_option(label="Minutes")
    extension.get_by_label("The request is denied").check()
    policies.get_by_role("button", name="Save policy").click()
    expect(policies.get_by_role("status").first).to_contain_text(policy_name)
    first_secret = secret_shown(page, f"Extension signing secret of {policy_name}")
    page.get_by_role("region", name=f"Extension signing secret of {policy_name}").get_by_role(
        "button", name="I have copied it"
    ).click()

    # The policy view lists the extension; rotating its secret shows the new one once.
    policies.get_by_role("button", name=f"Custom extensions of {policy_name}").click()
    view = page.get_by_role("region", name=f"Custom extensions of {policy_name}")
    row = view.get_by_role("row", name=re.compile(r"^Service desk"))
    expect(row).to_contain_text("Launch and wait")
    expect(row).to_contain_text("Waits up to 10 minutes, then the request is denied")
    view.get_by_role("button", name="Rotate extension secret").click()
    view.get_by_role("button", name="Yes, make a new secret").click()
    rotated = secret_shown(page, f"New extension signing secret of {policy_name}")
    assert rotated != first_secret
    receiver.secret = rotated
    screenshot(page, "policy-extensions-rotated-secret.png")

    stored = api(admin_api, "GET", f"/access-packages/{package['id']}/policies", 200)
    desk = next(p for p in stored if p["definition"]["name"] == policy_name)
    assert desk["definition"]["custom_extensions"] == [
        {
            "name": "Service desk",
            "stage": "request_created",
            "url": receiver.url,
            "mode": "launch_and_wait",
            "timeout_seconds": 600,
            "timeout_outcome": "deny",
        }
    ]

    # A request waits for the extension, which is called and signed with the rotated secret.
    request = submit(admin_api, package["id"], desk["id"])
    assert request["state"] == "waiting", request
    call = receiver.wait_for(1, WAIT_S)[0]["event"]
    assert call["type"] == "custom_extension.request_created"
    assert call["data"]["request"]["id"] == request["id"]

    page.goto(f"/requests/{request['id']}")
    expect(page.get_by_role("heading", level=1, name=package["name"])).to_be_visible()
    summary = page.get_by_role("region", name="Summary", exact=True)
    expect(summary).to_contain_text("Waiting for Service desk")
    timeline = page.get_by_role("region", name="Timeline", exact=True)
    expect(timeline).to_contain_text("Called Service desk (request_created): it answered HTTP 202.")
    expect(timeline).to_contain_text("Waiting for Service desk until")
    screenshot(page, "request-waiting-for-extension.png")

    # The endpoint answers; the request goes on and the timeline shows the answer.
    callback = call["data"]["callback_url"]
    if callback.startswith("/"):
        callback = base_url + callback
    answer = requests.post(
        callback,
        headers={"Authorization": f"Bearer {call['data']['callback_token']}"},
        json={"outcome": "continue", "message": "Ticket INC-42 opened"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text

    page.reload()
    expect(timeline).to_contain_text("Service desk let the request go on: Ticket INC-42 opened")
    expect(summary).not_to_contain_text("Waiting for Service desk")
    screenshot(page, "request-extension-answered.png")
    with receiver.lock:
        assert receiver.refused == [], "every call verifies with the rotated secret"
