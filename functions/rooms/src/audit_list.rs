//! GET /admin/audit?room_sid=…&limit=…&next=…: a room's audit entries, newest first, a page at
//! a time. Entries are filed by the caller's tenant, so an admin only ever sees what admins of
//! their own tenant did; the `next` cursor is a position in that list and nothing more.

use http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{Value, json};
use shared::error::ApiError;
use shared::http::json;
use shared::names::RoomSid;
use shared::store::audit::{AuditAction, AuditCursor, AuditEntry, AuditOutcome, MAX_PAGE};
use time::format_description::well_known::Rfc3339;

use crate::State;

/// Entries per page when `limit` is not given.
const DEFAULT_PAGE: u32 = 25;

impl State {
    /// GET /admin/audit.
    pub(crate) async fn list_audit(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let (caller, mut entry) = self.caller(req, AuditAction::ListAudit)?;
        let query = |name: &str| {
            req.query_string_parameters_ref()
                .and_then(|q| q.first(name))
                .map(str::to_string)
        };
        let room_sid = match query("room_sid") {
            Some(sid) => RoomSid::parse(&sid, "room_sid"),
            None => Err(ApiError::bad_request(
                "missing_room_sid",
                "the room_sid query parameter is required",
            )),
        };
        entry.room_sid = room_sid.as_ref().ok().map(RoomSid::to_string);
        self.admin(&caller, &entry).await?;
        let room_sid = room_sid?;
        let limit = match query("limit") {
            None => DEFAULT_PAGE,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_limit",
                        format!("limit must be an integer from 1 to {MAX_PAGE}"),
                    )
                })?,
        };
        let after = match query("next") {
            None => None,
            Some(raw) => Some(AuditCursor::parse(&raw).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "next must be a cursor returned by this route",
                )
            })?),
        };
        // A read changes nothing: its entry records the authorized read, written before it.
        entry.outcome = AuditOutcome::Allowed;
        entry.status = Some(StatusCode::OK.as_u16());
        self.audit
            .append(&entry)
            .await
            .map_err(|e| ApiError::unavailable(format!("audit log: {e}")))?;
        let page = self
            .audit
            .list(&caller.tenant, room_sid.as_str(), limit, after.as_ref())
            .await
            .map_err(ApiError::from)?;
        let entries: Vec<Value> = page.entries.iter().map(entry_view).collect();
        Ok(json(
            StatusCode::OK,
            &json!({ "entries": entries, "next": page.next.map(|c| c.encode()) }),
        ))
    }
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
