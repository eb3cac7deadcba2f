//! A directory import file chosen in the browser: which of the two formats the API takes it
//! is, and how its report reads.

use tessera_domain::directory::{ImportCounts, ImportReport, ImportSection};
use tessera_domain::problem::Problem;

use crate::forms::sentence;

/// The field of a refusal that is about the file as a whole.
pub const FILE_FIELD: &str = "file";

/// The formats of `POST /api/v1/directory/imports`, told apart by the request's media type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportFormat {
    Json,
    Csv,
}

impl ImportFormat {
    /// The format of a file, from its name's extension, else from the type the browser gave
    /// it. Browsers type CSV files inconsistently (`application/vnd.ms-excel` on some
    /// systems), so the extension comes first.
    pub fn of(file_name: &str, browser_type: &str) -> Option<Self> {
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, extension)| extension.to_ascii_lowercase());
        match extension.as_deref() {
            Some("json") => return Some(Self::Json),
            Some("csv") => return Some(Self::Csv),
            _ => {}
        }
        let media_type = browser_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match media_type.as_str() {
            "application/json" => Some(Self::Json),
            "text/csv" => Some(Self::Csv),
            _ => None,
        }
    }

    /// The `Content-Type` the API expects for this format.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Json => "application/json",
            Self::Csv => "text/csv",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Csv => "CSV",
        }
    }
}

/// The sections of a report, in the order the import applies them.
pub const SECTIONS: [ImportSection; 4] = [
    ImportSection::Users,
    ImportSection::Groups,
    ImportSection::Memberships,
    ImportSection::Applications,
];

pub fn section_label(section: ImportSection) -> &'static str {
    match section {
        ImportSection::Users => "Users",
        ImportSection::Groups => "Groups",
        ImportSection::Memberships => "Memberships",
        ImportSection::Applications => "Applications",
    }
}

/// One section's count.
pub fn count(counts: &ImportCounts, section: ImportSection) -> u32 {
    match section {
        ImportSection::Users => counts.users,
        ImportSection::Groups => counts.groups,
        ImportSection::Memberships => counts.memberships,
        ImportSection::Applications => counts.applications,
    }
}

fn total(counts: &ImportCounts) -> u32 {
    counts.users + counts.groups + counts.memberships + counts.applications
}

/// One sentence that sums a report up, such as "2 created, 1 updated, 0 unchanged, 1 rejected."
pub fn summary(report: &ImportReport) -> String {
    format!(
        "{} created, {} updated, {} unchanged, {} rejected.",
        total(&report.created),
        total(&report.updated),
        total(&report.unchanged),
        report.rejected.len()
    )
}

/// What a refusal of the whole file says about its parts, one line each, for the message under
/// the file input: a CSV column (`colour: is not a known column…`) or a JSON row
/// (`users[0].nickname: …`). A refusal of the file itself or of the body reads without a name.
pub fn problem_lines(problem: &Problem) -> Vec<String> {
    problem
        .errors
        .iter()
        .map(|error| match error.field.as_str() {
            FILE_FIELD | "body" | "" => sentence(&error.message),
            field => format!("{field}: {}", error.message),
        })
        .collect()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
