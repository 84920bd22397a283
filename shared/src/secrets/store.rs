//! [`SecretStore`], the production [`Secrets`]: each secret from Secrets Manager when its id is
//! configured (cached for `SECRETS_CACHE_TTL_SECONDS`), else from the environment.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;
use serde::Deserialize;

use super::cache::Cached;
use super::versions::{CURRENT, sdk_error};
use super::{AuthCredentials, Check, SecretError, Secrets, TwilioCredentials, parse};

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
                    step_up_key: None,
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
