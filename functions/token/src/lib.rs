//! POST /video/token (API.md): a Twilio Video Access Token for a room of the caller's own tenant,
//! for a caller who holds a valid step-up proof, once the room is one this system runs and is in
//! progress ([`join`]: created on the first join with `ROOM_CREATION=on_join`).
//!
//! The warm path to a known, in-progress room: the API key comes from the secrets cache, the
//! step-up proof is checked by its MAC (no DynamoDB read), the room is one DynamoDB read, and a
//! token is signed locally (no Twilio call). This function never sees the Auth Token.

mod join;

use std::sync::Arc;

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use shared::aws::Backends;
use shared::caller::Caller;
use shared::clock::{now_unix, rfc3339};
use shared::config::{Config, ConfigError};
use shared::deadline::Deadline;
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
    joins: join::Joins,
}

/// `{"room":{"type","id"},"device_id"?}`: a closed contract.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenBody {
    room: RoomRef,
    #[serde(default)]
    device_id: Option<String>,
}

/// `{"type","id"}` of a room of the caller's tenant.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object with type and id")]
struct RoomRef {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

/// What the body asks for, checked.
struct TokenRequest {
    room: RoomName,
    identity: Identity,
}

impl TokenRequest {
    /// The body's names checked for the caller: each fault a 400 naming its field.
    fn parse(body: TokenBody, caller: &Caller) -> Result<Self, ApiError> {
        Ok(Self {
            room: RoomName::for_caller(caller, &body.room.kind, &body.room.id, "room")?,
            identity: Identity::for_caller(caller, body.device_id.as_deref())?,
        })
    }
}

impl State {
    /// Builds the state; fails when `ROOM_CREATION=on_join` lacks `PUBLIC_BASE_URL` (the status
    /// callback of the rooms it creates).
    pub fn new(config: &Config, backends: &Backends) -> Result<Self, ConfigError> {
        Ok(Self {
            tenant_claim: config.tenant_claim.clone(),
            ttl_seconds: config.video_token_ttl_seconds,
            secrets: backends.secrets.clone(),
            joins: join::Joins::new(config, backends)?,
        })
    }

    /// The caller, the proof and the body, read off the request; then the token.
    async fn token(&self, req: &Request) -> Result<Response<Body>, ApiError> {
        let caller = Caller::from_request(req, &self.tenant_claim)?;
        // A missing proof is a 401 before anything else is fetched or parsed.
        let proof = stepup::present(req)?;
        let body = json_body::<TokenBody>(req);
        self.mint(caller, proof, body, Deadline::of(req)).await
    }

    async fn mint(
        &self,
        caller: Caller,
        proof: &str,
        body: Result<TokenBody, ApiError>,
        deadline: Deadline,
    ) -> Result<Response<Body>, ApiError> {
        let creds = self.secrets.twilio().await.map_err(ApiError::unavailable)?;
        let now = now_unix();
        StepUpKey::derive(&creds).check(proof, &caller, now)?;
        let wanted = TokenRequest::parse(body?, &caller)?;
        self.joins
            .admit(&caller, &wanted.room, &creds, deadline.calls_by())
            .await?;
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
        shared::metrics::count(shared::metrics::TOKENS_MINTED, &[]);
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

#[async_trait]
impl Handler for State {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(match route_key(&req).as_str() {
            "POST /video/token" => self.token(&req).await,
            _ => Err(no_route(&req)),
        })
    }
}
