//! Twilio's credentials, from AWS Secrets Manager (cached across warm invocations) or from the
//! environment (local runs).
//!
//! The two secrets of API.md are kept apart: a function that only mints tokens never asks for
//! the Auth Token. Secret values live in [`SecretString`], which never prints.
//!
//! Why not the `aws_secretsmanager_caching` crate: it caches raw strings and answers an error
//! when a refresh after its TTL fails, where we want to keep serving the last good value (and log)
//! while Secrets Manager is unreachable, hold the parsed and checked credentials rather than
//! re-parse JSON per call, and avoid a second copy of the SDK in every binary. What we need is
//! the fifty lines of [`Cached`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use secrecy::SecretString;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::names::is_sid;

/// The API key that signs tokens and calls Twilio's REST API.
#[derive(Clone, Debug, Deserialize)]
pub struct TwilioCredentials {
    /// `AC…`
    pub account_sid: String,
    /// `SK…`
    pub api_key_sid: String,
    /// The key's secret.
    pub api_key_secret: SecretString,
}

/// The account's Auth Token, for webhook signatures and key management only.
#[derive(Clone, Debug, Deserialize)]
pub struct AuthCredentials {
    /// `AC…`
    pub account_sid: String,
    /// The Auth Token.
    pub auth_token: SecretString,
}

/// Why credentials could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The secret (or variable) is not configured.
    #[error("secret not configured: {0}")]
    Missing(String),
    /// The secret exists but its content is not what API.md describes.
    #[error("secret {id} is malformed: {reason}")]
    Malformed {
        /// Which secret.
        id: String,
        /// What is wrong (never the value).
        reason: String,
    },
    /// Secrets Manager could not be reached or refused.
    #[error("secrets manager: {0}")]
    Fetch(String),
}

/// Where functions get Twilio's credentials.
#[async_trait]
pub trait Secrets: Send + Sync {
    /// The API key (`TWILIO_SECRET_ID`).
    async fn twilio(&self) -> Result<Arc<TwilioCredentials>, SecretError>;
    /// The Auth Token (`TWILIO_AUTH_SECRET_ID`).
    async fn auth(&self) -> Result<Arc<AuthCredentials>, SecretError>;
}

/// Checks the parts of a credential that have a known shape.
trait Check {
    fn check(&self) -> Result<(), String>;
}

impl Check for TwilioCredentials {
    fn check(&self) -> Result<(), String> {
        if !is_sid(&self.account_sid, "AC") {
            return Err("account_sid is not an AC SID".into());
        }
        if !is_sid(&self.api_key_sid, "SK") {
            return Err("api_key_sid is not an SK SID".into());
        }
        Ok(())
    }
}

impl Check for AuthCredentials {
    fn check(&self) -> Result<(), String> {
        if !is_sid(&self.account_sid, "AC") {
            return Err("account_sid is not an AC SID".into());
        }
        Ok(())
    }
}

fn parse<T: for<'de> Deserialize<'de> + Check>(id: &str, json: &str) -> Result<T, SecretError> {
    let value: T = serde_json::from_str(json).map_err(|e| SecretError::Malformed {
        id: id.to_string(),
        // Not serde's message: for a mistyped field it quotes the value, which may be the secret.
        reason: format!(
            "not the JSON of API.md ({:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        ),
    })?;
    value.check().map_err(|reason| SecretError::Malformed {
        id: id.to_string(),
        reason,
    })?;
    Ok(value)
}

/// One secret: either read once from the environment, or fetched from Secrets Manager and cached.
enum Source<T> {
    Env(Result<Arc<T>, String>),
    Manager { id: String, cache: Cached<T> },
}

/// The production [`Secrets`]: each secret from Secrets Manager when its id is configured, else
/// from the environment.
pub struct SecretStore {
    client: Option<aws_sdk_secretsmanager::Client>,
    twilio: Source<TwilioCredentials>,
    auth: Source<AuthCredentials>,
}

impl SecretStore {
    /// Builds the store. `client` is needed only when an id is given; `ttl` is how long a
    /// fetched secret is served before it is refreshed.
    pub fn new(
        client: Option<aws_sdk_secretsmanager::Client>,
        twilio_secret_id: Option<String>,
        auth_secret_id: Option<String>,
        ttl: Duration,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let var = |name: &str| {
            env(name)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| name.to_string())
        };
        let twilio = match twilio_secret_id {
            Some(id) => Source::Manager {
                id,
                cache: Cached::new(ttl),
            },
            None => Source::Env((|| {
                let creds = TwilioCredentials {
                    account_sid: var("TWILIO_ACCOUNT_SID")?,
                    api_key_sid: var("TWILIO_API_KEY")?,
                    api_key_secret: SecretString::from(var("TWILIO_API_SECRET")?),
                };
                creds.check()?;
                Ok(Arc::new(creds))
            })()),
        };
        let auth = match auth_secret_id {
            Some(id) => Source::Manager {
                id,
                cache: Cached::new(ttl),
            },
            None => Source::Env((|| {
                let creds = AuthCredentials {
                    account_sid: var("TWILIO_ACCOUNT_SID")?,
                    auth_token: SecretString::from(var("TWILIO_AUTH_TOKEN")?),
                };
                creds.check()?;
                Ok(Arc::new(creds))
            })()),
        };
        Self {
            client,
            twilio,
            auth,
        }
    }

    async fn get<T>(&self, source: &Source<T>) -> Result<Arc<T>, SecretError>
    where
        T: for<'de> Deserialize<'de> + Check + Send + Sync,
    {
        match source {
            Source::Env(value) => value.clone().map_err(SecretError::Missing),
            Source::Manager { id, cache } => {
                let client = self.client.as_ref().ok_or_else(|| {
                    SecretError::Missing(format!("no Secrets Manager client for {id}"))
                })?;
                cache
                    .get(|| async {
                        let out = client
                            .get_secret_value()
                            .secret_id(id)
                            .send()
                            .await
                            .map_err(|e| {
                                SecretError::Fetch(
                                    aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                                        .to_string(),
                                )
                            })?;
                        let text = out.secret_string().ok_or_else(|| SecretError::Malformed {
                            id: id.clone(),
                            reason: "no SecretString".into(),
                        })?;
                        parse::<T>(id, text)
                    })
                    .await
            }
        }
    }
}

