//! API token secrets: `tsr_` followed by 43 base64url characters (256 random bits). The
//! prefix makes leaked tokens easy to find with secret scanners.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const TOKEN_PREFIX: &str = "tsr_";

pub struct GeneratedSecret {
    pub secret: String,
    /// What lists show to recognise the token: the scheme prefix and 8 characters.
    pub display_prefix: String,
    pub hash: Vec<u8>,
}

pub fn generate() -> GeneratedSecret {
    let random: [u8; 32] = rand::random();
    let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random));
    let display_prefix = secret.chars().take(TOKEN_PREFIX.len() + 8).collect();
    let hash = hash(&secret);
    GeneratedSecret {
        secret,
        display_prefix,
        hash,
    }
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether `candidate` has the shape of a token, checked before any database work.
pub fn looks_like_token(candidate: &str) -> bool {
    candidate.len() == TOKEN_PREFIX.len() + 43
        && candidate.starts_with(TOKEN_PREFIX)
        && candidate[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let token = generate();
        assert!(looks_like_token(&token.secret), "{}", token.secret);
        assert_eq!(token.display_prefix.len(), 12);
        assert_eq!(token.hash, hash(&token.secret));
        assert_ne!(generate().secret, token.secret);
    }

    #[test]
    fn other_strings_are_not_tokens() {
        assert!(!looks_like_token("tsr_short"));
        assert!(!looks_like_token(&format!("abc_{}", "a".repeat(43))));
        assert!(!looks_like_token(&format!("tsr_{}", "a=".repeat(22))));
    }
}
