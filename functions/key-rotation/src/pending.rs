//! A version left `AWSPENDING` by a crashed run: promoted if its key is usable, else abandoned.

use shared::secrets::versions::PENDING;
use shared::twilio::keys::authenticates;

use crate::RotationError;
use crate::doc::KeyDoc;
use crate::run::Run;

impl Run<'_> {
    /// A version left `AWSPENDING` by a crashed run: promoted if usable, else abandoned (its
    /// key, referenced by no version, is then revoked as an orphan).
    pub(crate) async fn settle_pending(&mut self, pending: &str) -> Result<(), RotationError> {
        let versions = &self.state.versions;
        let (current, current_vid) = self.current.clone().expect("set by go");
        if pending == current_vid {
            // Promoted before the crash; only the label is left to take off.
            self.record("clear_pending_label", Some(current.key_sid()));
            if !self.dry() {
                versions.remove_label(PENDING, pending).await?;
            }
            return Ok(());
        }
        let doc = KeyDoc::parse(versions.id(), &versions.value(pending).await?)?;
        if self.usable(&doc, &current).await? {
            let doc = doc.demoted_at(current.key_sid(), self.demotion_time());
            self.stage_and_promote(doc, &current_vid).await?;
            return Ok(());
        }
        self.record("abandon_pending", Some(doc.key_sid()));
        if !self.dry() {
            versions.remove_label(PENDING, pending).await?;
        }
        Ok(())
    }

    /// Whether a pending version may become current: same account, built on the current
    /// version, and its key alive and authenticating.
    async fn usable(&self, doc: &KeyDoc, current: &KeyDoc) -> Result<bool, RotationError> {
        let follows = doc.account_sid() == current.account_sid()
            && doc.key_sid() != current.key_sid()
            && self.alive.contains(doc.key_sid())
            && doc.retired().iter().any(|r| r.sid == current.key_sid());
        if !follows {
            return Ok(false);
        }
        let s = self.state;
        Ok(authenticates(
            &s.twilio,
            doc.credentials(),
            &s.video_base,
            self.deadline.calls_by(),
        )
        .await?)
    }
}
