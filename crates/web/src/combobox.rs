//! The pure parts of the portal's combobox (`components::Combobox`, the WAI-ARIA 1.2 combobox
//! with a list of suggestions): what a key does, which suggestion is highlighted after a move,
//! what the input shows, and what the live region says. Kept here, apart from the browser, so
//! that they are tested natively.

/// One suggestion: the value chosen (an id) and what people read.
pub type Choice = (String, String);

/// Where a key moves the highlight among the suggestions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Next,
    Previous,
    First,
    Last,
}

/// What a key pressed in the combobox's input does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    /// Opens the list (when closed) and moves the highlight.
    Move(Move),
    /// Chooses the highlighted suggestion.
    Pick,
    /// Closes the list, leaving the text as typed.
    Close,
    /// Puts back the chosen value's text (Escape on a closed list).
    Restore,
    /// Closes the list and lets the key do what it does anyway (Tab leaves the field).
    Leave,
    /// Not the combobox's key: the input (or the form) handles it.
    Ignore,
}

/// What `key` (a `KeyboardEvent.key`) does, given whether suggestions are listed, whether the
/// list is open at all (it may say "No matches" instead) and whether a suggestion is
/// highlighted. Enter with nothing highlighted is left to the form, which may submit; Home and
/// End move the caret while nothing is listed.
pub fn key_action(key: &str, listed: bool, open: bool, highlighted: bool) -> KeyAction {
    match key {
        "ArrowDown" | "Down" => KeyAction::Move(Move::Next),
        "ArrowUp" | "Up" => KeyAction::Move(Move::Previous),
        "Home" if listed => KeyAction::Move(Move::First),
        "End" if listed => KeyAction::Move(Move::Last),
        "Enter" if listed && highlighted => KeyAction::Pick,
        "Escape" | "Esc" if open => KeyAction::Close,
        "Escape" | "Esc" => KeyAction::Restore,
        "Tab" if open => KeyAction::Leave,
        _ => KeyAction::Ignore,
    }
}

/// The suggestion highlighted after `step` from `active` among `len` suggestions: Down from
/// the last one wraps to the first, Up from the first (or from none) to the last. `None` when
/// there is nothing to highlight.
pub fn moved(active: Option<usize>, len: usize, step: Move) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let active = active.filter(|index| *index < len);
    Some(match (step, active) {
        (Move::First, _) | (Move::Next, None) => 0,
        (Move::Last, _) | (Move::Previous, None) => len - 1,
        (Move::Next, Some(index)) => (index + 1) % len,
        (Move::Previous, Some(index)) => (index + len - 1) % len,
    })
}

/// The `id` of the `index`th suggestion of the list `list_id`.
pub fn option_id(list_id: &str, index: usize) -> String {
    format!("{list_id}-option-{index}")
}

/// What the input shows for the chosen `value`: its name, from the first source that knows it
/// (the caller's names, the suggestions shown, the suggestion picked last), else the value
/// itself until its name arrives; nothing when nothing is chosen.
pub fn chosen_text(
    value: &str,
    named: Option<String>,
    suggestions: &[Choice],
    picked: Option<&Choice>,
) -> String {
    if value.is_empty() {
        return String::new();
    }
    named
        .or_else(|| name_in(suggestions, value))
        .or_else(|| {
            picked
                .filter(|(id, _)| id == value)
                .map(|(_, name)| name.clone())
        })
        .unwrap_or_else(|| value.to_string())
}

/// The name of `value` among `suggestions`.
pub fn name_in(suggestions: &[Choice], value: &str) -> Option<String> {
    suggestions
        .iter()
        .find(|(id, _)| id == value)
        .map(|(_, name)| name.clone())
}

/// Whether the input's text should become `shown` now that the chosen value or its name
/// changed: always when the value itself changed (picked, cleared or reset by the form), and
/// otherwise (its name arrived) only while the person has not typed over what was shown.
pub fn follow_value(value_changed: bool, text: &str, shown_before: &str) -> bool {
    value_changed || text == shown_before
}

/// What the live region says about the suggestions while the list is open.
pub fn announcement(searching: bool, failed: bool, count: usize) -> String {
    match (searching, failed, count) {
        (true, _, _) => "Searching…".to_string(),
        (false, true, _) => "The search failed".to_string(),
        (false, false, 0) => "No matches".to_string(),
        (false, false, 1) => "1 suggestion".to_string(),
        (false, false, many) => format!("{many} suggestions"),
    }
}

