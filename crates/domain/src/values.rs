//! Validated values. Each can only be built through `parse` (or `TryFrom<String>`, which serde
//! uses), so a handler never sees an invalid one.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a value was refused. The message is written for the person who typed it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

fn refuse(message: impl Into<String>) -> ValueError {
    ValueError(message.into())
}

/// Whether `c` is an invisible formatting character (Unicode general category Cf): zero-width
/// spaces and joiners, bidirectional embeddings, overrides and isolates, soft hyphens, the
/// byte-order mark. Each makes a name look like another one.
pub fn is_format_character(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    c.general_category() == GeneralCategory::Format
}

/// The one rule for names that people tell apart by eye: usernames, display names, and the
/// names of catalogs, access packages, groups, applications, app roles, tokens, policies and
/// access reviews. Trimmed and normalised to NFC, so `é` typed as one or as two code points is
/// the same name (and uniqueness, which compares stored names, compares normalised forms);
/// control characters (Cc) and invisible formatting characters (Cf) are refused.
pub fn clean_name(raw: &str) -> Result<String, ValueError> {
    use unicode_normalization::UnicodeNormalization;
    let value: String = raw.trim().nfc().collect();
    if value.chars().any(char::is_control) {
        return Err(refuse("must not contain control characters"));
    }
    if let Some(c) = value.chars().find(|&c| is_format_character(c)) {
        return Err(refuse(format!(
            "must not contain invisible or bidirectional formatting characters (found U+{:04X})",
            u32::from(c)
        )));
    }
    Ok(value)
}

macro_rules! string_value {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "server", schema(value_type = String))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_value!(
    /// A sign-in name: 2 to 64 characters of lowercase letters, digits, `.`, `_`, `-` and `@`,
    /// starting with a letter or digit. Input is lowercased, so names are case-insensitive.
    Username
);

impl Username {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let value = clean_name(&raw.into())?.to_lowercase();
        let len = value.chars().count();
        if !(2..=Self::MAX_LEN).contains(&len) {
            return Err(refuse(format!(
                "must be between 2 and {} characters",
                Self::MAX_LEN
            )));
        }
        if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(refuse("must start with a letter or a digit"));
        }
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
        {
            return Err(refuse(format!(
                "may only contain letters, digits, '.', '_', '-' and '@' (found {bad:?})"
            )));
        }
        Ok(Self(value))
    }
}

string_value!(
    /// An e-mail address: one `@` with a non-empty local part and a dotted domain, at most 254
    /// characters. Delivery is what really proves an address; this only catches typing mistakes.
    Email
);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let value = raw.into().trim().to_string();
        if value.is_empty() {
            return Err(refuse("must not be empty"));
        }
        if value.len() > Self::MAX_LEN {
            return Err(refuse(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse("must not contain spaces"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(refuse("must contain '@'"));
        };
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || !domain_ok {
            return Err(refuse("must look like name@example.org"));
        }
        Ok(Self(value))
    }
}

string_value!(
    /// A person's name as shown in the portal: 1 to 200 characters, normalised to NFC, without
    /// control characters or invisible formatting characters (Unicode Cf).
    DisplayName
);

impl DisplayName {
    pub const MAX_LEN: usize = 200;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let value = clean_name(&raw.into())?;
        if value.is_empty() {
            return Err(refuse("must not be empty"));
        }
        if value.chars().count() > Self::MAX_LEN {
            return Err(refuse(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        Ok(Self(value))
    }
}

/// A new password. Length is what matters (NIST SP 800-63B): 12 to 256 characters, no
/// composition rules. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "server", schema(value_type = String, format = Password))]
#[serde(try_from = "String")]
pub struct Password(String);

impl Password {
    pub const MIN_LEN: usize = 12;
    pub const MAX_LEN: usize = 256;

    pub fn parse(raw: impl Into<String>) -> Result<Self, ValueError> {
        let value = raw.into();
        let len = value.chars().count();
        if len < Self::MIN_LEN {
            return Err(refuse(format!(
                "must be at least {} characters",
                Self::MIN_LEN
            )));
        }
        if len > Self::MAX_LEN {
            return Err(refuse(format!(
                "must be at most {} characters",
                Self::MAX_LEN
            )));
        }
        Ok(Self(value))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Password {
    type Error = ValueError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

/// Serialized as the plain string, so clients can send it; `Debug` still hides it.
impl Serialize for Password {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_trimmed() {
        assert_eq!(
            Username::parse("  Alice.Smith ").map(String::from),
            Ok("alice.smith".to_string())
        );
    }

    #[test]
    fn usernames_refuse_spaces_symbols_and_bad_lengths() {
        for bad in [
            "a",
            "",
            "with space",
            "semi;colon",
            "-dash-first",
            &"x".repeat(65),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("ada@example.org").is_ok());
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@localhost",
            "a b@x.org",
            "a@x..org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn display_names_refuse_empty_and_control_characters() {
        assert!(DisplayName::parse("Ada Lovelace").is_ok());
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("bell\u{7}").is_err());
    }

    #[test]
    fn names_are_normalised_to_nfc() {
        // "José" with a combining acute accent is the same name as with the precomposed letter.
        let decomposed = "Jose\u{301}";
        assert_eq!(
            DisplayName::parse(decomposed).map(String::from),
            Ok("Jos\u{e9}".to_string())
        );
        assert_eq!(
            DisplayName::parse(decomposed),
            DisplayName::parse("Jos\u{e9}")
        );
    }

    #[test]
    fn names_refuse_invisible_and_bidirectional_formatting_characters() {
        for bad in [
            "Fi\u{200b}nance",
            "evil\u{202e}gnp.exe",
            "soft\u{ad}hyphen",
            "\u{feff}bom",
            "iso\u{2066}late",
            "zero\u{200d}joiner",
        ] {
            let refused = DisplayName::parse(bad);
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.0.contains("invisible or bidirectional")),
                "{bad:?}: {refused:?}"
            );
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
        assert!(DisplayName::parse("Zoë Ångström-Łukasiewicz 山田").is_ok());
    }

    #[test]
    fn passwords_need_twelve_characters_and_never_print() {
        assert!(Password::parse("short").is_err());
        let password = Password::parse("correct horse battery").map_err(|e| e.0);
        assert_eq!(
            password.as_ref().map(|p| format!("{p:?}")),
            Ok("Password(***)".to_string())
        );
    }

    #[test]
    fn serde_refuses_an_invalid_username() {
        let parsed: Result<Username, _> = serde_json::from_str("\"no spaces\"");
        assert!(parsed.is_err());
    }

    proptest::proptest! {
        #[test]
        fn a_parsed_username_parses_again_to_itself(raw in "[A-Za-z0-9][A-Za-z0-9._@-]{1,63}") {
            let once = Username::parse(raw.clone());
            proptest::prop_assert!(once.is_ok());
            if let Ok(name) = once {
                proptest::prop_assert_eq!(Username::parse(name.as_str()), Ok(name.clone()));
            }
        }
    }
}
