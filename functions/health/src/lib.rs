//! GET /healthz: answers `200 {"status":"ok"}`. It needs no configuration and touches no
//! dependency, so its cold start measures the runtime, the TLS stack and our start-up alone.

use async_trait::async_trait;
use http::StatusCode;
use lambda_http::{Body, Request, Response};

/// The health function (no state).
pub struct Health;

#[async_trait]
impl shared::http::Handler for Health {
    async fn handle(&self, _req: Request) -> Response<Body> {
        shared::http::json(StatusCode::OK, &serde_json::json!({ "status": "ok" }))
    }
}
