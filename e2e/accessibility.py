"""axe-core in the browser tests: `assert_accessible(page)` runs axe on the page as it is now and
fails with every violation of impact critical, serious or moderate.

axe-core comes from the PyPI package axe-playwright-python (pinned in e2e/requirements.txt), which
ships axe-core's own `axe.min.js`; only that file is used. It is evaluated in the page through
Playwright (the DevTools protocol), so the portal's Content-Security-Policy stays as strict as it
is for people. No rule is turned off and nothing of the portal is excluded.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlparse

import axe_playwright_python
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

FAILING_IMPACTS = ("critical", "serious", "moderate")

# The one page not checked: the API reference at /api/docs/ is Swagger UI as utoipa-swagger-ui
# bundles it, third-party markup and styles (its colours, its controls nested in controls, its
# unlabelled URL box) that Tessera neither writes nor can change short of forking it. It is the
# API's reference for developers, not a page of the portal, all of whose pages are checked.
THIRD_PARTY_PATHS = ("/api/docs/",)

_RUN = """
async () => {
  const results = await axe.run(document, { resultTypes: ['violations'] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: n.failureSummary || '' })),
  }));
}
"""


@cache
def _axe_source() -> str:
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def axe_core_version() -> str:
    first = _axe_source().splitlines()[0]  # "/*! axe v4.12.1"
    return first.removeprefix("/*! axe v").strip()


def violations(page: Page) -> list[dict]:
    """The violations of impact critical, serious or moderate on `page` now."""
    # A navigation that starts while axe runs destroys its context: wait for the new document
    # and run once more.
    for attempt in (1, 2):
        try:
            if not page.evaluate("() => typeof window.axe === 'object'"):
                page.evaluate(_axe_source())
            found = page.evaluate(_RUN)
            break
        except PlaywrightError:
            if attempt == 2:
                raise
            page.wait_for_load_state()
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(found: list[dict], where: str) -> str:
    lines = [f"axe-core {axe_core_version()} found {len(found)} violation(s) on {where}:"]
    for violation in found:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"      at {' > '.join(node['target'])}")
            for detail in node["summary"].splitlines()[1:3]:
                lines.append(f"         {detail.strip()}")
    return "\n".join(lines)


def is_checkable(page: Page) -> bool:
    """A page that is open and shows a document of ours (not about:blank before a navigation,
    not the third-party API reference)."""
    if page.is_closed() or not page.url.startswith(("http://", "https://")):
        return False
    return not urlparse(page.url).path.startswith(THIRD_PARTY_PATHS)


def assert_accessible(page: Page, state: str = "") -> None:
    """Fails when axe-core finds a critical, serious or moderate violation on `page` now."""
    if not is_checkable(page):
        return
    found = violations(page)
    if found:
        where = page.url + (f" ({state})" if state else "")
        raise AssertionError(describe(found, where))
