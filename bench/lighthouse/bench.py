"""The portal's Lighthouse benchmark: the sign-in page and the Overview, desktop and mobile.

Starts the built `tessera` binary in demo mode on a fresh SQLite database, serving the built
portal (crates/web/dist), signs the demo employee in through the API for the Overview, and runs
Lighthouse (bench/lighthouse/node_modules, pinned in its package-lock.json) with Debian's
Chromium four times per page and form factor, keeping the median run. Lighthouse's own settings
apply: mobile is a mid-range phone on slow 4G with a 4x slower CPU (simulated), desktop its
desktop preset. Prints a table and writes it to <target>/bench/lighthouse.md.

Run through `scripts/bench.sh lighthouse`, which builds what this needs. Settings:
TESSERA_BIN (the server binary), TESSERA_BENCH_LIGHTHOUSE_RUNS (runs per case, default 3).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "e2e"))

from tessera_server import DEMO_PASSWORD, TesseraServer, web_dir  # noqa: E402

LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
# The demo's employee: an Overview with assignments, requests and notifications.
PERSON = "alice"


@dataclass
class Run:
    score: float
    lcp_ms: float
    fcp_ms: float
    tbt_ms: float
    transfer_kb: float


def lighthouse(url: str, form_factor: str, headers: dict[str, str], out: Path) -> Run:
    args = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--only-categories=performance",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if form_factor == "desktop":
        args.append("--preset=desktop")
    if headers:
        args.append(f"--extra-headers={json.dumps(headers)}")
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    subprocess.run(args, check=True, env=env, stdin=subprocess.DEVNULL)
    report = json.loads(out.read_text())
    if report.get("runtimeError"):
        raise SystemExit(f"Lighthouse could not load {url}: {report['runtimeError']}")
    final_url = report.get("finalDisplayedUrl", "")
    if final_url.rstrip("/") != url.rstrip("/"):
        # The Overview sends people who are not signed in to the sign-in page: measuring that
        # instead would be a wrong figure, not a slow one.
        raise SystemExit(f"Lighthouse was sent from {url} to {final_url}")
    audits = report["audits"]
    return Run(
        score=report["categories"]["performance"]["score"] * 100,
        lcp_ms=audits["largest-contentful-paint"]["numericValue"],
        fcp_ms=audits["first-contentful-paint"]["numericValue"],
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        transfer_kb=audits["total-byte-weight"]["numericValue"] / 1024,
    )


def session_cookie(base_url: str) -> str:
    """Signs the demo employee in and returns the Cookie header the portal would send."""
    answer = requests.post(
        f"{base_url}/api/v1/session",
        json={"username": PERSON, "password": DEMO_PASSWORD},
        timeout=30,
    )
    answer.raise_for_status()
    return "; ".join(f"{name}={value}" for name, value in answer.cookies.items())


def median_run(runs: list[Run]) -> Run:
    """The run with the median LCP (Lighthouse's own advice for repeated runs)."""
    ordered = sorted(runs, key=lambda run: run.lcp_ms)
    return ordered[len(ordered) // 2]


def main() -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit(f"{LIGHTHOUSE} is missing: run `npm ci` in {HERE}")
    dist = web_dir()
    if not (dist / "index.html").exists():
        raise SystemExit(f"the portal is not built ({dist}): run scripts/build-web.sh")
    runs_per_case = int(os.environ.get("TESSERA_BENCH_LIGHTHOUSE_RUNS", "3"))
    target = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    out_dir = target / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)

    server = TesseraServer(web=dist, name="lighthouse").start()
    rows: list[tuple[str, str, Run, list[Run]]] = []
    try:
        cookie = session_cookie(server.base_url)
        cases = [
            ("Sign-in page", f"{server.base_url}/sign-in", {}),
            ("Overview", f"{server.base_url}/", {"Cookie": cookie}),
        ]
        with tempfile.TemporaryDirectory(prefix="lighthouse-") as scratch:
            for page, url, headers in cases:
                for form_factor in ("desktop", "mobile"):
                    runs = []
                    for number in range(runs_per_case):
                        report = Path(scratch) / f"{len(rows)}-{number}.json"
                        runs.append(lighthouse(url, form_factor, headers, report))
                    best = median_run(runs)
                    rows.append((page, form_factor, best, runs))
                    print(
                        f"{page}, {form_factor}: score {best.score:.0f}, "
                        f"LCP {best.lcp_ms / 1000:.2f} s",
                        flush=True,
                    )
    finally:
        server.cleanup()

    lines = [
        f"Lighthouse {lighthouse_version()} with {chromium_version()}, "
        f"median of {runs_per_case} runs (by LCP), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load average {os.getloadavg()[0]:.1f}",
        "",
        "| Page | Form factor | Performance score | LCP | FCP | Total blocking time | Bytes transferred | Scores of all runs |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for page, form_factor, best, runs in rows:
        lines.append(
            f"| {page} | {form_factor} | {best.score:.0f} | {best.lcp_ms / 1000:.2f} s "
            f"| {best.fcp_ms / 1000:.2f} s | {best.tbt_ms:.0f} ms | {best.transfer_kb:,.0f} kB "
            f"| {', '.join(f'{run.score:.0f}' for run in runs)} |"
        )
    table = "\n".join(lines) + "\n"
    (out_dir / "lighthouse.md").write_text(table)
    print()
    print(table)


def lighthouse_version() -> str:
    return subprocess.run(
        [str(LIGHTHOUSE), "--version"], check=True, capture_output=True, text=True
    ).stdout.strip()


def chromium_version() -> str:
    return subprocess.run(
        [CHROMIUM, "--version"], check=True, capture_output=True, text=True
    ).stdout.strip()


if __name__ == "__main__":
    main()
