//! POST /video/token (API.md): a Twilio Video Access Token for a room of the caller's own tenant,
//! for a caller who holds a valid step-up proof.
//!
//! The warm path touches nothing outside the process: the API key comes from the secrets cache,
//! the step-up proof is checked by its MAC (no DynamoDB read), and a token is signed locally
//! (no Twilio call). This function never sees the Auth Token.

use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Map, Value, json};
use shared::aws::Backends;
use shared::caller::Caller;
use shared::clock::{now_unix, rfc3339};
use shared::config::Config;
use shared::error::ApiError;
use shared::http::{Handler, json, json_body, no_route, respond, route_key};
use shared::names::{Identity, RoomName};
use shared::secrets::Secrets;
use shared::stepup::{self, StepUpKey};
use shared::twilio::access_token::{self, Grants};

/// The token function, built once at cold start.
pub struct State {
    tenant_claim: String,
    ttl_seconds: u64,
    secrets: Arc<dyn Secrets>,
}

/// What the body asks for, checked.
struct TokenRequest {
    room: RoomName,
    identity: Identity,
}

impl State {
    /// Builds the state. It needs no store: nothing on its path reads DynamoDB.
    pub fn new(config: &Config, backends: &Backends) -> Self {
        Self::with_secrets(config, backends.secrets.clone())
    }

    /// Builds the state over a given secrets source.
    pub fn with_secrets(config: &Config, secrets: Arc<dyn Secrets>) -> Self {
        Self {
            tenant_claim: config.tenant_claim.clone(),
            ttl_seconds: config.video_token_ttl_seconds,
            secrets,
        }
    }

    async fn token(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = Caller::from_request(req, &self.tenant_claim)?;
        // A missing proof is a 401 before anything else is fetched or parsed.
        let proof = stepup::present(req)?;
        let creds = self.secrets.twilio().await.map_err(ApiError::unavailable)?;
        let now = now_unix();
        StepUpKey::derive(&creds).check(proof, &caller, now)?;
        let wanted = parse_body(req, &caller)?;
        let token = access_token::mint(
            &creds,
            Grants {
                identity: wanted.identity.as_str(),
                room: &wanted.room.to_string(),
            },
            self.ttl_seconds,
            now,
        )
        .map_err(ApiError::internal)?;
        tracing::info!(
            tenant = %caller.tenant,
            sub = %caller.sub,
            identity = %wanted.identity,
            room = %wanted.room,
            expires_at = token.expires_at,
            "access token minted"
        );
        Ok(json(
            StatusCode::OK,
            &json!({
                "token": token.jwt,
                "identity": wanted.identity.as_str(),
                "room": wanted.room.to_string(),
                "expires_at": rfc3339(token.expires_at),
            }),
        ))
    }
}

/// `{"room":{"type","id"},"device_id"?}`: every fault is a 400 naming its field.
fn parse_body(req: &Request, caller: &Caller) -> Result<TokenRequest, ApiError> {
    let body: Value = json_body(req)?;
    let body = body
        .as_object()
        .ok_or_else(|| ApiError::bad_request("invalid_body", "the body must be a JSON object"))?;
    let room = match body.get("room") {
        Some(Value::Object(room)) => room,
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request("invalid_room", "room is required"));
        }
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_room",
                "room must be an object with type and id",
            ));
        }
    };
    let kind = room_part(room, "type")?;
    let id = room_part(room, "id")?;
    let room = RoomName::for_caller(caller, kind, id, "room")?;
    let device_id = match body.get("device_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(d)) => Some(d.as_str()),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_device_id",
                "device_id must be a string",
            ));
        }
    };
    let identity = Identity::for_caller(caller, device_id)?;
    Ok(TokenRequest { room, identity })
}

fn room_part<'a>(room: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    match room.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(ApiError::bad_request(
            "invalid_room",
            format!("room.{name} is required"),
        )),
        Some(_) => Err(ApiError::bad_request(
            "invalid_room",
            format!("room.{name} must be a string matching [A-Za-z0-9_-]{{1,64}}"),
        )),
    }
}

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(match route_key(&req).as_str() {
            "POST /video/token" => self.token(&req).await,
            _ => Err(no_route(&req)),
        })
    }
}
