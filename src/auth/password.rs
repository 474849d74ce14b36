//! Password policy and argon2id hashing.
//!
//! Parameters are OWASP's minimum for argon2id (m = 19 MiB, t = 2, p = 1). Hashing takes
//! tens of milliseconds of CPU, so callers run it on a dedicated thread pool
//! ([`hash_blocking`], [`verify_blocking`]), never on the async reactor.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{ErrorCode, FieldError};

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

/// Fewest distinct characters (case-insensitive) a password must have.
pub const MIN_DISTINCT: usize = 5;

/// Orders in which people type "sequences": the alphabet, digits, keyboard rows and
/// columns. Each is also read backwards, and wraps around (`7890123`).
const SEQUENCES: &[&str] = &[
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "1234567890-=",
    "qwertyuiop[]",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "!@#$%^&*()_+",
];

/// Whether `b` typed after `a` is predictable: the same character, or a neighbour in one
/// of [`SEQUENCES`] (or in code point order, which covers other scripts' alphabets).
fn predictable(a: char, b: char) -> bool {
    if a == b || (a as u32).abs_diff(b as u32) == 1 {
        return true;
    }
    SEQUENCES.iter().any(|seq| {
        let chars: Vec<char> = seq.chars().collect();
        let n = chars.len();
        chars
            .iter()
            .enumerate()
            .any(|(i, c)| *c == a && (chars[(i + 1) % n] == b || chars[(i + n - 1) % n] == b))
    })
}

/// Why a password has too little variety, if it does: fewer than [`MIN_DISTINCT`]
/// distinct characters (`aaaaaaaaaaaa`, `abababab`, `11112222`), or a sequence with at
/// most one unpredictable step (`abcdefgh`, `87654321`, `qwertyuiop`, `qwerty123456`,
/// `1qaz2wsx3edc`). Passphrases (`copper-cathode-2026`, `구리음극판가격비교`) have plenty.
fn lacks_variety(lowered: &str) -> Option<(ErrorCode, String)> {
    let chars: Vec<char> = lowered.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT {
        return Some((
            ErrorCode::TooRepetitive,
            format!(
                "uses only {} different characters; use at least {MIN_DISTINCT}",
                distinct.len()
            ),
        ));
    }
    let surprises = chars
        .windows(2)
        .filter(|w| !predictable(w[0], w[1]))
        .count();
    (surprises <= 1).then(|| {
        (
            ErrorCode::Sequential,
            "is a sequence of neighbouring keys or characters; choose something less predictable"
                .to_owned(),
        )
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
            ErrorCode::TooShort,
            format!("must be at least {MIN_LEN} characters"),
        ));
    }
    if chars > MAX_LEN {
        return Err(FieldError::new(
            field,
            ErrorCode::TooLong,
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    let lowered = password.to_lowercase();
    if common_set().contains(lowered.as_str()) {
        return Err(FieldError::new(
            field,
            ErrorCode::CommonPassword,
            "is one of the most common passwords; choose another",
        ));
    }
    if let Some((code, message)) = lacks_variety(&lowered) {
        return Err(FieldError::new(field, code, message));
    }
    if let Some(email) = email {
        let local = email.split('@').next().unwrap_or("");
        if lowered == email.to_lowercase() || (local.len() >= 4 && lowered == local.to_lowercase())
        {
            return Err(FieldError::new(
                field,
                ErrorCode::ResemblesEmail,
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
        let varied: String = (0..128u32)
            .map(|i| char::from_u32(0x21 + (i * 37) % 94).unwrap_or('x'))
            .collect();
        assert!(check_policy("p", &varied, None).is_ok()); // exactly 128
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
    fn passwords_need_variety() {
        for (weak, code) in [
            ("aaaaaaaaaaaa", "too_repetitive"),
            ("AAAAaaaaAAAA", "too_repetitive"),
            ("abababababab", "too_repetitive"),
            ("zzzzqqqq", "too_repetitive"),
            ("zq7!zq7!zq7!zq7!", "too_repetitive"),
            ("가가가가가가가가", "too_repetitive"),
            ("abcdefghijkl", "sequential"),
            ("lkjihgfedcba", "sequential"),
            ("6543210987", "sequential"),
            ("7890123456", "sequential"),
            ("qwertyuiopas", "sequential"),
            ("QWERTYUIOP654321", "sequential"),
            ("3edc4rfv5tgb", "sequential"),
            ("asdfghjkl;'", "sequential"),
            ("가각갂갃간갅갆갇", "sequential"),
        ] {
            let e = check_policy("p", weak, None).unwrap_err();
            assert_eq!(e.code, code, "{weak}");
            assert_eq!(e.field, "p");
        }
        for good in [
            "copper-cathode-2026",
            "aluminium-ingot-7",
            "correct horse battery staple",
            "Tr0ub4dor&3",
            "구리음극판가격비교",
            "zinc-ingot-2026",
            "pallets & resin 4 members",
        ] {
            assert!(check_policy("p", good, None).is_ok(), "{good}");
        }
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
