//! The audit log of admin actions: who (actor, tenant) did what (action) to which room or
//! participant, when, with what outcome, and Twilio's request id.
//!
//! Entries are filed per tenant and room SID, and listed newest first. An action with a side
//! effect is written twice: first as [`AuditOutcome::Pending`] before anything is done, then
//! settled with its outcome. A pending entry that never settles is itself a finding: the action
//! may have happened but its outcome was not recorded. An entry whose room SID is not known when
//! it is first written (a room being created, a request refused before its target was read) is
//! filed under its tenant alone, and, once settled with a room SID, under that room as well.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::OffsetDateTime;

use super::StoreError;

/// How long entries are kept (the table's TTL deletes them afterwards).
pub const RETENTION: Duration = Duration::from_secs(365 * 24 * 3600);

/// The most entries one page lists.
pub const MAX_PAGE: u32 = 100;

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
    /// Key rotation created a Twilio API key.
    CreateApiKey,
    /// Key rotation made a key the one that signs (`AWSCURRENT`).
    PromoteApiKey,
    /// Key rotation revoked a retired key whose grace had passed.
    RevokeApiKey,
    /// Key rotation revoked a key it had created but never stored (or had given up on).
    RevokeOrphanApiKey,
}

impl AuditAction {
    /// The stable name, as stored and listed.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::CreateRoom => "create_room",
            AuditAction::CompleteRoom => "complete_room",
            AuditAction::DisconnectParticipant => "disconnect_participant",
            AuditAction::ListAudit => "list_audit",
            AuditAction::CreateApiKey => "create_api_key",
            AuditAction::PromoteApiKey => "promote_api_key",
            AuditAction::RevokeApiKey => "revoke_api_key",
            AuditAction::RevokeOrphanApiKey => "revoke_orphan_api_key",
        }
    }

    /// Every action.
    pub const ALL: [AuditAction; 8] = [
        AuditAction::CreateRoom,
        AuditAction::CompleteRoom,
        AuditAction::DisconnectParticipant,
        AuditAction::ListAudit,
        AuditAction::CreateApiKey,
        AuditAction::PromoteApiKey,
        AuditAction::RevokeApiKey,
        AuditAction::RevokeOrphanApiKey,
    ];

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
    /// The stable name, as stored and listed.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Pending => "pending",
            AuditOutcome::Allowed => "allowed",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
    }

    /// The outcome of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            AuditOutcome::Pending,
            AuditOutcome::Allowed,
            AuditOutcome::Denied,
            AuditOutcome::Failed,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
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
    /// The Twilio API key's SID (`SK…`), for key rotation's actions.
    pub key_sid: Option<String>,
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
            key_sid: None,
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

/// A place in a room's list: the page after it starts with the next older entry.
///
/// It names a position only, never a tenant or a room: the list it applies to is always the
/// caller's own tenant's, so a cursor cannot lead anyone into another tenant's entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCursor {
    /// Microseconds since the Unix epoch.
    pub time_micros: i64,
    /// The entry id.
    pub id: String,
}

impl AuditCursor {
    /// The opaque text clients pass back as `next`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.time_micros, self.id))
    }

    /// Reads a cursor made by [`AuditCursor::encode`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > 96 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(text).ok()?;
        let raw = std::str::from_utf8(&raw).ok()?;
        let (time, id) = raw.split_once('.')?;
        let digits_ok = (1..=17).contains(&time.len()) && time.bytes().all(|b| b.is_ascii_digit());
        let id_ok = id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !digits_ok || !id_ok {
            return None;
        }
        Some(Self {
            time_micros: time.parse().ok()?,
            id: id.to_string(),
        })
    }
}

impl fmt::Display for AuditCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// One page of a room's entries, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditPage {
    /// The entries.
    pub entries: Vec<AuditEntry>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<AuditCursor>,
}

impl AuditPage {
    /// How many entries a page asked for with `limit` holds: 1 to [`MAX_PAGE`].
    pub fn size(limit: u32) -> usize {
        limit.clamp(1, MAX_PAGE) as usize
    }

