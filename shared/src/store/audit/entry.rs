//! One audit entry: who (actor, tenant) did what (action) to which room or participant, when,
//! with what outcome, and Twilio's request id. Actions and outcomes are stored and listed by
//! stable names.

use time::OffsetDateTime;

use super::AuditCursor;

/// What an admin did (or tried to do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    /// POST /admin/rooms.
    CreateRoom,
    /// POST /admin/rooms/{room_sid}/complete.
    CompleteRoom,
    /// POST /admin/rooms/{room_sid}/participants/{participant_sid}/disconnect.
    DisconnectParticipant,
    /// GET /admin/audit: reading the audit log is audited too.
    ListAudit,
}

impl AuditAction {
    /// Every action.
    pub const ALL: [Self; 4] = [
        Self::CreateRoom,
        Self::CompleteRoom,
        Self::DisconnectParticipant,
        Self::ListAudit,
    ];

    /// The stable name, as stored and listed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateRoom => "create_room",
            Self::CompleteRoom => "complete_room",
            Self::DisconnectParticipant => "disconnect_participant",
            Self::ListAudit => "list_audit",
        }
    }

    /// The action of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// How an action ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditOutcome {
    /// Written before the action; not settled (yet).
    Pending,
    /// Authorized and carried out.
    Allowed,
    /// Refused: no admin scope, or a room that is not the tenant's.
    Denied,
    /// Authorized, but it could not be carried out (Twilio refused or failed, a conflict).
    Failed,
}

impl AuditOutcome {
    /// Every outcome.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Allowed, Self::Denied, Self::Failed];

    /// The stable name, as stored and listed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Allowed => "allowed",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    /// The outcome of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Random, 32 lowercase hex digits; with `time`, the entry's place in its list.
    pub id: String,
    /// When the action was requested, to the microsecond (UTC).
    pub time: OffsetDateTime,
    /// The actor's tenant; entries are only ever listed to admins of this tenant.
    pub tenant: String,
    /// The actor's `sub`.
    pub actor: String,
    /// What was done.
    pub action: AuditAction,
    /// The room's SID, when known.
    pub room_sid: Option<String>,
    /// The room's unique name, when known.
    pub room: Option<String>,
    /// The participant's SID, for a disconnect.
    pub participant_sid: Option<String>,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// The HTTP status the admin was answered with (none while pending).
    pub status: Option<u16>,
    /// The error code the admin was answered with, if any.
    pub code: Option<String>,
    /// `Twilio-Request-Id` of the call that carried the action out or refused it.
    pub twilio_request_id: Option<String>,
}

impl AuditEntry {
    /// A pending entry for `action` by `actor` of `tenant`, now, with a fresh id and no target.
    pub fn new(tenant: &str, actor: &str, action: AuditAction) -> Self {
        Self {
            id: uuid::Uuid::new_v4().simple().to_string(),
            time: now_micros(),
            tenant: tenant.to_string(),
            actor: actor.to_string(),
            action,
            room_sid: None,
            room: None,
            participant_sid: None,
            outcome: AuditOutcome::Pending,
            status: None,
            code: None,
            twilio_request_id: None,
        }
    }

    /// The time as microseconds since the Unix epoch: the order of entries.
    pub fn time_micros(&self) -> i64 {
        (self.time.unix_timestamp_nanos() / 1_000) as i64
    }

    /// The entry's place in its list, for paging on from it.
    pub fn position(&self) -> AuditCursor {
        AuditCursor {
            time_micros: self.time_micros(),
            id: self.id.clone(),
        }
    }
}

/// Now, truncated to microseconds so that an entry reads back exactly as written.
fn now_micros() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
        .unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        for o in AuditOutcome::ALL {
            assert_eq!(AuditOutcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(AuditAction::parse("Create_Room"), None);
    }

    #[test]
    fn a_new_entry_is_pending_at_a_whole_microsecond_with_a_fresh_id() {
        let a = AuditEntry::new("acme", "u1", AuditAction::CreateRoom);
        let b = AuditEntry::new("acme", "u1", AuditAction::CreateRoom);
        assert_eq!(a.outcome, AuditOutcome::Pending);
        assert_eq!(a.time.nanosecond() % 1_000, 0);
        assert_eq!(a.id.len(), 32);
        assert_ne!(a.id, b.id);
        assert_eq!(a.position().time_micros, a.time_micros());
    }
}
