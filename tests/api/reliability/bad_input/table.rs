//! The bad-input table: one line per route of API.md, saying how the route takes its input,
//! which function serves it, a valid request of it (each case spoils one part), and where it
//! takes ids. `routes.md` holds API.md's route table, and a test checks that the two list the
//! same routes, so a route added to the contract without a line here fails.

use integration_tests::recordings::{composition_params, composition_status};
use integration_tests::rooms::admin;
use integration_tests::verify_token::{step_up, unique_phone, user};
use integration_tests::webhook::{room_params, room_status};
use integration_tests::{event, unique, with_claims};
use serde_json::{Value, json};
use shared::clock::now_unix;

use crate::reliability::events;

/// How a route takes its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    /// A JSON body.
    Json,
    /// A signed form (Twilio's callbacks).
    Form,
    /// None but its path and query.
    Nothing,
}

/// The function that serves a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Function {
    Health,
    Verify,
    Token,
    Webhook,
    Composition,
    Rooms,
    Presence,
}

/// Where a route takes an id.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Id {
    /// A path parameter.
    Path(&'static str),
    /// A field of the JSON body, by JSON pointer.
    Field(&'static str),
    /// A query parameter.
    Query(&'static str),
    /// A field of the signed callback form.
    Signed(&'static str),
}

impl Id {
    /// Whether the id is a Twilio SID (so a well-formed name that is not one is bad too).
    pub(crate) fn is_sid(self) -> bool {
        let (Id::Path(n) | Id::Field(n) | Id::Query(n) | Id::Signed(n)) = self;
        n.to_ascii_lowercase().ends_with("sid")
    }
}

/// One route.
pub(crate) struct Line {
    pub method: &'static str,
    pub path: &'static str,
    pub input: Input,
    pub function: Function,
    /// Whether the caller's proof is a JWT (so a request without claims is a 401).
    pub jwt: bool,
    /// A valid request.
    pub valid: fn() -> Value,
    pub ids: &'static [Id],
}

pub(crate) const RM: &str = "RM0123456789abcdef0123456789abcdef";
pub(crate) const PA: &str = "PA0123456789abcdef0123456789abcdef";
pub(crate) const CJ: &str = "CJ0123456789abcdef0123456789abcdef";

fn proof(sub: &str) -> String {
    step_up("acme", sub, now_unix(), 600)
}

fn member(sub: &str) -> Value {
    json!({"sub": sub, "tenant": "acme", "scope": "openid"})
}

/// A callback of `path` with `field` set to `value` (all valid when `None`), signed.
pub(crate) fn signed(path: &str, field: Option<(&str, &str)>) -> Value {
    let mut params = if path.ends_with("room-status") {
        room_params(
            RM,
            "participant-connected",
            "1",
            &[("ParticipantIdentity", "acme:bob")],
        )
    } else {
        let at = "2026-11-26T02:03:00Z";
        composition_params(
            RM,
            CJ,
            "composition-progress",
            at,
            &[("PercentageDone", "5")],
        )
    };
    if let Some((name, value)) = field {
        params.retain(|(k, _)| *k != name);
        params.push((name, value));
    }
    match path.ends_with("room-status") {
        true => room_status(&params, Some("reliability-token")),
        false => composition_status(&params, Some("reliability-token")),
    }
}

use Function::*;
use Id::*;
use Input::*;

#[rustfmt::skip]
pub(crate) const TABLE: &[Line] = &[
    Line { method: "GET", path: "/healthz", input: Nothing, function: Health, jwt: false,
        valid: || event("health"), ids: &[] },
    Line { method: "POST", path: "/verify/start", input: Json, function: Verify, jwt: true,
        valid: || events::verify_start(user("acme", &unique("u"), &unique_phone(), "a@example.com")),
        ids: &[] },
    Line { method: "POST", path: "/verify/check", input: Json, function: Verify, jwt: true,
        valid: || events::verify_check(user("acme", &unique("u"), &unique_phone(), "a@example.com"), "123456"),
        ids: &[Field("/code")] },
    Line { method: "POST", path: "/video/token", input: Json, function: Token, jwt: true,
        valid: || events::token("acme", "alice", &proof("alice"), "9f3c2b1a"),
        ids: &[Field("/room/type"), Field("/room/id"), Field("/device_id")] },
    Line { method: "GET", path: "/rooms/{type}/{id}", input: Nothing, jwt: true,
        function: Presence,
        valid: || {
            let e = with_claims(event("presence-get"), member("alice"));
            events::with_path(e, &[("type", "class"), ("id", "9f3c2b1a")])
        },
        ids: &[Path("type"), Path("id")] },
    Line { method: "GET", path: "/recordings/{type}/{id}", input: Nothing, function: Composition, jwt: true,
        valid: || events::recording(member("alice"), "9f3c2b1a", &proof("alice")),
        ids: &[Path("type"), Path("id")] },
    Line { method: "POST", path: "/twilio/room-status", input: Form, function: Webhook, jwt: false,
        valid: || signed("/twilio/room-status", None), ids: &[Signed("RoomSid")] },
    Line { method: "POST", path: "/twilio/composition-status", input: Form, function: Composition, jwt: false,
        valid: || signed("/twilio/composition-status", None),
        ids: &[Signed("CompositionSid"), Signed("RoomSid")] },
    Line { method: "POST", path: "/admin/rooms", input: Json, function: Rooms, jwt: true,
        valid: || events::admin_create(admin("acme", "carol"), "9f3c2b1a"),
        ids: &[Field("/type"), Field("/id")] },
    Line { method: "POST", path: "/admin/rooms/{room_sid}/complete", input: Nothing, function: Rooms, jwt: true,
        valid: || events::admin_complete(admin("acme", "carol"), RM), ids: &[Path("room_sid")] },
    Line { method: "POST", path: "/admin/rooms/{room_sid}/participants/{participant_sid}/disconnect",
        input: Nothing, function: Rooms, jwt: true,
        valid: || events::admin_disconnect(admin("acme", "carol"), RM, PA),
        ids: &[Path("room_sid"), Path("participant_sid")] },
    Line { method: "GET", path: "/admin/audit", input: Nothing, function: Rooms, jwt: true,
        valid: || events::admin_audit(admin("acme", "carol"), &[("room_sid", RM), ("limit", "10")]),
        ids: &[Query("room_sid"), Query("limit"), Query("next")] },
];

/// The routes of `routes.md` (API.md's table), as (method, path without the query).
pub(crate) fn contract() -> Vec<(String, String)> {
    let text = include_str!("../routes.md");
    text.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let method = *cells.get(1)?;
            let path = cells.get(2)?.trim_matches('`');
            let path = path.split('?').next()?;
            (["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method))
                .then(|| (method.to_string(), path.to_string()))
        })
        .collect()
}
