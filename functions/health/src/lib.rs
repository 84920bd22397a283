//! GET /healthz: answers `200 {"status":"ok"}`. It needs no configuration and touches no
//! dependency, so its cold start measures the runtime, the TLS stack and our start-up alone. Any
//! other route or method is the `404 no_route` of every function.

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::http::{json, no_route, respond, route_key};

/// The route this function serves.
pub const ROUTE: &str = "GET /healthz";

/// The health function (no state).
pub struct Health;

#[async_trait]
impl shared::http::Handler for Health {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(match route_key(&req).as_str() {
            ROUTE => Ok(json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))),
            _ => Err(no_route(&req)),
        })
    }
}
