"""Choosing in the portal's combobox (one input whose text the server searches, with a list of
suggestions under it), as a person with a mouse does: type part of a name, click a suggestion."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


def pick(scope: Locator | Page, label: str, typed: str, option: str) -> Locator:
    """Types `typed` into the combobox labelled `label`, clicks the suggestion named `option`,
    and checks that the input then shows that name. Returns the combobox."""
    box = scope.get_by_role("combobox", name=label, exact=True)
    box.fill(typed)
    suggestions = scope.get_by_role(
        "listbox", name=f"{label} suggestions", exact=True, include_hidden=True
    )
    suggestions.get_by_role("option", name=option, exact=True).click()
    expect(box).to_have_value(option)
    expect(box).to_have_attribute("aria-expanded", "false")
    return box
