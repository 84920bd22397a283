//! One version of the API key secret, as rotation reads and writes it. Beyond API.md's three
//! fields it carries rotation's bookkeeping, which readers ignore:
//!
//! - `step_up_key`: the step-up proof key, copied unchanged into every new version (seeded on
//!   the first rotation with the key derived from the secret it replaces);
//! - `retired_keys`: `[{"sid":"SK…","demoted_at":unix seconds}]`, every retired key not yet
//!   known to be revoked, so a second rotation before the first retired key is revoked keeps it;
//! - `rotated_by`: the id of the event whose rotation made this version.
//!
//! Every other field is kept as it is (API.md: rotation keeps fields it does not know).

use std::collections::HashSet;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared::secrets::{SecretError, TwilioCredentials, parse_twilio};
use shared::stepup::StepUpKey;
use shared::twilio::keys::NewKey;

/// A retired key awaiting revocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retired {
    /// `SK…`.
    pub sid: String,
    /// When it stopped being current (Unix seconds): the grace is counted from here.
    pub demoted_at: i64,
}

/// One version's JSON, with every field kept. Never printed: `Debug` shows SIDs only.
#[derive(Clone)]
pub struct KeyDoc {
    fields: Map<String, Value>,
    creds: TwilioCredentials,
    retired: Vec<Retired>,
}

impl fmt::Debug for KeyDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyDoc")
            .field("api_key_sid", &self.creds.api_key_sid)
            .field("retired", &self.retired)
            .field("rotated_by", &self.rotated_by())
            .finish_non_exhaustive()
    }
}

impl KeyDoc {
    /// Parses a version of secret `id`, checked as every function checks it.
    pub fn parse(id: &str, text: &SecretString) -> Result<Self, SecretError> {
        let malformed = |reason: &str| SecretError::Malformed {
            id: id.to_string(),
            reason: reason.to_string(),
        };
        let creds = parse_twilio(id, text.expose_secret())?;
        let fields: Map<String, Value> = serde_json::from_str(text.expose_secret())
            .map_err(|_| malformed("not a JSON object"))?;
        let retired = match fields.get("retired_keys") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|_| malformed("retired_keys is not [{\"sid\",\"demoted_at\"}]"))?,
        };
        Ok(Self {
            fields,
            creds,
            retired,
        })
    }

    /// The account, `AC…`.
    pub fn account_sid(&self) -> &str {
        &self.creds.account_sid
    }

    /// The key of this version, `SK…`.
    pub fn key_sid(&self) -> &str {
        &self.creds.api_key_sid
    }

    /// The credentials this version holds.
    pub fn credentials(&self) -> &TwilioCredentials {
        &self.creds
    }

    /// The retired keys it lists.
    pub fn retired(&self) -> &[Retired] {
        &self.retired
    }

    /// The event whose rotation made it, if a rotation did.
    pub fn rotated_by(&self) -> Option<&str> {
        self.fields.get("rotated_by").and_then(Value::as_str)
    }

    /// The version that replaces this one with `key`, made by event `event_id`: this version's
    /// key retired at `demoted_at`, retired keys that are no longer `alive` dropped, the step-up
    /// key carried (or seeded), every other field kept.
    pub fn successor(
        &self,
        key: &NewKey,
        event_id: &str,
        demoted_at: i64,
        alive: &HashSet<String>,
    ) -> Self {
        let mut retired: Vec<Retired> = self
            .retired
            .iter()
            .filter(|r| alive.contains(&r.sid) && r.sid != key.sid && r.sid != self.key_sid())
            .cloned()
            .collect();
        retired.push(Retired {
            sid: self.key_sid().to_string(),
            demoted_at,
        });
        let step_up_key = StepUpKey::derive(&self.creds);
        let mut fields = self.fields.clone();
        fields.insert("api_key_sid".into(), key.sid.clone().into());
        fields.insert("api_key_secret".into(), key.secret.expose_secret().into());
        fields.insert(
            "step_up_key".into(),
            step_up_key.to_field().expose_secret().into(),
        );
        fields.insert("rotated_by".into(), event_id.into());
        let creds = TwilioCredentials {
            account_sid: self.creds.account_sid.clone(),
            api_key_sid: key.sid.clone(),
            api_key_secret: key.secret.clone(),
            step_up_key: Some(step_up_key),
        };
        Self::with_retired(fields, creds, retired)
    }

    /// The same version with retired key `sid` demoted at `demoted_at` instead: a pending
    /// version promoted by a later run than the one that wrote it.
    pub fn demoted_at(&self, sid: &str, demoted_at: i64) -> Self {
        let retired = self
            .retired
            .iter()
            .map(|r| Retired {
                sid: r.sid.clone(),
                demoted_at: if r.sid == sid {
                    demoted_at
                } else {
                    r.demoted_at
                },
            })
            .collect();
        Self::with_retired(self.fields.clone(), self.creds.clone(), retired)
    }

    fn with_retired(
        mut fields: Map<String, Value>,
        creds: TwilioCredentials,
        retired: Vec<Retired>,
    ) -> Self {
        fields.insert(
            "retired_keys".into(),
            serde_json::to_value(&retired).unwrap_or(Value::Array(vec![])),
        );
        Self {
            fields,
            creds,
            retired,
        }
    }

    /// The JSON to store.
    pub fn to_secret(&self) -> SecretString {
        SecretString::from(Value::Object(self.fields.clone()).to_string())
    }
}

#[cfg(test)]
#[path = "doc_tests.rs"]
mod tests;