/// The accessible name of the list of suggestions of a field labelled `label`.
pub fn list_name(label: &str) -> String {
    format!("{label} suggestions")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn choices(names: &[(&str, &str)]) -> Vec<Choice> {
        names
            .iter()
            .map(|(id, name)| (id.to_string(), name.to_string()))
            .collect()
    }

    #[test]
    fn down_highlights_the_first_suggestion_then_the_next_and_wraps_after_the_last() {
        assert_eq!(moved(None, 3, Move::Next), Some(0));
        assert_eq!(moved(Some(0), 3, Move::Next), Some(1));
        assert_eq!(moved(Some(1), 3, Move::Next), Some(2));
        assert_eq!(moved(Some(2), 3, Move::Next), Some(0));
    }

    #[test]
    fn up_from_nothing_or_the_first_suggestion_wraps_to_the_last() {
        assert_eq!(moved(None, 3, Move::Previous), Some(2));
        assert_eq!(moved(Some(0), 3, Move::Previous), Some(2));
        assert_eq!(moved(Some(2), 3, Move::Previous), Some(1));
    }

    #[test]
    fn home_and_end_go_to_the_ends() {
        assert_eq!(moved(Some(1), 4, Move::First), Some(0));
        assert_eq!(moved(None, 4, Move::Last), Some(3));
    }

    #[test]
    fn nothing_is_highlighted_among_no_suggestions() {
        for step in [Move::Next, Move::Previous, Move::First, Move::Last] {
            assert_eq!(moved(Some(2), 0, step), None);
        }
    }

    #[test]
    fn a_highlight_beyond_a_shorter_list_starts_again() {
        // The list shrank under the highlight while a new search answered.
        assert_eq!(moved(Some(7), 2, Move::Next), Some(0));
        assert_eq!(moved(Some(7), 2, Move::Previous), Some(1));
    }

    #[test]
    fn keys_do_what_the_combobox_pattern_says() {
        assert_eq!(
            key_action("ArrowDown", false, false, false),
            KeyAction::Move(Move::Next)
        );
        assert_eq!(
            key_action("ArrowUp", true, true, true),
            KeyAction::Move(Move::Previous)
        );
        assert_eq!(
            key_action("Home", true, true, false),
            KeyAction::Move(Move::First)
        );
        assert_eq!(
            key_action("End", true, true, true),
            KeyAction::Move(Move::Last)
        );
        assert_eq!(key_action("Enter", true, true, true), KeyAction::Pick);
        assert_eq!(key_action("Escape", true, true, false), KeyAction::Close);
        assert_eq!(
            key_action("Escape", false, false, false),
            KeyAction::Restore
        );
        assert_eq!(key_action("Tab", true, true, true), KeyAction::Leave);
        assert_eq!(key_action("a", true, true, true), KeyAction::Ignore);
    }

    #[test]
    fn keys_the_input_or_form_needs_are_left_to_them_while_nothing_is_offered() {
        // Enter submits the form; Home and End move the caret in the text.
        assert_eq!(key_action("Enter", true, true, false), KeyAction::Ignore);
        assert_eq!(key_action("Enter", false, false, false), KeyAction::Ignore);
        assert_eq!(key_action("Home", false, true, false), KeyAction::Ignore);
        assert_eq!(key_action("End", false, false, false), KeyAction::Ignore);
        assert_eq!(key_action("Tab", false, false, false), KeyAction::Ignore);
    }

    #[test]
    fn escape_closes_a_list_that_says_no_matches_before_it_restores() {
        assert_eq!(key_action("Escape", false, true, false), KeyAction::Close);
    }

    #[test]
    fn the_input_shows_the_chosen_name_not_its_id() {
        let shown = choices(&[("u1", "Alice Analyst (alice)")]);
        assert_eq!(chosen_text("", None, &shown, None), "");
        assert_eq!(
            chosen_text("u1", None, &shown, None),
            "Alice Analyst (alice)"
        );
        assert_eq!(
            chosen_text("u1", Some("Alice".into()), &shown, None),
            "Alice"
        );
        let picked = ("u2".to_string(), "Bob".to_string());
        assert_eq!(chosen_text("u2", None, &shown, Some(&picked)), "Bob");
        // A name not known yet: the id until the name arrives.
        assert_eq!(chosen_text("u3", None, &shown, Some(&picked)), "u3");
    }

    #[test]
    fn the_text_follows_the_value_unless_typed_over() {
        assert!(follow_value(true, "typed", "Alice"));
        assert!(follow_value(false, "u1", "u1"));
        assert!(!follow_value(false, "ali", "u1"));
    }

    #[test]
    fn the_live_region_counts_the_suggestions() {
        assert_eq!(announcement(true, false, 4), "Searching…");
        assert_eq!(announcement(false, false, 0), "No matches");
        assert_eq!(announcement(false, false, 1), "1 suggestion");
        assert_eq!(announcement(false, false, 12), "12 suggestions");
        assert_eq!(announcement(false, true, 0), "The search failed");
    }

    #[test]
    fn options_and_the_list_are_named_for_the_field() {
        assert_eq!(option_id("who-user-list", 3), "who-user-list-option-3");
        assert_eq!(list_name("Person"), "Person suggestions");
        let shown = choices(&[("a", "A"), ("b", "B")]);
        assert_eq!(name_in(&shown, "b").as_deref(), Some("B"));
        assert_eq!(name_in(&shown, "c"), None);
    }
}
