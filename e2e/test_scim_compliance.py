"""SCIM 2.0 compliance of the real server: scim2-tester runs every check that applies to the
ServiceProviderConfig it reads from /scim/v2, as a service account holding the provisioner
role would (its API token). Any ERROR or CRITICAL result fails the test, listing them all."""

from __future__ import annotations

from typing import Iterator

import httpx2
import pytest
import requests
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from conftest import serving
from tessera_server import TesseraServer


@pytest.fixture(scope="module")
def scim_server() -> Iterator[TesseraServer]:
    yield from serving(TesseraServer(name="scim"), "scim server")


def provisioner_token(server: TesseraServer) -> str:
    """A service account with the provisioner role and an API token, made as an administrator
    would: the CLI's token for the demo administrator, then the API."""
    admin = requests.Session()
    admin.headers["Authorization"] = f"Bearer {server.create_api_token('admin', 'scim-setup')}"
    api = f"{server.base_url}/api/v1"
    answer = admin.post(
        f"{api}/users",
        json={
            "username": "scim-compliance",
            "display_name": "SCIM compliance checker",
            "email": "scim-compliance@e2e.tessera.test",
            "kind": "service_account",
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    account = answer.json()["id"]
    granted = admin.put(f"{api}/provisioners/{account}", timeout=30)
    assert granted.status_code == 204, granted.text
    token = admin.post(
        f"{api}/users/{account}/tokens", json={"name": "scim2-tester"}, timeout=30
    )
    assert token.status_code == 201, token.text
    return token.json()["secret"]


def test_scim2_tester_finds_no_errors(scim_server: TesseraServer) -> None:
    token = provisioner_token(scim_server)
    http = httpx2.Client(
        base_url=f"{scim_server.base_url}/scim/v2",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    client = SyncSCIMClient(http)
    results = check_server(client)
    failures = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    summary = "\n".join(
        f"{r.status.name} {r.title}: {r.reason}" for r in failures
    )
    passed = sum(1 for r in results if r.status == Status.SUCCESS)
    print(f"scim2-tester: {len(results)} checks, {passed} passed, {len(failures)} failed")
    assert results, "scim2-tester ran no checks"
    assert not failures, f"{len(failures)} of {len(results)} checks failed:\n{summary}"