#[async_trait]
impl Secrets for SecretStore {
    async fn twilio(&self) -> Result<Arc<TwilioCredentials>, SecretError> {
        self.get(&self.twilio).await
    }

    async fn auth(&self) -> Result<Arc<AuthCredentials>, SecretError> {
        self.get(&self.auth).await
    }
}

/// A value fetched on first use and refreshed once `ttl` has passed. When a refresh fails and a
/// value is held, that value keeps being served (and the failure logged), and the next attempt
/// waits a little, so an outage of Secrets Manager neither breaks warm functions nor floods it.
pub struct Cached<T> {
    ttl: Duration,
    slot: Mutex<Option<(Instant, Arc<T>)>>,
}

/// How long a function waits before retrying a failed refresh while serving the stale value.
const RETRY_AFTER_FAILED_REFRESH: Duration = Duration::from_secs(30);

impl<T> Cached<T> {
    /// An empty cache.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            slot: Mutex::new(None),
        }
    }

    /// The cached value, fetching it with `fetch` when absent or older than the TTL.
    pub async fn get<F, Fut, E>(&self, fetch: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        // Held across the fetch: concurrent callers wait for one fetch instead of each making one.
        let mut slot = self.slot.lock().await;
        if let Some((fetched, value)) = slot.as_ref()
            && fetched.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        match fetch().await {
            Ok(value) => {
                let value = Arc::new(value);
                *slot = Some((Instant::now(), value.clone()));
                Ok(value)
            }
            Err(error) => match slot.as_mut() {
                Some((fetched, value)) => {
                    tracing::warn!(%error, "secret refresh failed; serving the cached value");
                    // Pretend it was fetched so that the next attempt comes after a short pause.
                    *fetched = Instant::now()
                        .checked_sub(self.ttl.saturating_sub(RETRY_AFTER_FAILED_REFRESH))
                        .unwrap_or_else(Instant::now);
                    Ok(value.clone())
                }
                None => Err(error),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_cached_value_is_reused_until_its_ttl_then_refreshed() {
        let cache = Cached::new(Duration::from_millis(50));
        let calls = AtomicUsize::new(0);
        let fetch = || async { Ok::<_, String>(calls.fetch_add(1, Ordering::SeqCst)) };
        assert_eq!(*cache.get(fetch).await.unwrap(), 0);
        assert_eq!(*cache.get(fetch).await.unwrap(), 0);
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(*cache.get(fetch).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_failed_refresh_serves_the_stale_value() {
        let cache = Cached::new(Duration::from_millis(10));
        cache.get(|| async { Ok::<_, String>(7) }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let v = cache
            .get(|| async { Err::<i32, _>("down".to_string()) })
            .await
            .unwrap();
        assert_eq!(*v, 7);
        let empty: Cached<i32> = Cached::new(Duration::from_secs(1));
        assert!(
            empty
                .get(|| async { Err::<i32, _>("down".to_string()) })
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn environment_secrets_are_checked_and_never_printed() {
        let env = |k: &str| match k {
            "TWILIO_ACCOUNT_SID" => Some("AC00000000000000000000000000000001".to_string()),
            "TWILIO_API_KEY" => Some("SK00000000000000000000000000000001".to_string()),
            "TWILIO_API_SECRET" => Some("very-secret-value".to_string()),
            _ => None,
        };
        let store = SecretStore::new(None, None, None, Duration::from_secs(60), env);
        let creds = store.twilio().await.unwrap();
        assert_eq!(creds.api_key_secret.expose_secret(), "very-secret-value");
        assert!(!format!("{creds:?}").contains("very-secret-value"));
        let err = store.auth().await.unwrap_err();
        assert!(err.to_string().contains("TWILIO_AUTH_TOKEN"));
    }

    #[test]
    fn a_malformed_secret_names_the_problem_not_the_value() {
        let err = parse::<TwilioCredentials>("id", r#"{"api_key_secret":["s3cr3t"]}"#).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
        let err = parse::<TwilioCredentials>("id", r#"{"account_sid":"nope","api_key_sid":"SK00000000000000000000000000000001","api_key_secret":"s3cr3t"}"#).unwrap_err();
        assert!(err.to_string().contains("account_sid"));
        assert!(!err.to_string().contains("s3cr3t"));
    }
}
