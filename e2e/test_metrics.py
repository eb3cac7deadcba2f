"""`GET /metrics` of the real binary, read with the parser of Prometheus' own Python client
(`prometheus_client.parser`): the scrape must be valid Prometheus text, with each family of the
type and labels that dashboards and alerts rely on, histograms with their buckets, and the
build information; and only administrators' and service accounts' API tokens may read it.

What each metric counts on both backends, and the metrics address of its own
(`metrics.listen`), are tested in crates/api/tests/api/metrics.rs.
"""

from __future__ import annotations

import math
import time
import tomllib
import uuid
from typing import Iterator

import pytest
import requests
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from conftest import AdminApi, serving
from tessera_server import DEMO_PASSWORD, REPO_ROOT, TesseraServer

# The families, their types and their label names (a counter's family is named without
# `_total`, as the parser names it; its samples keep the suffix).
FAMILIES = {
    "tessera_http_requests": ("counter", {"method", "route", "status"}),
    "tessera_http_request_duration_seconds": ("histogram", {"method", "route", "status_class"}),
    "tessera_db_pool_connections": ("gauge", {"pool", "state"}),
    "tessera_db_pool_max_connections": ("gauge", {"pool"}),
    "tessera_job_lag_seconds": ("gauge", {"job"}),
    "tessera_job_last_run_timestamp_seconds": ("gauge", {"job"}),
    "tessera_job_runs": ("counter", {"job", "outcome"}),
    "tessera_outbox_pending": ("gauge", {"outbox"}),
    "tessera_outbox_oldest_pending_age_seconds": ("gauge", {"outbox"}),
    "tessera_sign_in_failures": ("counter", {"method", "reason"}),
    "tessera_build_info": ("gauge", {"version", "commit", "backend"}),
}

# crates/api/src/metrics.rs: LATENCY_BUCKETS, then +Inf.
LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]

JOBS = [
    "assignments",
    "requests",
    "leavers",
    "reviews",
    "guests",
    "housekeeping",
    "notifications",
    "webhooks",
]

Scrape = dict[str, Metric]


@pytest.fixture(scope="module")
def server() -> Iterator[TesseraServer]:
    """A server of its own, so that its counts are this module's requests alone; its scheduler
    runs every second, so that every job has reported a round soon."""
    yield from serving(
        TesseraServer(name="metrics", env={"TESSERA_JOBS__INTERVAL_SECONDS": "1"}),
        "metrics server",
    )


@pytest.fixture(scope="module")
def admin(server: TesseraServer) -> AdminApi:
    return AdminApi(server.base_url, server.create_api_token("admin", "e2e-metrics"))


def scrape(answer: requests.Response) -> Scrape:
    """The families of a scrape, by name: a 200 in the text format that the parser reads
    whole, with each family's name once, or the test fails."""
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4"), answer.headers
    families: Scrape = {}
    for family in text_string_to_metric_families(answer.text):
        assert family.name not in families, f"{family.name} twice in\n{answer.text}"
        families[family.name] = family
    return families


def read(http: requests.Session, base_url: str) -> Scrape:
    return scrape(http.get(f"{base_url}/metrics", timeout=30))


def values(scrape: Scrape, family: str, sample: str, **labels: str) -> list[float]:
    """The values of the samples named `sample` of `family` whose labels include `labels`."""
    return [
        one.value
        for one in scrape[family].samples
        if one.name == sample and labels.items() <= one.labels.items()
    ]


def value(scrape: Scrape, family: str, **labels: str) -> float | None:
    """The value of the gauge or counter `family` whose labels include `labels`; `None` when
    there is no such series (a family without any is left out of the scrape)."""
    if family not in scrape:
        return None
    sample = family + "_total" if scrape[family].type == "counter" else family
    found = values(scrape, family, sample, **labels)
    assert len(found) <= 1, f"{family} {labels}: {found}"
    return found[0] if found else None


def label_values(scrape: Scrape) -> list[str]:
    return [v for family in scrape.values() for one in family.samples for v in one.labels.values()]


