//! The rows of a form's lists (approval stages, approvers, questions, reviewers), each with a
//! key of its own. An editor's store finds a row by its key, not by its place, so removing or
//! moving a row never leaves a view reading a place that is gone or holds another row.

/// A row of a form's list.
pub trait Row {
    /// Unique among the rows of one list; it stays the row's while the row is edited.
    fn key(&self) -> usize;
}

/// A key that no row of `rows` has.
pub fn fresh_key<R: Row>(rows: &[R]) -> usize {
    rows.iter().map(|row| row.key() + 1).max().unwrap_or(0)
}

/// Removes the row with `key`, if it is still there.
pub fn remove_row<R: Row>(rows: &mut Vec<R>, key: usize) {
    rows.retain(|row| row.key() != key);
}

/// Swaps the row with `key` with the one before it (`up`) or after it, if there is one.
pub fn move_row<R: Row>(rows: &mut [R], key: usize, up: bool) {
    let Some(index) = rows.iter().position(|row| row.key() == key) else {
        return;
    };
    let other = if up {
        index.checked_sub(1)
    } else {
        Some(index + 1)
    };
    if let Some(other) = other.filter(|other| *other < rows.len()) {
        rows.swap(index, other);
    }
}

/// The keys of `rows`, in order: what a list's view is drawn from.
pub fn keys_of<R: Row>(rows: &[R]) -> Vec<usize> {
    rows.iter().map(Row::key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Line(usize, &'static str);

    impl Row for Line {
        fn key(&self) -> usize {
            self.0
        }
    }

    #[test]
    fn a_fresh_key_is_past_every_key_in_the_list() {
        assert_eq!(fresh_key::<Line>(&[]), 0);
        assert_eq!(fresh_key(&[Line(3, "a"), Line(1, "b")]), 4);
    }

    #[test]
    fn rows_are_removed_and_moved_by_key_not_by_place() {
        let mut rows = vec![Line(0, "a"), Line(5, "b"), Line(2, "c")];
        move_row(&mut rows, 2, true);
        assert_eq!(keys_of(&rows), [0, 2, 5]);
        move_row(&mut rows, 0, true);
        move_row(&mut rows, 5, false);
        assert_eq!(keys_of(&rows), [0, 2, 5]);
        remove_row(&mut rows, 2);
        remove_row(&mut rows, 7);
        assert_eq!(rows, [Line(0, "a"), Line(5, "b")]);
    }
}
