//! Password policy and argon2id hashing.
//!
//! Parameters are OWASP's minimum for argon2id (m = 19 MiB, t = 2, p = 1). Hashing takes
//! tens of milliseconds of CPU, so callers run it on a dedicated thread pool
//! ([`hash_blocking`], [`verify_blocking`]), never on the async reactor.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::FieldError;

/// Shortest accepted password, in characters.
pub const MIN_LEN: usize = 8;
/// Longest accepted password, in characters (bounds hashing cost; nothing is truncated).
pub const MAX_LEN: usize = 128;

/// The most common passwords of 8+ characters (lower-cased), from the 20,000 most common
/// passwords list (Royce Williams, as shipped with Django).
static COMMON: &str = include_str!("common_passwords.txt");

fn common_set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Number of entries in the common-password list.
pub fn common_password_count() -> usize {
    common_set().len()
}

/// Checks a new password against the policy; `field` names it in the error.
pub fn check_policy(field: &str, password: &str, email: Option<&str>) -> Result<(), FieldError> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(FieldError::new(
            field,
            "too_short",
            format!("must be at least {MIN_LEN} characters"),
        ));
    }
    if chars > MAX_LEN {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    let lowered = password.to_lowercase();
    if common_set().contains(lowered.as_str()) {
        return Err(FieldError::new(
            field,
            "common_password",
            "is one of the most common passwords; choose another",
        ));
    }
    if let Some(email) = email {
        let local = email.split('@').next().unwrap_or("");
        if lowered == email.to_lowercase() || (local.len() >= 4 && lowered == local.to_lowercase())
        {
            return Err(FieldError::new(
                field,
                "resembles_email",
                "must not be your email address",
            ));
        }
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // The parameters are constants known to be valid.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password to a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub fn hash(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

/// Verifies a password against a PHC string; false on mismatch or a malformed hash.
pub fn verify(password: &str, phc: &str) -> bool {
    hasher().verify_password(password.as_bytes(), phc).is_ok()
}

/// A hash of a random password, verified against when the account does not exist so that
/// unknown emails take as long as wrong passwords.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut raw = [0u8; 16];
        let _ = getrandom::fill(&mut raw);
        hash(&hex::encode(raw)).unwrap_or_default()
    })
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed pool of threads, one per core, for argon2 work. Hashing never runs on the async
/// reactor, at most one hash per core runs at a time (a login flood queues instead of
/// oversubscribing the CPU), and the 19 MiB working memory is allocated by the same few
/// threads every time, so the allocator's per-thread arenas — and peak RSS — stay bounded.
fn hash_pool() -> &'static std::sync::Mutex<std::sync::mpsc::Sender<Job>> {
    static POOL: OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start an argon2 thread");
            }
        }
        std::sync::Mutex::new(tx)
    })
}

async fn on_hash_pool<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    hash_pool()
        .lock()
        .map_err(|_| anyhow::anyhow!("argon2 pool poisoned"))?
        .send(job)
        .map_err(|_| anyhow::anyhow!("argon2 pool stopped"))?;
    rx.await.map_err(|_| anyhow::anyhow!("argon2 job dropped"))
}

/// [`hash`] on the argon2 thread pool.
pub async fn hash_blocking(password: String) -> anyhow::Result<String> {
    on_hash_pool(move || hash(&password)).await?
}

/// [`verify`] on the argon2 thread pool. `None` verifies against the dummy hash and
/// returns false.
pub async fn verify_blocking(password: String, phc: Option<String>) -> anyhow::Result<bool> {
    on_hash_pool(move || match phc {
        Some(phc) => verify(&password, &phc),
        None => {
            let _ = verify(&password, dummy_hash());
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ships_at_least_a_thousand_common_passwords() {
        assert!(
            common_password_count() >= 1000,
            "{}",
            common_password_count()
        );
    }

    #[test]
    fn policy_bounds_and_common_list() {
        assert_eq!(
            check_policy("p", "short", None).unwrap_err().code,
            "too_short"
        );
        assert_eq!(
            check_policy("p", &"x".repeat(129), None).unwrap_err().code,
            "too_long"
        );
        assert!(check_policy("p", &"Zq7!".repeat(32), None).is_ok()); // exactly 128
        assert_eq!(
            check_policy("p", "password", None).unwrap_err().code,
            "common_password"
        );
        assert_eq!(
            check_policy("p", "PassWord1", None).unwrap_err().code,
            "common_password"
        );
        assert_eq!(
            check_policy("p", "alice@example.com", Some("alice@example.com"))
                .unwrap_err()
                .code,
            "resembles_email"
        );
        assert!(check_policy("p", "copper-cathode-2026", Some("alice@example.com")).is_ok());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 8 Hangul syllables are 24 bytes but 8 characters: accepted.
        assert!(check_policy("p", "구리음극판가격비교", None).is_ok());
        // 129 two-byte characters are over the limit even though no truncation happens.
        assert_eq!(
            check_policy("p", &"é".repeat(129), None).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = hash("copper-cathode-2026").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("copper-cathode-2026", &h));
        assert!(!verify("copper-cathode-2027", &h));
        assert!(!verify("copper-cathode-2026", "not a hash"));
        // Salted: the same password hashes differently.
        assert_ne!(h, hash("copper-cathode-2026").unwrap());
    }

    #[test]
    fn long_passwords_are_not_truncated() {
        let a = format!("{}a", "x".repeat(100));
        let b = format!("{}b", "x".repeat(100));
        let h = hash(&a).unwrap();
        assert!(verify(&a, &h));
        assert!(!verify(&b, &h));
    }
}
