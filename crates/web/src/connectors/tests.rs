//! The pure parts of this feature, tested natively.

use chrono::Utc;
use tessera_domain::ConnectorId;

use super::*;

fn ldap_draft() -> ConnectorDraft {
    ConnectorDraft {
        name: " Corporate directory ".into(),
        secret: "s3cret".into(),
        ldap_url: "ldap://127.0.0.1:3389".into(),
        bind_dn: "cn=admin,dc=example,dc=org".into(),
        users_base_dn: "ou=people,dc=example,dc=org".into(),
        ..ConnectorDraft::default()
    }
}

fn fields(error: &ApiError) -> Vec<String> {
    error
        .problem()
        .map(|problem| {
            problem
                .errors
                .iter()
                .map(|error| error.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_complete_ldap_form_becomes_a_new_connector_with_its_secret() {
    let new = ldap_draft().new_connector().unwrap();
    assert_eq!(new.name.as_str(), "Corporate directory");
    assert_eq!(new.secret, "s3cret");
    assert!(new.enabled);
    match new.settings {
        ConnectorSettings::Ldap(ldap) => {
            assert_eq!(ldap.url, "ldap://127.0.0.1:3389");
            assert_eq!(ldap.match_attribute, "uid");
            assert_eq!(ldap.ca_certificate, None);
            assert_eq!(ldap.membership, LdapMembership::Member);
        }
        ConnectorSettings::Scim(_) => panic!("expected LDAP settings"),
    }
}

#[test]
fn a_new_connector_needs_a_secret_and_its_settings_named_as_the_api_names_them() {
    let draft = ConnectorDraft {
        name: String::new(),
        ..ConnectorDraft::default()
    };
    let error = draft.new_connector().unwrap_err();
    assert_eq!(
        fields(&error),
        [
            "name",
            "settings.url",
            "settings.bind_dn",
            "settings.users_base_dn",
            "secret"
        ]
    );
}

#[test]
fn an_update_keeps_the_stored_secret_unless_a_new_one_is_typed() {
    let mut draft = ldap_draft();
    draft.secret.clear();
    assert_eq!(draft.update().unwrap().secret, None);
    draft.secret = "new".into();
    assert_eq!(draft.update().unwrap().secret.as_deref(), Some("new"));
}

#[test]
fn a_scim_form_checks_its_timeout() {
    let mut draft = ConnectorDraft {
        name: "App".into(),
        protocol: Protocol::Scim,
        secret: "token".into(),
        scim_base_url: "https://app.example.org/scim/v2".into(),
        timeout_seconds: "0".into(),
        ..ConnectorDraft::default()
    };
    assert_eq!(
        fields(&draft.new_connector().unwrap_err()),
        ["settings.timeout_seconds"]
    );
    draft.timeout_seconds = "12".into();
    draft.deactivate_on_leave = true;
    match draft.new_connector().unwrap().settings {
        ConnectorSettings::Scim(scim) => {
            assert_eq!(scim.timeout_seconds, 12);
            assert!(scim.create_users);
            assert!(scim.deactivate_on_leave);
        }
        ConnectorSettings::Ldap(_) => panic!("expected SCIM settings"),
    }
}

#[test]
fn a_stored_connector_opens_the_form_as_it_was_saved_without_its_secret() {
    let view = ConnectorView {
        id: ConnectorId::from_uuid(uuid::Uuid::nil()),
        name: ConnectorName::parse("Directory").unwrap(),
        settings: ldap_draft().new_connector().unwrap().settings,
        has_secret: true,
        enabled: false,
        created_at: chrono::DateTime::<Utc>::UNIX_EPOCH,
        updated_at: chrono::DateTime::<Utc>::UNIX_EPOCH,
    };
    let draft = ConnectorDraft::of(&view);
    assert_eq!(draft.secret, "");
    assert!(!draft.enabled);
    assert_eq!(draft.update().unwrap().settings, Some(view.settings));
}

#[test]
fn only_failed_operations_are_retried_and_finished_ones_are_never_skipped() {
    assert!(may_retry(ProvisioningState::Failed));
    assert!(!may_retry(ProvisioningState::Pending));
    assert!(may_skip(ProvisioningState::Pending));
    assert!(!may_skip(ProvisioningState::Done));
    assert!(!may_skip(ProvisioningState::Skipped));
}

#[test]
fn the_apply_question_says_what_will_change() {
    assert_eq!(
        apply_question(1, 2, "cn=staff"),
        "Add 1 person to cn=staff and remove 2 members from it?"
    );
    assert_eq!(apply_question(3, 0, "g"), "Add 3 people to g?");
    assert_eq!(apply_question(0, 1, "g"), "Remove 1 member from g?");
}

#[test]
fn select_values_round_trip() {
    for key in PERSON_KEYS {
        assert_eq!(parse_person_key(person_key_value(key)), key);
    }
    for membership in MEMBERSHIPS {
        assert_eq!(parse_membership(membership_value(membership)), membership);
    }
}
