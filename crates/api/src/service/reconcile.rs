//! Reconciliation: reads what a connected system's target holds, compares it with the people
//! Tessera expects there ([`crate::store::reconcile::list_expected_people`]), and on request
//! applies the difference through the connector.

use tessera_domain::UserId;
use tessera_domain::reconcile::{
    CSV_HEADER, ExpectedMember, ReconciliationAction, ReconciliationItemError,
    ReconciliationReport, compare,
};
use uuid::Uuid;

use crate::connectors::{Connector, ConnectorError, Person};
use crate::error::ApiResult;

/// Compares `target` with `expected`. A dry run (`apply` false) only reads; otherwise the
/// missing people are added and the unexpected members removed, each change on its own, and
/// the report lists the changes that failed. Reading the target failing is the error.
#[tracing::instrument(skip_all, fields(target = %target, apply))]
pub async fn reconcile(
    connector: &impl Connector,
    target: &str,
    expected: &[Person],
    apply: bool,
) -> Result<ReconciliationReport, ConnectorError> {
    let actual = connector.list_members(target).await?;
    let members = expected
        .iter()
        .map(|person| ExpectedMember {
            user_id: UserId::from_uuid(person.id),
            username: person.username.clone(),
            display_name: person.display_name.clone(),
            key: connector.member_key(person),
        })
        .collect();
    let mut report = ReconciliationReport::dry_run(target, compare(members, &actual));
    if !apply {
        return Ok(report);
    }
    let mut errors = Vec::new();
    for member in &report.missing {
        let Some(person) = expected.iter().find(|p| p.id == *member.user_id.as_uuid()) else {
            continue;
        };
        let added = match member.key {
            Some(_) => connector.add_member(target, person).await,
            None => Err(ConnectorError::permanent(format!(
                "{} has no value the connector matches people by",
                person.username
            ))),
        };
        if let Err(err) = added {
            errors.push(item_error(
                ReconciliationAction::Add,
                member.key.clone(),
                Some(member.user_id),
                err,
            ));
        }
    }
    for key in &report.unexpected {
        if let Err(err) = connector.remove_member(target, &stand_in(key)).await {
            errors.push(item_error(
                ReconciliationAction::Remove,
                Some(key.clone()),
                None,
                err,
            ));
        }
    }
    tracing::info!(
        missing = report.missing.len(),
        unexpected = report.unexpected.len(),
        failed = errors.len(),
        "reconciliation applied"
    );
    report.applied = true;
    report.errors = errors;
    Ok(report)
}

/// The report as CSV: one row per missing person and per unexpected member.
pub fn report_csv(report: &ReconciliationReport) -> ApiResult<Vec<u8>> {
    super::csv::write(&CSV_HEADER, report.csv_rows())
}

fn item_error(
    action: ReconciliationAction,
    key: Option<String>,
    user_id: Option<UserId>,
    err: ConnectorError,
) -> ReconciliationItemError {
    ReconciliationItemError {
        action,
        key,
        user_id,
        message: err.message,
        retry: err.retry,
    }
}

/// A member the target holds that Tessera does not expect is known only by their key. The
/// connector matches a person by one of username, e-mail and external id, so a stand-in
/// holding the key in all three is found under it whichever the connector uses.
fn stand_in(key: &str) -> Person {
    Person {
        id: Uuid::nil(),
        username: key.to_string(),
        email: Some(key.to_string()),
        external_id: Some(key.to_string()),
        display_name: key.to_string(),
        given_name: None,
        family_name: None,
        active: false,
    }
}
