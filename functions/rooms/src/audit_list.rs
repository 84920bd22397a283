//! GET /admin/audit?room_sid=…&limit=…&next=…: the caller's tenant's audit entries, newest
//! first, a page at a time; with `room_sid`, only that room's. Entries are filed by the caller's
//! tenant, so an admin only ever sees what admins of their own tenant did; the `next` cursor is
//! a position in that list and nothing more. Another tenant's room SID is the same 404 as on the
//! other admin routes.
//!
//! The read is audited like any admin action: a pending entry before it, settled with how it
//! ended (allowed, denied, failed) after it, so the log never claims a read that did not happen.
//! The page a listing answers may show that listing's own entry, still pending.

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{Value, json};
use shared::caller::Caller;
use shared::deadline::Deadline;
use shared::error::ApiError;
use shared::http::json;
use shared::names::RoomSid;
use shared::store::audit::{AuditAction, AuditCursor, AuditEntry, MAX_PAGE};
use time::format_description::well_known::Rfc3339;
use tokio::time::Instant;

use crate::State;
use crate::trail::Finish;

/// Entries per page when `limit` is not given.
const DEFAULT_PAGE: u32 = 25;

/// What a listing asks for, parsed from the query string.
struct Listing {
    room_sid: Option<RoomSid>,
    limit: u32,
    after: Option<AuditCursor>,
}

impl State {
    /// GET /admin/audit.
    pub(crate) async fn list_audit(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let (caller, mut entry) = self.caller(req, AuditAction::ListAudit)?;
        let query = |name: &str| {
            req.query_string_parameters_ref()
                .and_then(|q| q.first(name))
                .map(str::to_string)
        };
        let room_sid = query("room_sid")
            .map(|sid| RoomSid::parse(&sid, "room_sid"))
            .transpose();
        entry.room_sid = room_sid
            .as_ref()
            .ok()
            .and_then(Option::as_ref)
            .map(RoomSid::to_string);
        let listing = room_sid.and_then(|room_sid| {
            Ok(Listing {
                room_sid,
                limit: parse_limit(query("limit"))?,
                after: parse_cursor(query("next"))?,
            })
        });
        let caller = &caller;
        self.audited(
            Deadline::of(req),
            caller,
            entry,
            listing,
            |listing, deadline| async move { self.read_audit(caller, &listing, deadline).await },
        )
        .await
    }

    /// The page, once the room (if one is named) is known to be the caller's tenant's.
    async fn read_audit(&self, caller: &Caller, listing: &Listing, deadline: Instant) -> Finish {
        let room = match &listing.room_sid {
            None => None,
            Some(sid) => match self.tenant_room(caller, sid, deadline).await {
                Ok(name) => Some((sid.as_str(), name)),
                Err(finish) => return finish,
            },
        };
        let page = self
            .audit
            .list(
                &caller.tenant,
                room.as_ref().map(|(sid, _)| *sid),
                listing.limit,
                listing.after.as_ref(),
            )
            .await;
        let finish = match page {
            Ok(page) => {
                let entries: Vec<Value> = page.entries.iter().map(entry_view).collect();
                let body = json!({ "entries": entries, "next": page.next.map(|c| c.encode()) });
                Finish::allowed(json(StatusCode::OK, &body), false)
            }
            Err(e) => Finish::failed(ApiError::from(e)),
        };
        match room {
            Some((sid, name)) => finish.room(sid, name.as_deref()),
            None => finish,
        }
    }
}

fn parse_limit(raw: Option<String>) -> Result<u32, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_PAGE);
    };
    raw.parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PAGE).contains(n))
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_limit",
                format!("limit must be an integer from 1 to {MAX_PAGE}"),
            )
        })
}

fn parse_cursor(raw: Option<String>) -> Result<Option<AuditCursor>, ApiError> {
    raw.map(|raw| {
        AuditCursor::parse(&raw).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_cursor",
                "next must be a cursor returned by this route",
            )
        })
    })
    .transpose()
}

/// An entry as the route lists it.
fn entry_view(entry: &AuditEntry) -> Value {
    json!({
        "id": entry.id,
        "time": entry.time.format(&Rfc3339).unwrap_or_default(),
        "tenant": entry.tenant,
        "actor": entry.actor,
        "action": entry.action.as_str(),
        "room_sid": entry.room_sid,
        "room": entry.room,
        "participant_sid": entry.participant_sid,
        "outcome": entry.outcome.as_str(),
        "status": entry.status,
        "code": entry.code,
        "twilio_request_id": entry.twilio_request_id,
    })
}
