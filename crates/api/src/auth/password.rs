//! Password hashing with Argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane; the test
//! harnesses set cheaper ones through `password_hashing.memory_kib` and `iterations`).
//!
//! A running server hashes on [`PasswordHashing`]: a small fixed pool of dedicated threads, each
//! reusing one Argon2 memory buffer, behind a semaphore with as many permits as threads. So a
//! burst of sign-ins costs at most `threads × 19 MiB`, allocated once, instead of 19 MiB per
//! concurrent request (which the allocator then keeps); a caller that cannot get a thread
//! within `wait_ms` is answered 503 with Retry-After.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tessera_domain::Password;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

use crate::config::PasswordHashingSettings;
use crate::error::ApiError;

/// The Argon2 parameters of `settings`; the production ones when they are out of Argon2's
/// bounds (configuration validation refuses those before they get here).
fn params_of(settings: &PasswordHashingSettings) -> Params {
    Params::new(settings.memory_kib, settings.iterations, 1, None).unwrap_or_else(|_| params())
}

/// The production parameters.
fn params() -> Params {
    // These parameters are constants within Argon2's documented bounds.
    Params::new(
        PasswordHashingSettings::MEMORY_KIB,
        PasswordHashingSettings::ITERATIONS,
        1,
        None,
    )
    .unwrap_or_default()
}

fn hasher_with(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hasher() -> Argon2<'static> {
    hasher_with(params())
}

/// Every hashing thread is busy and stayed so for the whole wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after_secs: u64,
}

impl From<Busy> for ApiError {
    fn from(busy: Busy) -> Self {
        ApiError::Busy {
            retry_after_secs: busy.retry_after_secs,
        }
    }
}

enum Work {
    Hash {
        password: String,
        reply: oneshot::Sender<Option<String>>,
    },
    Verify {
        hash: String,
        candidate: String,
        reply: oneshot::Sender<bool>,
    },
}

/// A job holds its permit until a thread has finished it, so a caller that gives up (a client
/// hanging up) does not let more jobs queue than there are threads.
struct Job {
    work: Work,
    _permit: OwnedSemaphorePermit,
}

/// The hashing pool of a running server.
pub struct PasswordHashing {
    jobs: mpsc::Sender<Job>,
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl PasswordHashing {
    /// Starts the threads; they end when this value is dropped.
    pub fn start(settings: &PasswordHashingSettings) -> PasswordHashing {
        let threads = match settings.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n as usize,
        };
        if settings.below_owasp_minimum() {
            tracing::warn!(
                memory_kib = settings.memory_kib,
                iterations = settings.iterations,
                "password hashing is weaker than OWASP's minimum: for tests only"
            );
        }
        let params = params_of(settings);
        let (jobs, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = Arc::clone(&receiver);
            let params = params.clone();
            let started = std::thread::Builder::new()
                .name(format!("tessera-hash-{i}"))
                .spawn(move || work(&receiver, params));
            if let Err(err) = started {
                tracing::error!(error = %err, "cannot start a password hashing thread");
            }
        }
        PasswordHashing {
            jobs,
            permits: Arc::new(Semaphore::new(threads)),
            wait: Duration::from_millis(settings.wait_ms),
        }
    }

    /// A PHC string (`$argon2id$...`) for `password`.
    pub async fn hash(&self, password: &Password) -> Result<String, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Work::Hash {
            password: password.expose().to_owned(),
            reply,
        })
        .await?;
        answer.await.ok().flatten().ok_or_else(|| {
            tracing::error!("password hashing failed");
            ApiError::Internal
        })
    }

    /// Whether `candidate` matches `hash`. Always does the full amount of work.
    pub async fn verify(&self, hash: String, candidate: String) -> Result<bool, Busy> {
        let (reply, answer) = oneshot::channel();
        self.submit(Work::Verify {
            hash,
            candidate,
            reply,
        })
        .await?;
        Ok(answer.await.unwrap_or(false))
    }

    async fn submit(&self, work: Work) -> Result<(), Busy> {
        let busy = Busy {
            retry_after_secs: self.wait.as_secs().max(1),
        };
        let permit = tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!("every password hashing thread is busy");
                busy
            })?
            .map_err(|_| busy)?;
        self.jobs
            .send(Job {
                work,
                _permit: permit,
            })
            .map_err(|_| {
                tracing::error!("the password hashing threads are gone");
                busy
            })
    }
}

/// One hashing thread: takes jobs until the pool is dropped, reusing one memory buffer,
/// allocated on its first job. New hashes get `params`.
fn work(receiver: &Mutex<mpsc::Receiver<Job>>, params: Params) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else {
            return;
        };
        if memory.is_empty() {
            memory = vec![Block::default(); params.block_count()];
        }
        // The permit goes back before the answer, so a caller that hashes again right after
        // (creating a user, then signing in) finds it free.
        let Job {
            work,
            _permit: permit,
        } = job;
        match work {
            Work::Hash { password, reply } => {
                let hash = hash_with(&params, &mut memory, password.as_bytes()).ok();
                drop(permit);
                let _ = reply.send(hash);
            }
            Work::Verify {
                hash,
                candidate,
                reply,
            } => {
                let matches = verify_with(&mut memory, &hash, candidate.as_bytes());
                drop(permit);
                let _ = reply.send(matches);
            }
        }
    }
}

