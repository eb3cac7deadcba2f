"""Webhooks against the real binary: a receiver in this process verifies every delivery with an
independent Standard Webhooks implementation (the PyPI `standardwebhooks` package), answers the
first one with 500, and must still see a request's events in the documented order (per
subscription, in the order they were written; a failing delivery holds back the later ones).
"""

from __future__ import annotations

import json
import time
from typing import Iterator

import pytest
import requests

from conftest import AdminApi, serving
from review_helpers import api, unique, user_id
from tessera_server import TesseraServer
from webhook_receiver import Receiver


@pytest.fixture(scope="module")
def server() -> Iterator[TesseraServer]:
    """A server of its own whose webhook worker polls often and retries after a second."""
    yield from serving(
        TesseraServer(
            name="webhooks",
            env={
                "TESSERA_JOBS__INTERVAL_SECONDS": "1",
                "TESSERA_WEBHOOKS__POLL_INTERVAL_MS": "200",
                "TESSERA_WEBHOOKS__RETRY_DELAYS_SECONDS": "[1]",
            },
        ),
        "webhooks server",
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(fail_first=1)
    yield receiver
    receiver.stop()


def sign_in(base_url: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(
        f"{base_url}/api/v1/session",
        json={"username": username, "password": password},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    session.headers["X-CSRF-Token"] = session.cookies["tessera_csrf"]
    return session


def test_a_submitted_and_approved_request_reaches_the_receiver_verified_and_in_order(
    server: TesseraServer, receiver: Receiver
) -> None:
    admin = AdminApi(server.base_url, server.create_api_token("admin", "e2e-webhooks"))
    catalog = api(admin, "POST", "/catalogs", 201, {"name": unique("Webhooks catalog")})
    package = api(
        admin, "POST", f"/catalogs/{catalog['id']}/access-packages", 201, {"name": unique("Hooked")}
    )
    approver = user_id(admin, "admin")
    policy = api(
        admin,
        "POST",
        f"/access-packages/{package['id']}/policies",
        201,
        {
            "name": "Approved by the administrator",
            "who_can_request": {"type": "all_members"},
            "approval": {
                "type": "required",
                "stages": [
                    {"primary_approvers": [{"type": "user", "user_id": approver}], "timeout_days": 14}
                ],
            },
            "lifecycle": {"expiry": {"type": "never"}},
        },
    )

    created = api(
        admin,
        "POST",
        "/webhooks",
        201,
        {
            "url": receiver.url,
            "event_types": [
                "request.submitted",
                "request.decided",
                "request.delivered",
                "assignment.granted",
            ],
            "description": "e2e receiver",
        },
    )
    receiver.secret = created["secret"]
    subscription = created["subscription"]["id"]
    assert created["secret"] not in json.dumps(api(admin, "GET", f"/webhooks/{subscription}", 200))

    requester = admin.create_user("hooked")
    session = sign_in(server.base_url, requester.username, requester.password)
    submitted = session.post(
        f"{server.base_url}/api/v1/requests",
        json={"access_package_id": package["id"], "policy_id": policy["id"], "ask": "add"},
        timeout=30,
    )
    assert submitted.status_code == 201, submitted.text
    request_id = submitted.json()["id"]
    api(admin, "POST", f"/requests/{request_id}/decision", 200, {"stage": 1, "verdict": "approve"})

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with receiver.lock:
            if len(receiver.verified) >= 4:
                break
        time.sleep(0.2)

    with receiver.lock:
        assert receiver.refused == [], "every signature verifies"
        types = [item["event"]["type"] for item in receiver.verified]
        assert types == [
            "request.submitted",
            "request.decided",
            "request.delivered",
            "assignment.granted",
        ], types
        first = receiver.verified[0]
        assert receiver.attempts[0] == receiver.attempts[1] == first["id"], (
            "the failed first attempt was retried with the same webhook-id before anything else"
        )
        assert first["event"]["data"]["object_id"] == request_id
        assert first["event"]["data"]["actor"]["username"] == requester.username

    log = api(admin, "GET", f"/webhooks/{subscription}/deliveries", 200)["items"]
    assert [d["state"] for d in log] == ["delivered"] * 4
    assert log[-1]["attempts"] == 2, "the oldest needed a retry"
