//! Key rotation's entries in the audit log. They are the system's own, filed under a tenant no
//! caller can have (`~`, outside the tenant alphabet) and no room, so no admin route lists them
//! and the function's IAM policy can name their one partition. Each action is written pending
//! before it is carried out and settled after, as the admin routes do: a pending entry that never
//! settles says the action may have happened when the run died.

use shared::store::StoreError;
use shared::store::audit::{AuditAction, AuditEntry, AuditLog, AuditOutcome};
use shared::twilio::TwilioError;

/// The tenant of key rotation's entries.
pub const TENANT: &str = "~system";
/// Their actor.
pub const ACTOR: &str = "key-rotation";

/// Writes key rotation's entries.
pub(crate) struct Trail<'a>(pub &'a dyn AuditLog);

impl Trail<'_> {
    /// Writes the pending entry of `action` on `key_sid`; the action must not run if this fails.
    pub async fn begin(
        &self,
        action: AuditAction,
        key_sid: Option<&str>,
    ) -> Result<AuditEntry, StoreError> {
        let mut entry = AuditEntry::new(TENANT, ACTOR, action);
        entry.key_sid = key_sid.map(str::to_string);
        self.0.append(&entry).await?;
        Ok(entry)
    }

    /// Settles `pending` as carried out on `key_sid`.
    pub async fn allowed(
        &self,
        pending: &AuditEntry,
        key_sid: &str,
        twilio_request_id: Option<String>,
    ) {
        let mut settled = pending.clone();
        settled.outcome = AuditOutcome::Allowed;
        settled.key_sid = Some(key_sid.to_string());
        settled.twilio_request_id = twilio_request_id;
        self.settle(pending, &settled).await;
    }

    /// Settles `pending` as failed, with Twilio's code and request id when Twilio refused.
    pub async fn failed(&self, pending: &AuditEntry, twilio: Option<&TwilioError>) {
        let mut settled = pending.clone();
        settled.outcome = AuditOutcome::Failed;
        if let Some(TwilioError::Api {
            code, request_id, ..
        }) = twilio
        {
            settled.code = code.map(|c| c.to_string());
            settled.twilio_request_id = request_id.clone();
        }
        self.settle(pending, &settled).await;
    }

    async fn settle(&self, pending: &AuditEntry, settled: &AuditEntry) {
        // The action has happened (or failed) already; an entry left pending is the finding.
        if let Err(error) = self.0.settle(pending, settled).await {
            tracing::error!(
                %error,
                action = settled.action.as_str(),
                key_sid = settled.key_sid.as_deref().unwrap_or(""),
                "could not settle a key rotation audit entry"
            );
        }
    }
}
