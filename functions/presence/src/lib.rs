//! GET /rooms/{type}/{id} (API.md): the room `{tenant}:{type}:{id}` of the caller's tenant as
//! its status callbacks left it, without a Twilio call: what its name stands for (one read),
//! then its record and participants (one query of the room's partition).
//!
//! `{"room","sid","status","participant_count","recording","started_at","ended_at"}`; admins
//! also get `participants`, those in the room now (`identity`, participant `sid`,
//! `connected_at`). A caller can only name rooms of its own tenant, so another tenant's room
//! and one that does not exist are the same 404. No step-up proof: this tells who is in a room,
//! not how to get in.

use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::aws::Backends;
use shared::caller::Caller;
use shared::clock::rfc3339;
use shared::config::Config;
use shared::error::ApiError;
use shared::http::{Handler, json, no_route, respond, route_key};
use shared::names::RoomName;
use shared::store::rooms::RoomStatus;
use shared::store::rooms::names::{RoomEntry, RoomNames};
use shared::store::rooms::participants::{RoomParticipants, RoomPresence};

/// The route this function serves.
pub const ROUTE: &str = "GET /rooms/{type}/{id}";

/// The presence function, built once at cold start.
pub struct State {
    tenant_claim: String,
    admin_scope: String,
    names: Arc<dyn RoomNames>,
    participants: Arc<dyn RoomParticipants>,
}

impl State {
    /// Builds the state.
    pub fn new(config: &Config, backends: &Backends) -> Self {
        Self {
            tenant_claim: config.tenant_claim.clone(),
            admin_scope: config.admin_scope.clone(),
            names: backends.store.clone(),
            participants: backends.store.clone(),
        }
    }

    /// The caller and the room, read off the request; then the room's presence.
    async fn room(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = Caller::from_request(req, &self.tenant_claim)?;
        let name = RoomName::in_path(&caller, req)?;
        let entry = self
            .names
            .room_by_name(&name.to_string())
            .await?
            .ok_or_else(|| ApiError::not_found("room_not_found", "no such room"))?;
        let presence = self.participants.presence(&entry.room_sid).await?;
        let admin = caller.has_scope(&self.admin_scope);
        Ok(json(StatusCode::OK, &view(&entry, &presence, admin)))
    }
}

/// The answer: the record where a callback has said, what the name's entry says otherwise.
fn view(entry: &RoomEntry, presence: &RoomPresence, admin: bool) -> Value {
    let record = presence.record.as_ref();
    let ended = !entry.is_open() || record.is_some_and(|r| r.status == RoomStatus::Completed);
    // Once the room has ended no one is in it, whatever disconnects were lost.
    let mut connected: Vec<_> = match ended {
        true => Vec::new(),
        false => presence.connected().collect(),
    };
    connected.sort_by_key(|p| (p.connected_at_ms, p.participant_sid.clone()));
    let started_at = record.and_then(|r| r.created_at).unwrap_or(entry.opened_at);
    let ended_at = record.and_then(|r| r.ended_at).or(entry.ended_at);
    let mut view = json!({
        "room": entry.unique_name,
        "sid": entry.room_sid,
        "status": if ended { "completed" } else { "in-progress" },
        "participant_count": connected.len(),
        "recording": entry.record || record.is_some_and(|r| r.recorded),
        "started_at": rfc3339(started_at),
        "ended_at": ended_at.map(rfc3339),
    });
    if admin {
        view["participants"] = connected
            .iter()
            .map(|p| {
                json!({
                    "identity": p.identity,
                    "sid": p.participant_sid,
                    "connected_at": p.connected_at_ms.map(|ms| rfc3339(ms.div_euclid(1000))),
                })
            })
            .collect();
    }
    view
}

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(match route_key(&req).as_str() {
            ROUTE => self.room(&req).await,
            _ => Err(no_route(&req)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::store::rooms::RoomRecord;
    use shared::store::rooms::participants::{Movement, ParticipantEvent, ParticipantState};

    fn participant(sid: &str, events: &[(Movement, i64)]) -> ParticipantState {
        let mut state = ParticipantState::new(sid, &format!("acme:{sid}"));
        for (movement, at_ms) in events {
            state.apply(&ParticipantEvent {
                room_sid: "RM1".into(),
                participant_sid: sid.into(),
                identity: format!("acme:{sid}"),
                movement: *movement,
                at_ms: *at_ms,
            });
        }
        state
    }

    #[test]
    fn the_view_counts_those_connected_and_shows_them_to_admins_only() {
        use Movement::{Connected, Disconnected};
        let entry = RoomEntry::opened("acme:class:1", "RM1", Some(100), false, false, 100);
        let mut presence = RoomPresence {
            record: None,
            participants: vec![
                participant("PA2", &[(Connected, 200_000)]),
                participant("PA1", &[(Connected, 150_000)]),
                participant("PA3", &[(Disconnected, 190_000), (Connected, 180_000)]),
            ],
        };
        let member = view(&entry, &presence, false);
        assert_eq!(member["participant_count"], 2);
        assert_eq!(member["status"], "in-progress");
        assert_eq!(member["started_at"], rfc3339(100));
        assert_eq!(member["ended_at"], Value::Null);
        assert!(member.get("participants").is_none());
        let admin = view(&entry, &presence, true);
        let sids: Vec<_> = admin["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["sid"].as_str().unwrap())
            .collect();
        assert_eq!(sids, ["PA1", "PA2"], "oldest connection first");
        assert_eq!(admin["participants"][0]["connected_at"], rfc3339(150));

        let mut record = RoomRecord::new("RM1", "acme:class:1", Some("acme"));
        record.status = RoomStatus::Completed;
        record.created_at = Some(90);
        record.ended_at = Some(300);
        record.recorded = true;
        presence.record = Some(record);
        let ended = view(&entry, &presence, true);
        assert_eq!(ended["status"], "completed");
        assert_eq!(ended["participant_count"], 0);
        assert_eq!(ended["participants"], json!([]));
        assert_eq!(ended["recording"], true);
        assert_eq!(ended["started_at"], rfc3339(90));
        assert_eq!(ended["ended_at"], rfc3339(300));
    }
}
