//! A secret's versions and staging labels, as key rotation reads and moves them. Every read
//! goes to Secrets Manager (nothing here is cached): rotation decides on what is stored now.
//!
//! The labels (API.md): `AWSCURRENT` is the version whose key signs, `AWSPENDING` one being
//! introduced, `AWSPREVIOUS` the most recently retired one while its key awaits revocation.
//! Moving `AWSCURRENT` makes Secrets Manager put `AWSPREVIOUS` on the version it left.

use std::collections::HashMap;

use secrecy::{ExposeSecret, SecretString};

use super::SecretError;

/// The label of the version in use.
pub const CURRENT: &str = "AWSCURRENT";
/// The label of a version being introduced.
pub const PENDING: &str = "AWSPENDING";
/// The label of the version `AWSCURRENT` last left.
pub const PREVIOUS: &str = "AWSPREVIOUS";

/// Which version carries each of the three labels.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stages {
    /// The `AWSCURRENT` version's id.
    pub current: String,
    /// The `AWSPENDING` version's id, if any.
    pub pending: Option<String>,
    /// The `AWSPREVIOUS` version's id, if any.
    pub previous: Option<String>,
}

impl Stages {
    /// The stages of `DescribeSecret`'s `VersionIdsToStages`.
    pub fn from_map(map: &HashMap<String, Vec<String>>) -> Result<Self, String> {
        let find = |label: &str| {
            map.iter()
                .find(|(_, stages)| stages.iter().any(|s| s == label))
                .map(|(id, _)| id.clone())
        };
        Ok(Self {
            current: find(CURRENT).ok_or("no version is AWSCURRENT")?,
            pending: find(PENDING),
            previous: find(PREVIOUS),
        })
    }
}

/// One secret's versions in Secrets Manager.
#[derive(Clone, Debug)]
pub struct SecretVersions {
    client: aws_sdk_secretsmanager::Client,
    id: String,
}

impl SecretVersions {
    /// The versions of secret `id` (name or ARN).
    pub fn new(client: aws_sdk_secretsmanager::Client, id: impl Into<String>) -> Self {
        Self {
            client,
            id: id.into(),
        }
    }

    /// The secret's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the labels are now (`DescribeSecret`).
    pub async fn stages(&self) -> Result<Stages, SecretError> {
        let out = self
            .client
            .describe_secret()
            .secret_id(&self.id)
            .send()
            .await
            .map_err(sdk_error)?;
        let map = out.version_ids_to_stages().cloned().unwrap_or_default();
        Stages::from_map(&map).map_err(|reason| SecretError::Malformed {
            id: self.id.clone(),
            reason,
        })
    }

    /// The value of version `version_id`.
    pub async fn value(&self, version_id: &str) -> Result<SecretString, SecretError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(&self.id)
            .version_id(version_id)
            .send()
            .await
            .map_err(sdk_error)?;
        out.secret_string()
            .map(SecretString::from)
            .ok_or_else(|| SecretError::Malformed {
                id: self.id.clone(),
                reason: format!("version {version_id} has no SecretString"),
            })
    }

    /// Stores `value` as a new version labelled `AWSPENDING` (the label leaves any other
    /// version), and answers its id.
    pub async fn put_pending(&self, value: &SecretString) -> Result<String, SecretError> {
        let out = self
            .client
            .put_secret_value()
            .secret_id(&self.id)
            .client_request_token(uuid::Uuid::new_v4().to_string())
            .secret_string(value.expose_secret())
            .version_stages(PENDING)
            .send()
            .await
            .map_err(sdk_error)?;
        out.version_id()
            .map(str::to_string)
            .ok_or_else(|| SecretError::Fetch("PutSecretValue answered no VersionId".into()))
    }

    /// Moves `AWSCURRENT` from version `from` to version `to` in one call, so there is never a
    /// moment without a current version. Secrets Manager labels `from` `AWSPREVIOUS`.
    pub async fn promote(&self, to: &str, from: &str) -> Result<(), SecretError> {
        self.move_label(CURRENT, Some(to), Some(from)).await
    }

    /// Takes `label` off version `from`.
    pub async fn remove_label(&self, label: &str, from: &str) -> Result<(), SecretError> {
        self.move_label(label, None, Some(from)).await
    }

    async fn move_label(
        &self,
        label: &str,
        to: Option<&str>,
        from: Option<&str>,
    ) -> Result<(), SecretError> {
        self.client
            .update_secret_version_stage()
            .secret_id(&self.id)
            .version_stage(label)
            .set_move_to_version_id(to.map(str::to_string))
            .set_remove_from_version_id(from.map(str::to_string))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

/// Any Secrets Manager SDK error, with its full context (never a secret value: requests carry
/// them, error messages do not).
pub(crate) fn sdk_error<E, R>(e: aws_sdk_secretsmanager::error::SdkError<E, R>) -> SecretError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    SecretError::Fetch(aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_read_from_the_version_map() {
        let map = HashMap::from([
            ("v1".to_string(), vec![PREVIOUS.to_string()]),
            ("v2".to_string(), vec![CURRENT.to_string()]),
            ("v3".to_string(), vec![PENDING.to_string()]),
            ("v0".to_string(), vec![]),
        ]);
        assert_eq!(
            Stages::from_map(&map).unwrap(),
            Stages {
                current: "v2".into(),
                pending: Some("v3".into()),
                previous: Some("v1".into()),
            }
        );
        assert!(Stages::from_map(&HashMap::new()).is_err());
    }
}
