//! [`SecretStore`], the production [`Secrets`]: each secret from Secrets Manager when its id is
//! configured (cached for `SECRETS_CACHE_TTL_SECONDS`), else from the environment.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use serde::Deserialize;

use super::cache::Cached;
use super::versions::{CURRENT, sdk_error};
use super::{AuthCredentials, Check, SecretError, SecretKind, Secrets, TwilioCredentials, parse};
use crate::config::ConfigError;
use crate::names::is_sid;

/// One secret: either read once from the environment (or why it could not be), or fetched from
/// Secrets Manager and cached.
enum Source<T> {
    Env(Result<Arc<T>, ConfigError>),
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
    /// fetched secret is served before it is refreshed. The environment is read here, once:
    /// [`SecretStore::check`] tells at start-up what is missing from it.
    pub fn new(
        client: Option<aws_sdk_secretsmanager::Client>,
        twilio_secret_id: Option<String>,
        auth_secret_id: Option<String>,
        ttl: Duration,
        env: impl Fn(&str) -> Option<String>,
    ) -> Self {
        Self {
            client,
            twilio: Source::new(twilio_secret_id, ttl, || api_key_from_env(&env)),
            auth: Source::new(auth_secret_id, ttl, || auth_from_env(&env)),
        }
    }

    /// Whether the secret `kind` can be had: read from the environment, all its variables are
    /// present and well formed (else the error names the first that is not); from Secrets
    /// Manager, a client exists (its content is checked when first fetched).
    pub fn check(&self, kind: SecretKind) -> Result<(), ConfigError> {
        let (manager, var) = match kind {
            SecretKind::ApiKey => (self.twilio.env_error(), "TWILIO_SECRET_ID"),
            SecretKind::Auth => (self.auth.env_error(), "TWILIO_AUTH_SECRET_ID"),
        };
        match manager {
            Some(Some(e)) => Err(e.clone()),
            Some(None) => Ok(()),
            None if self.client.is_none() => Err(ConfigError::new(
                var,
                "is set, but no Secrets Manager client was built to read it",
            )),
            None => Ok(()),
        }
    }

    async fn get<T>(&self, source: &Source<T>) -> Result<Arc<T>, SecretError>
    where
        T: for<'de> Deserialize<'de> + Check + Send + Sync,
    {
        match source {
            Source::Env(value) => value
                .clone()
                .map_err(|e| SecretError::Missing(e.to_string())),
            Source::Manager { id, cache } => {
                let client = self.client.as_ref().ok_or_else(|| {
                    SecretError::Missing(format!("no Secrets Manager client for {id}"))
                })?;
                cache
                    .get(|| async {
                        // The stage is named although it is the default: key rotation moves it
                        // with UpdateSecretVersionStage, and this reads whatever it labels.
                        let out = client
                            .get_secret_value()
                            .secret_id(id)
                            .version_stage(CURRENT)
                            .send()
                            .await
                            .map_err(sdk_error)?;
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

impl<T> Source<T> {
    /// Secrets Manager when `id` is set, else what `from_env` reads.
    fn new(
        id: Option<String>,
        ttl: Duration,
        from_env: impl FnOnce() -> Result<Arc<T>, ConfigError>,
    ) -> Self {
        match id {
            Some(id) => Source::Manager {
                id,
                cache: Cached::new(ttl),
            },
            None => Source::Env(from_env()),
        }
    }

    /// `None` for Secrets Manager; for the environment, `Some` of what is wrong, if anything.
    fn env_error(&self) -> Option<Option<&ConfigError>> {
        match self {
            Source::Env(value) => Some(value.as_ref().err()),
            Source::Manager { .. } => None,
        }
    }
}

/// A variable that must be set (empty counts as unset).
fn required(
    env: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<String, ConfigError> {
    env(var).filter(|v| !v.is_empty()).ok_or_else(|| {
        ConfigError::new(var, "is required by this function, as no secret id is set")
    })
}

fn account_sid(env: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    let sid = required(env, "TWILIO_ACCOUNT_SID")?;
    if !is_sid(&sid, "AC") {
        return Err(ConfigError::new("TWILIO_ACCOUNT_SID", "is not an AC SID"));
    }
    Ok(sid)
}

/// The API key from `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY` and `TWILIO_API_SECRET`.
fn api_key_from_env(
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<TwilioCredentials>, ConfigError> {
    let account_sid = account_sid(env)?;
    let api_key_sid = required(env, "TWILIO_API_KEY")?;
    if !is_sid(&api_key_sid, "SK") {
        return Err(ConfigError::new("TWILIO_API_KEY", "is not an SK SID"));
    }
    let creds = TwilioCredentials {
        account_sid,
        api_key_sid,
        api_key_secret: SecretString::from(required(env, "TWILIO_API_SECRET")?),
        step_up_key: None,
    };
    creds
        .check()
        .map_err(|reason| ConfigError::new("TWILIO_API_KEY", reason))?;
    Ok(Arc::new(creds))
}

/// The Auth Token (`TWILIO_AUTH_TOKEN`) and webhook keys (`TWILIO_WEBHOOK_KEYS`, the JSON of the
/// secret's `webhook_keys` field), at least one of them, and `TWILIO_ACCOUNT_SID`.
fn auth_from_env(
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Arc<AuthCredentials>, ConfigError> {
    let account_sid = account_sid(env)?;
    let auth_token = env("TWILIO_AUTH_TOKEN")
        .filter(|v| !v.is_empty())
        .map(SecretString::from);
    let webhook_keys = match env("TWILIO_WEBHOOK_KEYS").filter(|v| !v.trim().is_empty()) {
        None => BTreeMap::new(),
        // Not serde's message, which could quote a key.
        Some(json) => serde_json::from_str(&json).map_err(|_| {
            ConfigError::new(
                "TWILIO_WEBHOOK_KEYS",
                r#"must be a JSON object of shared key id to key: {"webhooks_sharedkey_…":"…"}"#,
            )
        })?,
    };
    if auth_token.is_none() && webhook_keys.is_empty() {
        return Err(ConfigError::new(
            "TWILIO_AUTH_TOKEN",
            "is required by this function, as no secret id is set (or TWILIO_WEBHOOK_KEYS, \
             when every callback is signed with a shared key)",
        ));
    }
    let creds = AuthCredentials {
        account_sid,
        auth_token,
        webhook_keys,
    };
    creds
        .check()
        .map_err(|reason| ConfigError::new("TWILIO_WEBHOOK_KEYS", reason))?;
    Ok(Arc::new(creds))
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

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

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
}
