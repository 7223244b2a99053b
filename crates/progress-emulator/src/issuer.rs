//! Everything the emulated identity services hand out and later check: temporary credentials
//! (access key, secret key, security token, expiry), metadata session tokens and IAM unscoped
//! tokens. Values are random (from the operating system), held in memory only, never logged,
//! and forgotten once expired (each kind keeps at most [`MAX_HELD`], the soonest to expire
//! going first).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use progress_core::Secret;
use subtle::ConstantTimeEq;

/// Most values of each kind held at once.
#[cfg(not(test))]
pub(crate) const MAX_HELD: usize = 10_000;
#[cfg(test)]
pub(crate) const MAX_HELD: usize = 50;

/// A temporary credential as issued.
#[derive(Debug, Clone)]
pub(crate) struct TemporaryCredential {
    pub access_key: String,
    pub secret_key: Secret,
    pub security_token: Secret,
    pub expires_at: SystemTime,
}

/// Why a presented token or key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Never issued (or forgotten long ago).
    Unknown,
    /// Issued, but its time is over.
    Expired(SystemTime),
}

/// The issuing side of the identity services.
#[derive(Debug, Default)]
pub(crate) struct Issuer {
    held: Mutex<Held>,
}

#[derive(Debug, Default)]
struct Held {
    credentials: HashMap<String, TemporaryCredential>,
    metadata_tokens: Tokens,
    unscoped_tokens: Tokens,
}

/// Opaque tokens and when each expires, looked up in constant time per candidate.
#[derive(Debug, Default)]
struct Tokens(Vec<(Secret, SystemTime)>);

impl Tokens {
    fn insert(&mut self, token: Secret, expires_at: SystemTime, now: SystemTime) {
        // Long expired ones go; the newest beat the oldest past the limit.
        self.0.retain(|(_, at)| *at + Duration::from_secs(3600) > now);
        if self.0.len() >= MAX_HELD {
            self.0.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
            self.0.truncate(MAX_HELD - 1);
        }
        self.0.push((token, expires_at));
    }

    fn check(&self, presented: &str, now: SystemTime) -> Result<(), Refusal> {
        let found = self
            .0
            .iter()
            .find(|(t, _)| bool::from(t.expose().as_bytes().ct_eq(presented.as_bytes())));
        match found {
            None => Err(Refusal::Unknown),
            Some((_, at)) if *at <= now => Err(Refusal::Expired(*at)),
            Some(_) => Ok(()),
        }
    }
}

/// `n` random bytes as lower-case hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // The operating system's generator failing leaves no way to issue secrets at all.
    getrandom::getrandom(&mut bytes).expect("the operating system's random generator works");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Issuer {
    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        // Every update leaves the maps consistent: a panic elsewhere cannot tear them.
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new temporary credential valid for `lifetime` from `now`.
    pub(crate) fn issue_credential(&self, now: SystemTime, lifetime: Duration) -> TemporaryCredential {
        let credential = TemporaryCredential {
            // 20 characters, upper case, as the service's access keys are.
            access_key: format!("DMSEMUTMP{}", random_hex(6).to_ascii_uppercase())[..20].to_owned(),
            secret_key: Secret::new(random_hex(20)),
            security_token: Secret::new(format!("emu-security-token-{}", random_hex(48))),
            expires_at: now + lifetime,
        };
        let mut held = self.lock();
        held.credentials
            .retain(|_, c| c.expires_at + Duration::from_secs(3600) > now);
        if held.credentials.len() >= MAX_HELD {
            if let Some(oldest) = held
                .credentials
                .values()
                .min_by_key(|c| c.expires_at)
                .map(|c| c.access_key.clone())
            {
                held.credentials.remove(&oldest);
            }
        }
        held.credentials
            .insert(credential.access_key.clone(), credential.clone());
        credential
    }

    /// The temporary credential of `access_key`, whether or not it has expired.
    pub(crate) fn credential(&self, access_key: &str) -> Option<TemporaryCredential> {
        self.lock().credentials.get(access_key).cloned()
    }

    /// A new metadata session token valid for `ttl` from `now`.
    pub(crate) fn issue_metadata_token(&self, now: SystemTime, ttl: Duration) -> Secret {
        let token = Secret::new(format!("emu-metadata-token-{}", random_hex(32)));
        self.lock().metadata_tokens.insert(token.clone(), now + ttl, now);
        token
    }

    /// Whether `token` is a metadata session token valid at `now`.
    pub(crate) fn check_metadata_token(&self, token: &str, now: SystemTime) -> Result<(), Refusal> {
        self.lock().metadata_tokens.check(token, now)
    }

    /// A new IAM unscoped token valid for `lifetime` from `now`.
    pub(crate) fn issue_unscoped_token(&self, now: SystemTime, lifetime: Duration) -> Secret {
        let token = Secret::new(format!("emu-unscoped-token-{}", random_hex(48)));
        self.lock()
            .unscoped_tokens
            .insert(token.clone(), now + lifetime, now);
        token
    }

    /// Whether `token` is an unscoped token valid at `now`.
    pub(crate) fn check_unscoped_token(&self, token: &str, now: SystemTime) -> Result<(), Refusal> {
        self.lock().unscoped_tokens.check(token, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn credentials_are_random_distinct_and_expire() {
        let issuer = Issuer::default();
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let a = issuer.issue_credential(now, Duration::from_secs(60));
        let b = issuer.issue_credential(now, Duration::from_secs(60));
        assert_eq!(a.access_key.len(), 20);
        assert!(a.access_key.starts_with("DMSEMUTMP"));
        assert_ne!(a.access_key, b.access_key);
        assert_ne!(a.secret_key.expose(), b.secret_key.expose());
        assert_ne!(a.security_token.expose(), b.security_token.expose());
        assert_eq!(a.expires_at, now + Duration::from_secs(60));
        assert_eq!(
            issuer.credential(&a.access_key).unwrap().secret_key.expose(),
            a.secret_key.expose()
        );
        assert!(issuer.credential("DMSEMUTMPNOTISSUED00").is_none());
    }

    #[test]
    fn tokens_are_known_until_they_expire() {
        let issuer = Issuer::default();
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let t = issuer.issue_metadata_token(now, Duration::from_secs(10));
        assert_eq!(issuer.check_metadata_token(t.expose(), now), Ok(()));
        assert_eq!(
            issuer.check_metadata_token(t.expose(), now + Duration::from_secs(10)),
            Err(Refusal::Expired(now + Duration::from_secs(10)))
        );
        assert_eq!(issuer.check_metadata_token("other", now), Err(Refusal::Unknown));
        // A metadata token is not an unscoped token.
        assert_eq!(
            issuer.check_unscoped_token(t.expose(), now),
            Err(Refusal::Unknown)
        );
        let u = issuer.issue_unscoped_token(now, Duration::from_secs(10));
        assert_eq!(issuer.check_unscoped_token(u.expose(), now), Ok(()));
    }

    #[test]
    fn what_is_held_stays_bounded() {
        let issuer = Issuer::default();
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        for _ in 0..(MAX_HELD + 10) {
            issuer.issue_metadata_token(now, Duration::from_secs(60));
            issuer.issue_credential(now, Duration::from_secs(60));
        }
        let held = issuer.lock();
        assert!(held.metadata_tokens.0.len() <= MAX_HELD);
        assert!(held.credentials.len() <= MAX_HELD);
    }
}
