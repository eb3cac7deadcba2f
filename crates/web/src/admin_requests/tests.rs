//! The pure parts of this feature, tested natively.

use super::*;

#[test]
fn empty_filters_ask_for_everything() {
    let filters = RequestFilterForm::default().parse();
    assert_eq!(filters.as_ref().ok(), Some(&RequestExportQuery::default()));
    assert_eq!(csv_href(&RequestExportQuery::default()), CSV_EXPORT_PATH);
}

#[test]
fn filters_become_the_query_of_the_list_and_the_csv_link() {
    let form = RequestFilterForm {
        state: "delivery_failed".into(),
        requester_id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        created_after: "2025-03-04T14:05".into(),
        ..RequestFilterForm::default()
    };
    let Ok(filters) = form.parse() else {
        panic!("refused")
    };
    assert_eq!(
        csv_href(&filters),
        "/api/v1/requests.csv?state=delivery_failed\
         &requester_id=0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\
         &created_after=2025-03-04T14%3A05%3A00Z"
    );
}

#[test]
fn every_bad_filter_is_named() {
    let form = RequestFilterForm {
        state: "stuck".into(),
        access_package_id: "nope".into(),
        requester_id: "nobody".into(),
        created_after: "2025-03-04T14:05".into(),
        created_before: "2025-03-04T14:00".into(),
    };
    let Err(ApiError::Problem(problem)) = form.parse() else {
        panic!("accepted")
    };
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "state",
            "access_package_id",
            "requester_id",
            "created_before"
        ]
    );
}
