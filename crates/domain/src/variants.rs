//! The stored and wire spelling of the domain's closed enums, derived once.
//!
//! Every enum whose values are stored in a column or sent as a string derives
//! `strum::IntoStaticStr`, `strum::EnumString` and `strum::VariantArray` with
//! `serialize_all = "snake_case"`, the same rule as its serde `rename_all`. Its `as_str`, `parse`
//! and `ALL` are implemented through those derives, so adding a variant needs no table to be
//! updated, and an `ALL` that misses a variant does not compile. The tests below check that each
//! spelling round-trips and equals the serde name.

/// Every variant of `T` in declaration order. A constant initialised with this fails to compile
/// when `N` is not the number of variants.
pub(crate) const fn all<T: Copy + strum::VariantArray, const N: usize>() -> [T; N] {
    assert!(T::VARIANTS.len() == N, "ALL must list every variant");
    let mut out = [T::VARIANTS[0]; N];
    let mut index = 1;
    while index < N {
        out[index] = T::VARIANTS[index];
        index += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;
    use std::str::FromStr;

    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use strum::VariantArray;

    use crate::assignment::AssignmentState;
    use crate::catalog::{CatalogRole, ResourceKind};
    use crate::directory::GroupRole;
    use crate::notification::{EmailState, NotificationKind};
    use crate::package::ResourceRoleKind;
    use crate::request::{RequestKind, RequestState};
    use crate::review::decision::{ReviewOutcome, ReviewVerdict};
    use crate::review::instance::ReviewInstanceState;
    use crate::review::schedule::Frequency;
    use crate::user::{UserKind, UserType};

    /// Each variant's string form parses back to it, and is its serde name both ways.
    fn round_trips<T>()
    where
        T: Copy + Debug + PartialEq + VariantArray + Serialize + DeserializeOwned,
        T: Into<&'static str> + FromStr,
    {
        assert!(!T::VARIANTS.is_empty());
        for &variant in T::VARIANTS {
            let text: &'static str = variant.into();
            assert_eq!(T::from_str(text).ok(), Some(variant), "{text}");
            let json = serde_json::to_string(&variant).unwrap_or_default();
            assert_eq!(json, format!("\"{text}\""), "{variant:?}");
            let back: Option<T> = serde_json::from_str(&json).ok();
            assert_eq!(back, Some(variant), "{text}");
        }
        assert!(T::from_str("no_such_variant").is_err());
    }

    #[test]
    fn every_stored_enum_round_trips_through_its_serde_name() {
        round_trips::<AssignmentState>();
        round_trips::<CatalogRole>();
        round_trips::<ResourceKind>();
        round_trips::<GroupRole>();
        round_trips::<NotificationKind>();
        round_trips::<EmailState>();
        round_trips::<crate::webhook::WebhookDeliveryState>();
        round_trips::<ResourceRoleKind>();
        round_trips::<RequestKind>();
        round_trips::<RequestState>();
        round_trips::<ReviewOutcome>();
        round_trips::<ReviewVerdict>();
        round_trips::<ReviewInstanceState>();
        round_trips::<Frequency>();
        round_trips::<UserKind>();
        round_trips::<UserType>();
    }

    #[test]
    fn all_lists_every_variant_in_declaration_order() {
        assert_eq!(AssignmentState::ALL.as_slice(), AssignmentState::VARIANTS);
        assert_eq!(CatalogRole::ALL.as_slice(), CatalogRole::VARIANTS);
        assert_eq!(NotificationKind::ALL.as_slice(), NotificationKind::VARIANTS);
        assert_eq!(EmailState::ALL.as_slice(), EmailState::VARIANTS);
        assert_eq!(RequestKind::ALL.as_slice(), RequestKind::VARIANTS);
        assert_eq!(RequestState::ALL.as_slice(), RequestState::VARIANTS);
        assert_eq!(ReviewOutcome::ALL.as_slice(), ReviewOutcome::VARIANTS);
        assert_eq!(ReviewVerdict::ALL.as_slice(), ReviewVerdict::VARIANTS);
        assert_eq!(
            ReviewInstanceState::ALL.as_slice(),
            ReviewInstanceState::VARIANTS
        );
        assert_eq!(Frequency::ALL.as_slice(), Frequency::VARIANTS);
    }
}
