"""The portal's one combobox (WAI-ARIA 1.2: an input whose text the server searches, a list of
suggestions, a polite count), driven in Chromium on real pages at 1280x800 and 375x812: by
keyboard alone on a new assignment's "Person", where the assignment saved is checked through
the API, by mouse on the audit trail's "Object" filter, where the events listed are checked,
and with a list of suggestions long enough to scroll, open while axe checks the page.

Each test makes what it needs under unique names, so the tests run in any order and next to the
other browser tests on the shared server.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Locator, Page, expect

from accessibility import assert_accessible
from conftest import AdminApi, User, demo_user
from review_helpers import screenshot, sign_in
from test_admin_assignments import (
    QUESTION,
    group_member_ids,
    open_new_assignment,
    person_label,
    set_up_package,
)

SIZES = [(1280, 800), (375, 812)]

# More suggestions than the list shows at once (it is 16rem high), so that it scrolls.
MANY = 30


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def live_region(box: Locator) -> Locator:
    """The combobox's polite live region (a plain element: pages keep role=status for their
    own messages)."""
    field = box.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' combobox ')][1]")
    return field.locator("[aria-live='polite']")


def highlighted(box: Locator, option: Locator) -> None:
    """`option` is the highlighted suggestion, as the input tells assistive technology."""
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id") or "")


@pytest.mark.parametrize("width,height", SIZES)
def test_a_person_is_chosen_by_keyboard_alone_and_the_assignment_names_them(
    page: Page, admin_api: AdminApi, width: int, height: int
) -> None:
    setup = set_up_package(admin_api)
    tag = uuid.uuid4().hex[:8]
    # Two people whose names both contain the tag: listed by username, in creation order.
    first = admin_api.create_user(f"cb{tag}")
    second = admin_api.create_user(f"cb{tag}")
    first, second = sorted([first, second], key=lambda user: user.username)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_user("admin"))
    page.goto(f"/admin/access-packages/{setup.package['id']}")
    expect(page.get_by_role("heading", level=1, name=setup.package["name"])).to_be_visible()
    _, form = open_new_assignment(page)

    box = form.get_by_role("combobox", name="Person", exact=True)
    suggestions = form.get_by_role(
        "listbox", name="Person suggestions", exact=True, include_hidden=True
    )
    expect(box).to_have_attribute("aria-controls", suggestions.get_attribute("id") or "")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.focus()
    page.keyboard.type(f"cb{tag}")
    options = suggestions.get_by_role("option")
    expect(options).to_have_text([person_label(first), person_label(second)])
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(live_region(box)).to_have_text("2 suggestions")
    expect(form.get_by_role("status")).to_have_count(0)
    no_sideways_scroll(page)
    screenshot(page, f"combobox-open-{width}.png")

    # Down, Down, Down wraps to the first; Up from the first wraps to the last; Home, End.
    page.keyboard.press("ArrowDown")
    highlighted(box, options.nth(0))
    page.keyboard.press("ArrowDown")
    highlighted(box, options.nth(1))
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowDown")
    highlighted(box, options.nth(0))
    page.keyboard.press("ArrowUp")
    highlighted(box, options.nth(1))
    page.keyboard.press("Home")
    highlighted(box, options.nth(0))
    page.keyboard.press("End")
    highlighted(box, options.nth(1))

    # Enter picks: the input shows the name, not the id, and the list closes.
    page.keyboard.press("Enter")
    expect(box).to_have_value(person_label(second))
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(suggestions).to_be_hidden()
    expect(form.get_by_role("alert")).to_have_count(0)

    # Typing on reopens; Escape closes and keeps the text; a second Escape restores the name.
    page.keyboard.type(" nobody-matches")
    expect(live_region(box)).to_have_text("No matches")
    expect(form.get_by_text("No matches", exact=True).first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Escape")
    expect(box).to_have_value(f"{person_label(second)} nobody-matches")
    page.keyboard.press("Escape")
    expect(box).to_have_value(person_label(second))

    # Tab leaves for the Clear button; Enter on it empties the choice and comes back.
    page.keyboard.press("Tab")
    clear = form.get_by_role("button", name="Clear Person", exact=True)
    expect(clear).to_be_focused()
    page.keyboard.press("Enter")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(clear).to_have_count(0)

    # Chosen again, by keyboard: the first person this time.
    page.keyboard.type(f"cb{tag}")
    expect(options).to_have_count(2)
    page.keyboard.press("ArrowDown")
    highlighted(box, options.nth(0))
    page.keyboard.press("Enter")
    expect(box).to_have_value(person_label(first))

    form.get_by_role("radiogroup", name=re.compile(re.escape(QUESTION))).get_by_label(
        "Oslo"
    ).check()
    with page.expect_response(
        lambda answer: answer.request.method == "POST"
        and answer.url.endswith(f"/access-packages/{setup.package['id']}/assignments")
    ) as answer:
        form.get_by_role("button", name="Assign").click()
    assert answer.value.status == 201, answer.value.text()
    assert answer.value.request.post_data_json["user_id"] == first.id
    members = group_member_ids(admin_api, setup.group["id"])
    assert first.id in members and second.id not in members


@pytest.mark.parametrize("width,height", SIZES)
def test_the_audit_object_filter_suggests_objects_by_name_and_filters_on_the_one_clicked(
    page: Page, admin_api: AdminApi, width: int, height: int
) -> None:
    tag = uuid.uuid4().hex[:8]
    catalog = admin_api.http.post(
        f"{admin_api.base_url}/api/v1/catalogs", json={"name": f"E2E Combo {tag}"}, timeout=30
    )
    assert catalog.status_code == 201, catalog.text
    catalog = catalog.json()
    group = admin_api.http.post(
        f"{admin_api.base_url}/api/v1/groups", json={"name": f"E2E Combo {tag} group"}, timeout=30
    )
    assert group.status_code == 201, group.text
    group = group.json()
    person = admin_api.create_user(f"combo{tag}")

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_user("admin"))
    page.goto("/admin/audit")
    expect(page.get_by_role("heading", level=1, name="Audit")).to_be_visible()
    filters = page.get_by_role("search", name="Filters")
    box = filters.get_by_role("combobox", name="Object", exact=True)
    suggestions = filters.get_by_role(
        "listbox", name="Object suggestions", exact=True, include_hidden=True
    )

    # People, catalogs and groups are suggested by name, each kind said.
    box.click()
    box.fill(f"combo {tag}")
    expect(suggestions.get_by_role("option")).to_have_text(
        [f"E2E Combo {tag} (catalog)", f"E2E Combo {tag} group (group)"]
    )
    box.fill(f"combo{tag}")
    expect(suggestions.get_by_role("option")).to_have_text(
        [f"{person_label(person)} (person)"]
    )
    expect(live_region(box)).to_have_text("1 suggestion")
    box.fill(f"combo {tag}")
    option = suggestions.get_by_role("option", name=f"E2E Combo {tag} (catalog)", exact=True)
    no_sideways_scroll(page)
    screenshot(page, f"audit-object-suggestions-{width}.png")
    option.click()
    expect(box).to_have_value(f"E2E Combo {tag} (catalog)")
    expect(suggestions).to_be_hidden()
    filters.get_by_role("button", name="Apply filters").click()

    # Only the events about that catalog are listed, and the CSV carries the same filter.
    events = page.get_by_role("region", name="Events")
    expect(events.get_by_role("row", name=re.compile(re.escape(f"E2E Combo {tag}")))).to_have_count(1)
    expect(events.get_by_role("row", name=re.compile(re.escape(f"{tag} group")))).to_have_count(0)
    expect(events.get_by_role("link", name="Download CSV")).to_have_attribute(
        "href", re.compile(f"target_type=catalog.*target_id={catalog['id']}")
    )

    # Cleared with the mouse: nothing chosen, and applying lists the group's event again.
    filters.get_by_role("button", name="Clear Object", exact=True).click()
    expect(box).to_have_value("")
    filters.get_by_role("button", name="Apply filters").click()
    expect(events.get_by_role("link", name="Download CSV")).not_to_have_attribute(
        "href", re.compile("target_id=")
    )
    expect(
        events.get_by_role("row", name=re.compile(re.escape(f"E2E Combo {tag} group"))).first
    ).to_be_visible()


@pytest.fixture(scope="module")
def many_people(admin_api: AdminApi) -> tuple[str, list[User]]:
    """MANY people whose usernames share a tag, for a list of suggestions that scrolls."""
    tag = f"many{uuid.uuid4().hex[:8]}"
    people = [admin_api.create_user(tag) for _ in range(MANY)]
    return tag, sorted(people, key=lambda user: user.username)


@pytest.mark.parametrize("width,height", SIZES)
def test_a_long_list_of_suggestions_scrolls_to_the_highlighted_one_and_passes_axe(
    page: Page,
    admin_api: AdminApi,
    many_people: tuple[str, list[User]],
    width: int,
    height: int,
) -> None:
    tag, people = many_people
    setup = set_up_package(admin_api)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, demo_user("admin"))
    page.goto(f"/admin/access-packages/{setup.package['id']}")
    expect(page.get_by_role("heading", level=1, name=setup.package["name"])).to_be_visible()
    _, form = open_new_assignment(page)
    box = form.get_by_role("combobox", name="Person", exact=True)
    suggestions = form.get_by_role(
        "listbox", name="Person suggestions", exact=True, include_hidden=True
    )
    box.focus()
    page.keyboard.type(tag)
    options = suggestions.get_by_role("option")
    expect(options).to_have_text([person_label(person) for person in people])
    expect(live_region(box)).to_have_text(f"{MANY} suggestions")
    assert suggestions.evaluate("list => list.scrollHeight > list.clientHeight"), (
        "the list does not scroll: the test needs more suggestions"
    )

    # The highlighted suggestion is scrolled into the list's view, at either end.
    page.keyboard.press("End")
    highlighted(box, options.nth(MANY - 1))
    in_view = """([list, option]) => {
        const outer = list.getBoundingClientRect(), inner = option.getBoundingClientRect();
        return inner.top >= outer.top - 1 && inner.bottom <= outer.bottom + 1;
    }"""
    assert page.evaluate(in_view, [suggestions.element_handle(), options.nth(MANY - 1).element_handle()])
    page.keyboard.press("Home")
    highlighted(box, options.nth(0))
    assert page.evaluate(in_view, [suggestions.element_handle(), options.nth(0).element_handle()])

    # The whole page through axe with the long list open. Its scrollable-region-focusable rule
    # leaves out a combobox's popup (a listbox that a role=combobox names in aria-controls):
    # the list scrolls by keyboard from the input (aria-activedescendant, kept in view above),
    # not by a focus of its own. A list that lost that link would fail here.
    expect(box).to_be_focused()
    assert_accessible(page, "a long list of suggestions, open")
    no_sideways_scroll(page)
    screenshot(page, f"combobox-long-list-{width}.png")