    /// The page of `size` entries made of `fetched` (newest first): adapters fetch one more
    /// than `size`, whose coming tells that there is a next page, so the last page is never
    /// followed by an empty one. `beyond`: the store itself says it holds more.
    pub fn from_fetched(mut fetched: Vec<AuditEntry>, size: usize, beyond: bool) -> Self {
        let more = fetched.len() > size || beyond;
        fetched.truncate(size);
        let next = if more {
            fetched.last().map(AuditEntry::position)
        } else {
            None
        };
        Self {
            entries: fetched,
            next,
        }
    }
}

/// The audit log.
#[async_trait]
pub trait AuditLog: Send + Sync {
    /// Writes a new entry, pending or final. Never replaces an existing entry.
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Records the outcome of `pending` (as written by [`AuditLog::append`]): `settled` is the
    /// same entry (tenant, actor, action, id and time) with a final outcome. Fails if `pending`
    /// is not pending any more. When `pending` had no room SID and `settled` has one, the entry
    /// is also filed under that room, in the same atomic write.
    async fn settle(&self, pending: &AuditEntry, settled: &AuditEntry) -> Result<(), StoreError>;

    /// A page of at most `limit` (1 to [`MAX_PAGE`]) entries of `tenant`'s room `room_sid`,
    /// newest first, starting after `after`.
    async fn list(
        &self,
        tenant: &str,
        room_sid: &str,
        limit: u32,
        after: Option<&AuditCursor>,
    ) -> Result<AuditPage, StoreError>;
}

/// The checks [`AuditLog::settle`] makes before writing, shared by both adapters.
pub fn check_settle(pending: &AuditEntry, settled: &AuditEntry) -> Result<(), StoreError> {
    let same = pending.id == settled.id
        && pending.time == settled.time
        && pending.tenant == settled.tenant
        && pending.actor == settled.actor
        && pending.action == settled.action;
    if !same {
        return Err(StoreError("settle: not the same audit entry".into()));
    }
    if pending.outcome != AuditOutcome::Pending || settled.outcome == AuditOutcome::Pending {
        return Err(StoreError(
            "settle: from a pending entry to a final outcome only".into(),
        ));
    }
    if pending.room_sid.is_some() && pending.room_sid != settled.room_sid {
        return Err(StoreError("settle: an entry cannot change rooms".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_and_anything_else_is_refused() {
        let entry = AuditEntry::new("acme", "u1", AuditAction::CompleteRoom);
        let cursor = entry.position();
        assert_eq!(AuditCursor::parse(&cursor.encode()), Some(cursor));
        for bad in [
            "",
            "not base64!",
            &URL_SAFE_NO_PAD.encode("123"),
            &URL_SAFE_NO_PAD.encode("12.XYZ"),
            &URL_SAFE_NO_PAD.encode(format!("-1.{}", "a".repeat(32))),
            &URL_SAFE_NO_PAD.encode(format!("1.{}", "A".repeat(32))),
            &URL_SAFE_NO_PAD.encode(format!("{}.{}", "9".repeat(18), "a".repeat(32))),
        ] {
            assert_eq!(AuditCursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        for o in [
            AuditOutcome::Pending,
            AuditOutcome::Allowed,
            AuditOutcome::Denied,
            AuditOutcome::Failed,
        ] {
            assert_eq!(AuditOutcome::parse(o.as_str()), Some(o));
        }
    }

    #[test]
    fn settling_keeps_the_entry_and_moves_it_forward_only() {
        let pending = AuditEntry::new("acme", "u1", AuditAction::CreateRoom);
        let mut done = pending.clone();
        done.outcome = AuditOutcome::Allowed;
        done.room_sid = Some("RM0123456789abcdef0123456789abcdef".into());
        assert!(check_settle(&pending, &done).is_ok());
        assert!(check_settle(&done, &done).is_err());
        let mut other = done.clone();
        other.id = "0".repeat(32);
        assert!(check_settle(&pending, &other).is_err());
        let mut moved = pending.clone();
        moved.room_sid = Some("RMx".into());
        assert!(check_settle(&moved, &done).is_err());
    }
}
