//! Searching names as people type them: a word or part of one, anywhere in the text, ignoring
//! case.
//!
//! Both databases answer from an index, each its own way, behind one condition that the store's
//! queries push with [`push_matches`]:
//!
//! - SQLite keeps an FTS5 table with the `trigram` tokenizer beside each searched table (kept in
//!   step by the triggers of migration 0022), keyed by the table's `rowid`. A phrase of three
//!   characters or more matches exactly the rows that contain it as a substring, case folded.
//!   Shorter text has no trigram to look up, so it falls back to `LIKE`, which matches most rows
//!   anyway.
//! - PostgreSQL keeps GIN `gin_trgm_ops` indexes (pg_trgm) on the lowercased columns, which
//!   answer `lower(column) LIKE '%text%'` directly, so the condition is the plain `LIKE`.
//!
//! Callers that sort and page the matches put them in a `MATERIALIZED` common table expression
//! first, so that the planner finds the (few) matches through the index and then sorts them,
//! rather than walking the name index and testing row after row until a page is full.

use sqlx::{Database, QueryBuilder};

/// Text to look for, lowercased, in the two shapes the databases need.
#[derive(Clone, Debug)]
pub struct Search {
    /// `%text%` with `%`, `_` and `\` escaped, for `LIKE … ESCAPE '\'`.
    pattern: String,
    /// The text as one FTS5 phrase (`"…"`, inner quotes doubled), when it is long enough for
    /// the trigram index (three characters or more).
    phrase: Option<String>,
}

impl Search {
    /// The search for `text` (already trimmed and not empty).
    pub fn new(text: &str) -> Search {
        let text = text.to_lowercase();
        let phrase =
            (text.chars().count() >= 3).then(|| format!("\"{}\"", text.replace('"', "\"\"")));
        Search {
            pattern: format!("%{}%", super::escape_like(&text)),
            phrase,
        }
    }

    /// The `LIKE` pattern (`%text%`, escaped).
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether the text indexes answer this search (three characters or more): its matches
    /// are then few enough, as a rule, to be gathered first and sorted, while shorter text
    /// matches most rows, which are better tested one by one along the index of the order
    /// wanted until a page is full.
    pub fn is_indexed(&self) -> bool {
        self.phrase.is_some()
    }
}

/// What is searched: a table and which of its text columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Searched {
    /// Access packages by name or description.
    Packages,
    /// People by username, display name or e-mail address.
    People,
    /// People by username or display name (review items list them so).
    PeopleByName,
    /// Groups by name.
    Groups,
    /// Applications by name.
    Applications,
}

impl Searched {
    /// The FTS5 table of migration 0022 that indexes these columns, and the column filter
    /// that narrows a phrase to some of its columns (empty for all).
    fn fts(self) -> (&'static str, &'static str) {
        match self {
            Searched::Packages => ("access_packages_search", ""),
            Searched::People => ("users_search", ""),
            Searched::PeopleByName => ("users_search", "{username display_name} : "),
            Searched::Groups => ("groups_search", ""),
            Searched::Applications => ("applications_search", ""),
        }
    }

    /// The lowercased columns `LIKE` tests, as PostgreSQL's trigram indexes cover them
    /// (`name_key` and `username` are stored lowercased).
    fn columns(self) -> &'static [&'static str] {
        match self {
            Searched::Packages => &["name_key", "LOWER(description)"],
            Searched::People => &["username", "LOWER(display_name)", "LOWER(email)"],
            Searched::PeopleByName => &["username", "LOWER(display_name)"],
            Searched::Groups | Searched::Applications => &["name_key"],
        }
    }
}

/// How one database tests that a row contains the search.
pub trait TextSearch: Database {
    /// Pushes a condition that holds for the rows of `searched`, named `alias` in the query,
    /// whose columns contain `search`.
    fn push_matches(
        query: &mut QueryBuilder<Self>,
        searched: Searched,
        alias: &str,
        search: &Search,
    );
}

/// Pushes `(alias.a LIKE $p ESCAPE '\' OR LOWER(alias.b) LIKE $p ESCAPE '\' …)`.
fn push_like<DB: Database>(
    query: &mut QueryBuilder<DB>,
    searched: Searched,
    alias: &str,
    search: &Search,
) where
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query.push("(");
    for (i, column) in searched.columns().iter().enumerate() {
        if i > 0 {
            query.push(" OR ");
        }
        // `LOWER(x)` becomes `LOWER(alias.x)`.
        let column = match column.strip_prefix("LOWER(") {
            Some(inner) => format!("LOWER({alias}.{inner}"),
            None => format!("{alias}.{column}"),
        };
        query
            .push(column)
            .push(" LIKE ")
            .push_bind(search.pattern.clone())
            .push(" ESCAPE '\\'");
    }
    query.push(")");
}

impl TextSearch for sqlx::Sqlite {
    fn push_matches(
        query: &mut QueryBuilder<Self>,
        searched: Searched,
        alias: &str,
        search: &Search,
    ) {
        match &search.phrase {
            Some(phrase) => {
                let (table, columns) = searched.fts();
                query
                    .push(format!(
                        "{alias}.rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH "
                    ))
                    .push_bind(format!("{columns}{phrase}"))
                    .push(")");
            }
            None => push_like(query, searched, alias, search),
        }
    }
}

impl TextSearch for sqlx::Postgres {
    fn push_matches(
        query: &mut QueryBuilder<Self>,
        searched: Searched,
        alias: &str,
        search: &Search,
    ) {
        push_like(query, searched, alias, search);
    }
}

/// Pushes the condition that the row `alias` of `searched` contains `search`.
pub fn push_matches<DB: TextSearch>(
    query: &mut QueryBuilder<DB>,
    searched: Searched,
    alias: &str,
    search: &Search,
) {
    DB::push_matches(query, searched, alias, search);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_lowercased_and_escaped_for_like() {
        let search = Search::new("50%_Off\\");
        assert_eq!(search.pattern(), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn only_text_of_three_characters_or_more_becomes_a_phrase() {
        assert_eq!(Search::new("ab").phrase, None);
        assert_eq!(Search::new("äbc").phrase.as_deref(), Some("\"äbc\""));
        assert_eq!(
            Search::new("say \"hi\"").phrase.as_deref(),
            Some("\"say \"\"hi\"\"\"")
        );
    }
}
