//! Password hashing with Argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane), run on the
//! blocking pool so a sign-in never stalls the async executor.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tessera_domain::Password;

use crate::error::ApiError;

fn hasher() -> Argon2<'static> {
    // These parameters are constants within Argon2's documented bounds.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
}

pub async fn hash_password(password: Password) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_now(password.expose()))
        .await
        .map_err(|err| {
            tracing::error!(error = %err, "password hashing task failed");
            ApiError::Internal
        })?
        .map_err(|err| {
            tracing::error!(error = %err, "password hashing failed");
            ApiError::Internal
        })
}

/// A hash of a random password, checked against when a user does not exist, so a missing user
/// takes as long to refuse as a wrong password.
pub fn decoy_hash() -> String {
    let random: [u8; 16] = rand::random();
    hash_now(&hex::encode(random)).unwrap_or_default()
}

/// Whether `candidate` matches `hash`. Always does the full amount of work.
pub async fn verify_password(hash: String, candidate: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                hasher()
                    .verify_password(candidate.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let password = Password::parse("correct horse battery").map_err(|e| e.0);
        let hash = match password {
            Ok(p) => hash_password(p).await.ok(),
            Err(_) => None,
        }
        .unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(hash.clone(), "correct horse battery".into()).await);
        assert!(!verify_password(hash, "correct horse battery!".into()).await);
    }

    #[tokio::test]
    async fn the_decoy_hash_matches_no_ordinary_password() {
        let decoy = decoy_hash();
        assert!(decoy.starts_with("$argon2id$"));
        assert!(!verify_password(decoy, "password".into()).await);
    }
}
