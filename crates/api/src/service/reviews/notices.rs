//! The notifications a review sends to its reviewers and owner.

use std::collections::BTreeSet;

use tessera_domain::UserId;
use tessera_domain::notification::NotificationKind;

use crate::error::ApiResult;
use crate::service::notifications::render;
use crate::state::AppState;
use crate::store;
use crate::store::notifications::NewNotification;
use crate::store::reviews::InstanceRow;

pub(super) fn notes_to(
    state: &AppState,
    people: impl IntoIterator<Item = UserId>,
    kind: NotificationKind,
    subject: &str,
    line: &str,
    row: &InstanceRow,
) -> Vec<NewNotification> {
    let url = state.settings.public_url();
    let link = format!("/reviews/{}", row.id);
    people
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|person| {
            render(
                person,
                kind,
                subject,
                &[line],
                &[("Review", &row.definition_name), ("Of", &row.resource_name)],
                &link,
                &url,
            )
        })
        .collect()
}

/// "The review ended" to whoever set the definition up.
pub(super) async fn ended_notes(
    state: &AppState,
    row: &InstanceRow,
) -> ApiResult<Vec<NewNotification>> {
    let owner = store::reviews::find_definition(&state.db, row.definition_id)
        .await?
        .and_then(|definition| definition.created_by);
    Ok(notes_to(
        state,
        owner.map(UserId::from_uuid),
        NotificationKind::ReviewEnded,
        &format!("The access review of {} ended", row.resource_name),
        "The review ended; its results are ready to read and, unless applied automatically, to apply.",
        row,
    ))
}