fn hash_with(
    params: &Params,
    memory: &mut [Block],
    password: &[u8],
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        hasher_with(params.clone())
            .hash_password_into_with_memory(password, salt_bytes, out, &mut *memory)
            .map_err(Into::into)
    })?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Verifies in `memory`; a hash made with more memory than it holds (other parameters than
/// ours) is verified the ordinary way.
fn verify_with(memory: &mut [Block], hash: &str, candidate: &[u8]) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let mut own_memory = || -> Option<bool> {
        let expected = parsed.hash?;
        let params = Params::try_from(&parsed).ok()?;
        if params.block_count() > memory.len() {
            return None;
        }
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let mut salt_bytes = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt_bytes).ok()?;
        let argon = Argon2::new(algorithm, version, params);
        let computed = Output::init_with(expected.len(), |out| {
            argon
                .hash_password_into_with_memory(candidate, salt, out, &mut *memory)
                .map_err(Into::into)
        })
        .ok()?;
        // Output compares in constant time.
        Some(computed == expected)
    };
    match own_memory() {
        Some(matches) => matches,
        None => hasher().verify_password(candidate, &parsed).is_ok(),
    }
}

/// Hashes outside a running server (seeding, tools), on the blocking pool.
pub async fn hash_password(password: Password) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
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
pub async fn decoy_hash(hashing: &PasswordHashing) -> String {
    let random: [u8; 16] = rand::random();
    match Password::parse(hex::encode(random)) {
        Ok(password) => hashing.hash(&password).await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(threads: u32, wait_ms: u64) -> PasswordHashing {
        let defaults = crate::config::Settings::default().password_hashing;
        PasswordHashing::start(&PasswordHashingSettings {
            threads,
            wait_ms,
            ..defaults
        })
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let hashing = pool(1, 10_000);
        let password = Password::parse("correct horse battery").map_err(|e| e.0);
        let hash = match password {
            Ok(p) => hashing.hash(&p).await.ok(),
            Err(_) => None,
        }
        .unwrap_or_default();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let verify = |candidate: &str| hashing.verify(hash.clone(), candidate.into());
        assert_eq!(verify("correct horse battery").await, Ok(true));
        assert_eq!(verify("correct horse battery!").await, Ok(false));
    }

    #[tokio::test]
    async fn hashes_made_elsewhere_verify_in_the_pool() {
        let hashing = pool(1, 10_000);
        let made_by_the_library = Password::parse("correct horse battery")
            .map_err(|e| e.0)
            .map(hash_password);
        let hash = match made_by_the_library {
            Ok(hashed) => hashed.await.ok(),
            Err(_) => None,
        }
        .unwrap_or_default();
        let verify = |candidate: &str| hashing.verify(hash.clone(), candidate.into());
        assert_eq!(verify("correct horse battery").await, Ok(true));
        assert_eq!(verify("wrong horse battery").await, Ok(false));
        // Other parameters (more memory than the buffer) still verify.
        let bigger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(32 * 1024, 1, 1, None).unwrap_or_default(),
        )
        .hash_password(b"other params here", &SaltString::generate(&mut OsRng))
        .map(|h| h.to_string())
        .unwrap_or_default();
        assert_eq!(
            hashing.verify(bigger, "other params here".into()).await,
            Ok(true)
        );
    }

    #[test]
    fn production_defaults_are_owasps_parameters() {
        let defaults = crate::config::Settings::default().password_hashing;
        assert_eq!((defaults.memory_kib, defaults.iterations), (19 * 1024, 2));
        assert!(!defaults.below_owasp_minimum());
        assert_eq!(params_of(&defaults), params());
        assert_eq!(
            (params().m_cost(), params().t_cost(), params().p_cost()),
            (19456, 2, 1)
        );
    }

    #[tokio::test]
    async fn cheaper_parameters_hash_with_them_and_hashes_of_others_still_verify() {
        let cheap = PasswordHashingSettings {
            threads: 1,
            wait_ms: 10_000,
            memory_kib: 8,
            iterations: 1,
        };
        assert!(cheap.below_owasp_minimum());
        let hashing = PasswordHashing::start(&cheap);
        let password = Password::parse("correct horse battery").map_err(|e| e.0);
        let hash = match password {
            Ok(p) => hashing.hash(&p).await.ok(),
            Err(_) => None,
        }
        .unwrap_or_default();
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert_eq!(
            hashing.verify(hash, "correct horse battery".into()).await,
            Ok(true)
        );
        // A hash made with the production parameters (more memory than this pool's buffer).
        let production = default_pool_hash("other params here").await;
        assert!(production.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_eq!(
            hashing
                .verify(production.clone(), "other params here".into())
                .await,
            Ok(true)
        );
        assert_eq!(hashing.verify(production, "other".into()).await, Ok(false));
    }

    async fn default_pool_hash(password: &str) -> String {
        let pool = pool(1, 10_000);
        match Password::parse(password).map_err(|e| e.0) {
            Ok(p) => pool.hash(&p).await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    #[tokio::test]
    async fn the_decoy_hash_matches_no_ordinary_password() {
        let hashing = pool(1, 10_000);
        let decoy = decoy_hash(&hashing).await;
        assert!(decoy.starts_with("$argon2id$"));
        assert_eq!(hashing.verify(decoy, "password".into()).await, Ok(false));
    }

    #[tokio::test]
    async fn a_caller_that_cannot_get_a_thread_in_time_is_told_to_come_back() {
        let hashing = Arc::new(pool(1, 1));
        let hash = decoy_hash(&hashing).await;
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let hashing = Arc::clone(&hashing);
                let hash = hash.clone();
                tokio::spawn(async move { hashing.verify(hash, "guess".into()).await })
            })
            .collect();
        let mut busy = 0;
        for call in calls {
            if let Ok(Err(Busy { retry_after_secs })) = call.await {
                assert_eq!(retry_after_secs, 1);
                busy += 1;
            }
        }
        assert!(
            busy >= 1,
            "a 1 ms wait with one thread refuses some of four"
        );
    }
}
