//! Argon2id hashing and verification, a bounded number at a time.
//!
//! Each run takes 19 MiB and tens of milliseconds of CPU. Every run in the process (sign-in,
//! the unknown-user decoy, setup, adding a user, `trustdesk user add`) waits for a permit of one
//! semaphore sized to the machine, so a flood of requests queues instead of exhausting memory.

use app::model::{AppError, Secret};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc, LazyLock,
};
use tokio::sync::Semaphore;

/// Argon2id with the crate's defaults (19 MiB, 2 passes), as OWASP recommends.
fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 accepts any password with a generated salt")
        .to_string()
}

fn verify_now(stored_hash: &str, password: &str) -> bool {
    match PasswordHash::new(stored_hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        // No password (an account that signs in with the identity provider): the same time
        // as a wrong one, so a sign-in's duration does not tell such accounts apart.
        Err(_) => {
            let _ = verify_now(&DECOY_HASH, password);
            false
        }
    }
}

/// Checked when the username is unknown, so that both failures take the same time. A constant
/// of the process, computed on first use (under a permit, like every other run).
static DECOY_HASH: LazyLock<String> = LazyLock::new(|| hash_now("decoy password, never matches"));

/// The process's one gate to argon2; cheap to clone, built once in `Trustdesk::open`.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    runs: Arc<AtomicU64>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords")
            .field("free_permits", &self.permits.available_permits())
            .finish()
    }
}

impl Passwords {
    /// At most `concurrency` argon2 runs at once (at least one).
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            runs: Arc::default(),
        }
    }

    /// One run per CPU: more would only queue on the CPUs while holding their memory.
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// How many argon2 runs this process started (a figure for operators and tests).
    pub fn argon2_runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    /// Runs `work` on a blocking thread once a permit is free. The permit travels with the work:
    /// a request that is abandoned while argon2 runs does not free its slot early.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let runs = self.runs.clone();
        crate::blocking::limited(&self.permits, move || {
            runs.fetch_add(1, Ordering::Relaxed);
            work()
        })
        .await
    }

    pub async fn hash(&self, password: &Secret) -> Result<String, AppError> {
        let password = password.clone();
        self.run(move || hash_now(password.expose())).await
    }

    /// Whether `password` matches `stored_hash`; with no hash (an unknown user) the decoy is
    /// checked instead, so the answer takes as long.
    pub async fn verify(
        &self,
        stored_hash: Option<String>,
        password: &Secret,
    ) -> Result<bool, AppError> {
        let password = password.clone();
        self.run(move || match stored_hash {
            Some(hash) => verify_now(&hash, password.expose()),
            None => {
                let _ = verify_now(&DECOY_HASH, password.expose());
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_are_salted() {
        let passwords = Passwords::new(2);
        let secret = Secret::new("correct horse battery");
        let a = passwords.hash(&secret).await.unwrap();
        let b = passwords.hash(&secret).await.unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(passwords.verify(Some(a.clone()), &secret).await.unwrap());
        let wrong = Secret::new("wrong horse battery");
        assert!(!passwords.verify(Some(a), &wrong).await.unwrap());
        assert!(!passwords
            .verify(Some("not a hash".into()), &secret)
            .await
            .unwrap());
        assert!(!passwords.verify(None, &secret).await.unwrap());
        assert_eq!(passwords.argon2_runs(), 6);
    }

    #[tokio::test]
    async fn runs_wait_for_a_permit() {
        let passwords = Passwords::new(1);
        let held = passwords.permits.clone().acquire_owned().await.unwrap();
        let waiting = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.hash(&Secret::new("queued password 1")).await }
        });
        tokio::task::yield_now().await;
        assert_eq!(passwords.argon2_runs(), 0, "no run without a permit");
        assert!(!waiting.is_finished());
        drop(held);
        assert!(waiting.await.unwrap().is_ok());
        assert_eq!(passwords.argon2_runs(), 1);
        assert_eq!(
            passwords.permits.available_permits(),
            1,
            "the permit came back"
        );
    }
}
