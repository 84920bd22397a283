//! Twilio's credentials, from AWS Secrets Manager (cached across warm invocations) or from the
//! environment (local runs), and the secret's versions and staging labels, for key rotation.
//!
//! The two secrets of API.md are kept apart: a function that only mints tokens never asks for
//! the Auth Token. Secret values live in [`SecretString`] (or [`StepUpKey`]), which never print.
//!
//! Why not the `aws_secretsmanager_caching` crate: it caches raw strings and answers an error
//! when a refresh after its TTL fails, where we want to keep serving the last good value (and log)
//! while Secrets Manager is unreachable, hold the parsed and checked credentials rather than
//! re-parse JSON per call, and avoid a second copy of the SDK in every binary. What we need is
//! the fifty lines of [`Cached`].

mod cache;
mod store;
pub mod versions;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::names::is_sid;
use crate::stepup::StepUpKey;

pub use cache::Cached;
pub use store::SecretStore;

/// The API key that signs tokens and calls Twilio's REST API. Fields of the secret JSON that are
/// not named here (key rotation's bookkeeping) are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct TwilioCredentials {
    /// `AC…`
    pub account_sid: String,
    /// `SK…`
    pub api_key_sid: String,
    /// The key's secret.
    pub api_key_secret: SecretString,
    /// The step-up proof key, which key rotation carries from version to version unchanged;
    /// absent until the first rotation, when the proof key is derived from `api_key_secret`
    /// (see [`StepUpKey::derive`]).
    #[serde(default)]
    pub step_up_key: Option<StepUpKey>,
}

/// The account's Auth Token, for webhook signatures and key management only, and the shared keys
/// of Twilio's webhook configuration (public beta), for callbacks signed with one instead.
///
/// A secret read only by the callback functions may hold `webhook_keys` and no `auth_token`:
/// when every callback is signed with a shared key, they never need the Auth Token.
#[derive(Clone, Debug, Deserialize)]
pub struct AuthCredentials {
    /// `AC…`
    pub account_sid: String,
    /// The Auth Token (`auth_token`); key rotation and Auth-Token-signed callbacks need it.
    #[serde(default)]
    pub auth_token: Option<SecretString>,
    /// `webhook_keys`: shared key id (as `X-Twilio-Webhooks-Signature-Settings` names it) → the
    /// key's secret. Its `Debug` shows the ids only.
    #[serde(default)]
    pub webhook_keys: BTreeMap<String, SecretString>,
}

impl AuthCredentials {
    /// The Auth Token, or why there is none.
    pub fn auth_token(&self) -> Result<&SecretString, SecretError> {
        self.auth_token.as_ref().ok_or_else(|| {
            SecretError::Missing("the auth secret holds no auth_token (webhook_keys only)".into())
        })
    }
}

/// One of the two secrets of API.md: what a function says it reads, so that start-up checks the
/// ones it takes from the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// The API key (`TWILIO_SECRET_ID`, else `TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY`,
    /// `TWILIO_API_SECRET`).
    ApiKey,
    /// The Auth Token or webhook keys (`TWILIO_AUTH_SECRET_ID`, else `TWILIO_ACCOUNT_SID` with
    /// `TWILIO_AUTH_TOKEN` and/or `TWILIO_WEBHOOK_KEYS`).
    Auth,
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
    /// The Auth Token and webhook keys (`TWILIO_AUTH_SECRET_ID`).
    async fn auth(&self) -> Result<Arc<AuthCredentials>, SecretError>;
}

/// Checks the parts of a credential that have a known shape.
pub(crate) trait Check {
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
        let token = self.auth_token.as_ref();
        if token.is_some_and(|t| t.expose_secret().is_empty()) {
            return Err("auth_token is empty".into());
        }
        if token.is_none() && self.webhook_keys.is_empty() {
            return Err("it holds neither auth_token nor webhook_keys".into());
        }
        if self
            .webhook_keys
            .iter()
            .any(|(id, key)| id.trim().is_empty() || key.expose_secret().is_empty())
        {
            return Err("webhook_keys has an empty key id or key".into());
        }
        Ok(())
    }
}

/// Parses and checks the API key secret's JSON (`id` names the secret in errors).
pub fn parse_twilio(id: &str, json: &str) -> Result<TwilioCredentials, SecretError> {
    parse(id, json)
}

pub(crate) fn parse<T: for<'de> Deserialize<'de> + Check>(
    id: &str,
    json: &str,
) -> Result<T, SecretError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_secret_names_the_problem_not_the_value() {
        let err = parse::<TwilioCredentials>("id", r#"{"api_key_secret":["s3cr3t"]}"#).unwrap_err();
        assert!(!err.to_string().contains("s3cr3t"));
        let err = parse::<TwilioCredentials>("id", r#"{"account_sid":"nope","api_key_sid":"SK00000000000000000000000000000001","api_key_secret":"s3cr3t"}"#).unwrap_err();
        assert!(err.to_string().contains("account_sid"));
        assert!(!err.to_string().contains("s3cr3t"));
    }

    #[test]
    fn rotation_fields_are_read_or_ignored_and_a_bad_step_up_key_is_refused_unquoted() {
        let json = serde_json::json!({
            "account_sid": "AC00000000000000000000000000000001",
            "api_key_sid": "SK00000000000000000000000000000001",
            "api_key_secret": "s3cr3t",
            "step_up_key": "A".repeat(43),
            "retired_keys": [{"sid": "SK00000000000000000000000000000002", "demoted_at": 1}],
        });
        let creds = parse::<TwilioCredentials>("id", &json.to_string()).unwrap();
        assert!(creds.step_up_key.is_some());
        assert!(!format!("{creds:?}").contains(&"A".repeat(43)));
        let mut bad = json.clone();
        bad["step_up_key"] = "short-but-secret".into();
        let err = parse::<TwilioCredentials>("id", &bad.to_string()).unwrap_err();
        assert!(!err.to_string().contains("short-but-secret"), "{err}");
    }

    #[test]
    fn an_auth_secret_holds_a_token_or_webhook_keys_and_prints_neither() {
        let sid = "AC00000000000000000000000000000001";
        let keys_only = serde_json::json!({"account_sid": sid, "webhook_keys": {"k1": "key-one"}});
        let creds = parse::<AuthCredentials>("id", &keys_only.to_string()).unwrap();
        assert!(creds.auth_token.is_none());
        assert_eq!(creds.webhook_keys["k1"].expose_secret(), "key-one");
        assert!(
            creds.auth_token().is_err(),
            "key management needs the token"
        );
        let printed = format!("{creds:?}");
        assert!(
            printed.contains("k1") && !printed.contains("key-one"),
            "{printed}"
        );
        for bad in [
            serde_json::json!({"account_sid": sid}),
            serde_json::json!({"account_sid": sid, "webhook_keys": {}}),
            serde_json::json!({"account_sid": sid, "webhook_keys": {"k1": ""}}),
            serde_json::json!({"account_sid": sid, "auth_token": ""}),
        ] {
            assert!(
                parse::<AuthCredentials>("id", &bad.to_string()).is_err(),
                "{bad}"
            );
        }
        let token_only = serde_json::json!({"account_sid": sid, "auth_token": "t0ken"});
        let creds = parse::<AuthCredentials>("id", &token_only.to_string()).unwrap();
        assert_eq!(creds.auth_token().unwrap().expose_secret(), "t0ken");
    }
}
