//! The steps of a run that change something: create and check a key, stage and promote a
//! version, revoke a key. Each is audited (pending before, settled after), logged with key SIDs
//! only, and tells the checkpoint when done. In a dry run each only records itself.

use sha2::{Digest, Sha256};
use shared::metrics;
use shared::secrets::TwilioCredentials;
use shared::secrets::versions::PENDING;
use shared::store::audit::AuditAction;
use shared::twilio::keys::{Deleted, authenticates};

use crate::audit::Trail;
use crate::doc::KeyDoc;
use crate::run::Run;
use crate::{RotationError, Step};

/// The event id as it goes into a key's `FriendlyName` (at most 40 characters).
fn name_part(event_id: &str) -> String {
    let plain = event_id.len() <= 40
        && event_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b));
    if plain {
        event_id.to_string()
    } else {
        hex::encode(Sha256::digest(event_id.as_bytes()))[..32].to_string()
    }
}

impl Run<'_> {
    fn trail(&self) -> Trail<'_> {
        Trail(self.state.audit.as_ref())
    }

    fn step(&self, step: Step) {
        (self.state.checkpoint)(step);
    }

    /// Creates a key, checks it, and makes the next version (with it) current. Until the next
    /// version is stored, any failure revokes the new key, so none is left that no one knows.
    pub(crate) async fn rotate(&mut self) -> Result<(), RotationError> {
        let name = format!(
            "{}{}",
            self.state.key_name_prefix(),
            name_part(&self.request.id)
        );
        let entry = self.trail().begin(AuditAction::CreateApiKey, None).await?;
        let (key, request_id) = match self.keys.create(&name, self.deadline.calls_by()).await {
            Ok(created) => created,
            Err(error) => {
                // If it may have reached Twilio, the key it made carries our name: the next
                // run revokes it as an orphan.
                self.trail().failed(&entry, Some(&error)).await;
                return Err(error.into());
            }
        };
        self.step(Step::KeyCreated);
        self.alive.insert(key.sid.clone());
        self.trail().allowed(&entry, &key.sid, request_id).await;
        self.record("create_api_key", Some(&key.sid));
        let (current, current_vid) = self.current.clone().expect("set by go");
        let creds = TwilioCredentials {
            account_sid: current.account_sid().to_string(),
            api_key_sid: key.sid.clone(),
            api_key_secret: key.secret.clone(),
            step_up_key: None,
        };
        let s = self.state;
        let checked = authenticates(&s.twilio, &creds, &s.video_base, self.deadline.calls_by())
            .await
            .map_err(RotationError::from)
            .and_then(|ok| {
                ok.then_some(())
                    .ok_or_else(|| RotationError::Unusable(key.sid.clone()))
            });
        if let Err(error) = checked {
            self.revoke_unstored(&key.sid).await;
            return Err(error);
        }
        self.step(Step::KeyChecked);
        let next = current.successor(&key, &self.request.id, self.demotion_time(), &self.alive);
        self.stage_and_promote_new(next, &current_vid, &key.sid)
            .await
    }

    async fn stage_and_promote_new(
        &mut self,
        next: KeyDoc,
        from: &str,
        new_sid: &str,
    ) -> Result<(), RotationError> {
        match self.stage_and_promote(next, from).await {
            Err(StageError::NotStored(error)) => {
                self.revoke_unstored(new_sid).await;
                Err(error)
            }
            Err(StageError::Stored(error)) => Err(error),
            Ok(()) => Ok(()),
        }
    }

    /// Stores `doc` as `AWSPENDING`, moves `AWSCURRENT` to it from version `from`, and takes
    /// `AWSPENDING` off.
    pub(crate) async fn stage_and_promote(
        &mut self,
        doc: KeyDoc,
        from: &str,
    ) -> Result<(), StageError> {
        let sid = doc.key_sid().to_string();
        if self.dry() {
            self.record("promote_api_key", Some(&sid));
            self.current = Some((doc, from.to_string()));
            return Ok(());
        }
        let versions = &self.state.versions;
        let trail = Trail(self.state.audit.as_ref());
        let entry = trail
            .begin(AuditAction::PromoteApiKey, Some(&sid))
            .await
            .map_err(|e| StageError::NotStored(e.into()))?;
        let vid = match versions.put_pending(&doc.to_secret()).await {
            Ok(vid) => vid,
            Err(error) => {
                trail.failed(&entry, None).await;
                return Err(StageError::NotStored(error.into()));
            }
        };
        self.step(Step::Staged);
        if let Err(error) = versions.promote(&vid, from).await {
            trail.failed(&entry, None).await;
            return Err(StageError::Stored(error.into()));
        }
        self.step(Step::Promoted);
        trail.allowed(&entry, &sid, None).await;
        let retired = self.current.as_ref().map(|(d, _)| d.key_sid().to_string());
        tracing::info!(
            event_id = %self.request.id,
            key_sid = %sid,
            retired_key_sid = retired.as_deref().unwrap_or(""),
            grace_seconds = self.state.rules.grace(),
            "new key current; the old one is retired until its grace has passed"
        );
        self.record("promote_api_key", Some(&sid));
        self.report.rotated = true;
        metrics::count("KeysRotated", &[]);
        self.current = Some((doc, vid.clone()));
        versions
            .remove_label(PENDING, &vid)
            .await
            .map_err(|e| StageError::Stored(e.into()))?;
        self.step(Step::Unstaged);
        Ok(())
    }

    /// Revokes key `sid`: an orphan, or a retired key whose grace has passed.
    pub(crate) async fn revoke(&mut self, sid: &str, orphan: bool) -> Result<(), RotationError> {
        let (action, reason) = if orphan {
            (AuditAction::RevokeOrphanApiKey, "orphan")
        } else {
            (AuditAction::RevokeApiKey, "due")
        };
        if self.dry() {
            self.alive.remove(sid);
            self.record(action.as_str(), Some(sid));
            return Ok(());
        }
        let entry = self.trail().begin(action, Some(sid)).await?;
        match self.keys.delete(sid, self.deadline.calls_by()).await {
            Ok((deleted, request_id)) => {
                self.step(Step::Revoked);
                self.alive.remove(sid);
                self.trail().allowed(&entry, sid, request_id).await;
                if deleted == Deleted::Revoked {
                    metrics::count("KeysRevoked", &[("Reason", reason)]);
                }
                self.record(action.as_str(), Some(sid));
                Ok(())
            }
            Err(error) => {
                self.trail().failed(&entry, Some(&error)).await;
                Err(error.into())
            }
        }
    }

    /// Revokes a key this run created but could not store; if that fails too, the next run
    /// finds it by its name and revokes it as an orphan.
    async fn revoke_unstored(&mut self, sid: &str) {
        if let Err(error) = self.revoke(sid, true).await {
            tracing::error!(key_sid = sid, %error, "could not revoke an unstored new key; the next run will");
        }
    }
}

/// How staging failed: before the version was stored, or after.
pub(crate) enum StageError {
    /// Nothing was stored: the new key is referenced by no version.
    NotStored(RotationError),
    /// The version is stored (pending or current): the next run finishes from it.
    Stored(RotationError),
}

impl From<StageError> for RotationError {
    fn from(e: StageError) -> Self {
        match e {
            StageError::NotStored(e) | StageError::Stored(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_event_ids_name_the_key_and_others_are_hashed_to_fit() {
        assert_eq!(
            name_part("53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"),
            "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa"
        );
        assert_eq!(name_part(&"x".repeat(41)).len(), 32);
        assert_eq!(name_part("a b").len(), 32);
        let longest = format!("key-rotation 0123abcd {}", "x".repeat(40));
        assert!(longest.len() <= shared::twilio::keys::MAX_FRIENDLY_NAME);
    }
}
