//! A run's answer: what it did (or, in a dry run, would do), for the logs and the caller.

use serde::{Deserialize, Serialize};

/// What a run did (or, in a dry run, would do): the invocation's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// The event's id.
    pub event_id: String,
    /// Nothing was changed.
    pub dry_run: bool,
    /// This run made a new key current (false in a dry run).
    pub rotated: bool,
    /// This event's rotation had been completed by an earlier delivery.
    pub already_rotated: bool,
    /// The key that signs after the run.
    pub current_key_sid: String,
    /// The actions, in order.
    pub actions: Vec<Action>,
    /// Retired keys still alive and not yet due.
    pub awaiting_revocation: Vec<Awaiting>,
}

/// One action of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// `create_api_key`, `promote_api_key`, `revoke_api_key`, `revoke_orphan_api_key`,
    /// `abandon_pending`, `clear_pending_label`, `clear_previous_label`.
    pub action: String,
    /// The key it concerns (unknown for a key a dry run would create).
    pub key_sid: Option<String>,
}

/// A retired key and when it may be revoked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Awaiting {
    /// `SK…`.
    pub key_sid: String,
    /// Unix seconds.
    pub due_at: i64,
}

/// What an event's completed rotation leaves in its idempotency record.
#[derive(Serialize, Deserialize)]
pub(crate) struct Rotated {
    pub key_sid: String,
}