def bearer(secret: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {secret}"
    return http


def signed_in(base_url: str, username: str, password: str) -> requests.Session:
    """A browser's session: the cookie of a password sign-in, and its CSRF header."""
    http = requests.Session()
    answer = http.post(
        f"{base_url}/api/v1/session",
        json={"username": username, "password": password},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    http.headers["X-CSRF-Token"] = http.cookies["tessera_csrf"]
    return http


def assert_problem(answer: requests.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json", answer.headers
    problem = answer.json()
    assert problem["code"] == code, problem
    assert problem["status"] == status, problem
    assert problem["type"].endswith(code), problem


def refuse_a_sign_in(base_url: str) -> None:
    refused = requests.post(
        f"{base_url}/api/v1/session",
        json={"username": "admin", "password": "not the password"},
        timeout=30,
    )
    assert refused.status_code == 401, refused.text


def after_a_round_of_every_job(admin: AdminApi, base_url: str) -> Scrape:
    """A scrape once every scheduled job has finished a round (each second on this server)."""
    deadline = time.monotonic() + 30
    while True:
        metrics = read(admin.http, base_url)
        rounds = {job: value(metrics, "tessera_job_runs", job=job, outcome="ok") for job in JOBS}
        if all(rounds.values()):
            return metrics
        assert time.monotonic() < deadline, f"jobs without a round: {rounds}"
        time.sleep(0.5)


def cargo_version() -> str:
    with open(REPO_ROOT / "Cargo.toml", "rb") as manifest:
        return tomllib.load(manifest)["workspace"]["package"]["version"]


def test_every_family_has_its_type_and_labels_and_the_build_information(
    server: TesseraServer, admin: AdminApi
) -> None:
    # A family is in a scrape once it has a series: a refused sign-in, a round of each job.
    refuse_a_sign_in(server.base_url)
    metrics = after_a_round_of_every_job(admin, server.base_url)
    for name, (kind, labels) in FAMILIES.items():
        assert name in metrics, f"{name} missing from {sorted(metrics)}"
        family = metrics[name]
        assert family.type == kind, f"{name}: {family.type}"
        assert family.documentation, f"{name} has no HELP"
        for one in family.samples:
            own = set(one.labels) - ({"le"} if kind == "histogram" else set())
            assert own == labels, f"{one.name}: {one.labels}"

    # Only the build information's labels name the build; its value is always 1.
    build = metrics["tessera_build_info"].samples
    assert len(build) == 1, build
    assert build[0].labels["version"] == cargo_version()
    assert build[0].labels["backend"] == "sqlite"
    assert build[0].labels["commit"]
    assert build[0].value == 1

    # SQLite's two pools: reads, and the one writer.
    for pool in ["reads", "writer"]:
        assert value(metrics, "tessera_db_pool_connections", pool=pool, state="idle") is not None
        in_use = value(metrics, "tessera_db_pool_connections", pool=pool, state="in_use")
        assert in_use is not None and in_use >= 0, pool
        most = value(metrics, "tessera_db_pool_max_connections", pool=pool)
        assert most is not None and most >= 1, pool
    assert value(metrics, "tessera_db_pool_max_connections", pool="writer") == 1

    for outbox in ["notifications", "webhook_deliveries"]:
        pending = value(metrics, "tessera_outbox_pending", outbox=outbox)
        age = value(metrics, "tessera_outbox_oldest_pending_age_seconds", outbox=outbox)
        assert pending is not None and pending >= 0 and pending == int(pending), outbox
        assert age is not None and age >= 0, outbox
        assert pending > 0 or age == 0, f"{outbox}: nothing waits, yet the oldest is {age} s old"


def test_a_request_is_counted_under_its_route_pattern_with_a_histogram_of_its_time(
    server: TesseraServer, admin: AdminApi
) -> None:
    me = admin.http.get(f"{server.base_url}/api/v1/me", timeout=30)
    assert me.status_code == 200, me.text
    admin_id = me.json()["id"]
    person = admin.http.get(f"{server.base_url}/api/v1/users/{admin_id}", timeout=30)
    assert person.status_code == 200, person.text
    metrics = read(admin.http, server.base_url)

    # This module's other tests never ask for a person by id.
    route = "/api/v1/users/{id}"
    assert value(metrics, "tessera_http_requests", method="GET", route=route, status="200") == 1

    family = "tessera_http_request_duration_seconds"
    timed = {"method": "GET", "route": route, "status_class": "2xx"}
    buckets = [
        (float(one.labels["le"]), one.value)
        for one in metrics[family].samples
        if one.name == f"{family}_bucket"
        and {k: v for k, v in one.labels.items() if k != "le"} == timed
    ]
    assert [le for le, _ in buckets] == [*LATENCY_BUCKETS, math.inf], buckets
    counts = [count for _, count in buckets]
    assert counts == sorted(counts), f"buckets are cumulative: {buckets}"
    assert values(metrics, family, f"{family}_count", **timed) == [1]
    assert counts[-1] == 1
    [seconds] = values(metrics, family, f"{family}_sum", **timed)
    assert 0 < seconds < 60

    # Never the path with its ids (a series per person), nor an unknown path.
    missing = admin.http.get(f"{server.base_url}/api/v1/no-such-thing/42", timeout=30)
    assert missing.status_code == 404
    metrics = read(admin.http, server.base_url)
    assert all(admin_id not in v and "no-such-thing" not in v for v in label_values(metrics))
    assert value(metrics, "tessera_http_requests", method="GET", route="unmatched", status="404")


def test_a_refused_password_sign_in_is_counted(server: TesseraServer, admin: AdminApi) -> None:
    def failures() -> float:
        metrics = read(admin.http, server.base_url)
        labels = {"method": "password", "reason": "bad_credentials"}
        return value(metrics, "tessera_sign_in_failures", **labels) or 0

    # Another test of this module refuses one too: counted from here.
    before = failures()
    refuse_a_sign_in(server.base_url)
    assert failures() == before + 1


def test_an_outbox_reports_what_waits_in_it_and_for_how_long(
    server: TesseraServer, admin: AdminApi
) -> None:
    # Nothing listens there: the delivery fails and waits for its next attempt. Subscribed to
    # an event that nothing here causes (the demo's scheduled jobs cause others), so that the
    # test event is the one delivery waiting.
    created = admin.http.post(
        f"{server.base_url}/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "event_types": ["review.applied"]},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    subscription = created.json()["subscription"]["id"]
    sent = admin.http.post(
        f"{server.base_url}/api/v1/webhooks/{subscription}/test", json={}, timeout=30
    )
    assert sent.ok, sent.text
    time.sleep(1.1)
    metrics = read(admin.http, server.base_url)
    assert value(metrics, "tessera_outbox_pending", outbox="webhook_deliveries") == 1
    age = value(metrics, "tessera_outbox_oldest_pending_age_seconds", outbox="webhook_deliveries")
    assert age is not None and 1 <= age < 60, age


def test_every_scheduled_job_reports_its_lag_and_last_round(
    server: TesseraServer, admin: AdminApi
) -> None:
    metrics = after_a_round_of_every_job(admin, server.base_url)
    now = time.time()
    for job in JOBS:
        lag = value(metrics, "tessera_job_lag_seconds", job=job)
        assert lag is not None and 0 <= lag < 30, f"{job}: {lag}"
        last = value(metrics, "tessera_job_last_run_timestamp_seconds", job=job)
        assert last is not None and now - 60 <= last <= now + 1, f"{job}: {last} vs {now}"


def test_only_administrators_and_service_accounts_tokens_read_the_metrics(
    server: TesseraServer, admin: AdminApi
) -> None:
    url = f"{server.base_url}/metrics"
    assert_problem(requests.get(url, timeout=30), 401, "unauthenticated")
    # A browser session, even an administrator's: the metrics are for monitoring's tokens.
    assert_problem(signed_in(server.base_url, "admin", DEMO_PASSWORD).get(url, timeout=30), 403, "forbidden")

    kate = admin.create_user("kate")
    session = signed_in(server.base_url, kate.username, kate.password)
    assert_problem(session.get(url, timeout=30), 403, "forbidden")
    created = session.post(f"{server.base_url}/api/v1/tokens", json={"name": "mine"}, timeout=30)
    assert created.status_code == 201, created.text
    assert_problem(bearer(created.json()["secret"]).get(url, timeout=30), 403, "forbidden")

    robot = admin.http.post(
        f"{server.base_url}/api/v1/users",
        json={
            "username": f"e2e-prometheus-{uuid.uuid4().hex[:8]}",
            "display_name": "Prometheus",
            "email": f"prometheus-{uuid.uuid4().hex[:8]}@e2e.tessera.test",
            "kind": "service_account",
        },
        timeout=30,
    )
    assert robot.status_code == 201, robot.text
    token = admin.http.post(
        f"{server.base_url}/api/v1/users/{robot.json()['id']}/tokens",
        json={"name": "scraper"},
        timeout=30,
    )
    assert token.status_code == 201, token.text
    metrics = read(bearer(token.json()["secret"]), server.base_url)
    assert value(metrics, "tessera_build_info") == 1
    # The administrator's API token (the `admin` fixture's) reads them too.
    assert value(read(admin.http, server.base_url), "tessera_build_info") == 1
