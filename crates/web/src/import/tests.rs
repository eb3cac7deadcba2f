//! The pure parts of this feature, tested natively.

use tessera_domain::directory::ImportRejection;
use tessera_domain::problem::{FieldError, ProblemCode};

use super::*;

#[test]
fn the_extension_decides_the_format() {
    assert_eq!(
        ImportFormat::of("people.CSV", "application/vnd.ms-excel"),
        Some(ImportFormat::Csv)
    );
    assert_eq!(
        ImportFormat::of("directory.json", ""),
        Some(ImportFormat::Json)
    );
}

#[test]
fn without_a_known_extension_the_browsers_type_decides() {
    assert_eq!(
        ImportFormat::of("export", "text/csv; charset=utf-8"),
        Some(ImportFormat::Csv)
    );
    assert_eq!(
        ImportFormat::of("export.txt", "application/json"),
        Some(ImportFormat::Json)
    );
    assert_eq!(ImportFormat::of("notes.txt", "text/plain"), None);
    assert_eq!(ImportFormat::of("", ""), None);
}

#[test]
fn a_report_is_summed_up_across_sections() {
    let report = ImportReport {
        created: ImportCounts {
            users: 2,
            groups: 1,
            ..ImportCounts::default()
        },
        updated: ImportCounts {
            memberships: 1,
            ..ImportCounts::default()
        },
        unchanged: ImportCounts::default(),
        rejected: vec![ImportRejection {
            section: ImportSection::Users,
            row: 3,
            field: Some("email".into()),
            reason: "must contain '@'".into(),
        }],
    };
    assert_eq!(
        summary(&report),
        "3 created, 1 updated, 0 unchanged, 1 rejected."
    );
    assert_eq!(count(&report.created, ImportSection::Groups), 1);
    assert_eq!(section_label(ImportSection::Memberships), "Memberships");
}

#[test]
fn a_refused_file_names_its_columns_and_rows() {
    let problem = Problem {
        type_uri: "about:blank".into(),
        title: "Invalid input".into(),
        status: 422,
        detail: None,
        code: ProblemCode::ValidationFailed,
        request_id: None,
        errors: vec![
            FieldError {
                field: "colour".into(),
                message: "is not a known column".into(),
            },
            FieldError {
                field: FILE_FIELD.into(),
                message: "choose a file".into(),
            },
        ],
    };
    assert_eq!(
        problem_lines(&problem),
        ["colour: is not a known column", "Choose a file"]
    );
}
