//! The served application: an axum router made from the route table. Each request passes the
//! emulated authorizer, becomes the API Gateway event AWS would send (`event.rs`), and goes
//! through `shared::http::invoke`, the functions' own Lambda entry point; its API Gateway
//! response becomes the HTTP response (`response.rs`). Anything else is the JSON 404 API
//! Gateway's would be.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::{Body as AxumBody, Bytes};
use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::routing::{MethodFilter, any, on};
use http::{Request, Response, StatusCode};
use lambda_http::{Context, LambdaEvent};
use shared::error::ApiError;

use crate::fake_twilio::{self, FakeTwilio};
use crate::response::{from_api_gateway, into_axum};
use crate::routes::{Proof, Route};
use crate::schedule::Schedule;
use crate::{auth, event};

/// Lambda's payload limit (API Gateway's is 10 MB), the one the functions' entry point enforces.
const BODY_LIMIT: usize = shared::http::BODY_LIMIT;

/// The served application.
pub struct App {
    routes: Vec<Arc<Route>>,
    auth_secret: String,
    fake_twilio: Option<FakeTwilio>,
    schedule: Option<Arc<Schedule>>,
}

impl App {
    /// An app over `routes`, accepting bearer tokens signed with `auth_secret`, serving the
    /// fake Twilio under its prefix when one is given.
    pub fn new(routes: Vec<Route>, auth_secret: String, fake_twilio: Option<FakeTwilio>) -> Self {
        Self {
            routes: routes.into_iter().map(Arc::new).collect(),
            auth_secret,
            fake_twilio,
            schedule: None,
        }
    }

    /// The same app, running `schedule` while it serves.
    pub fn with_schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = Some(Arc::new(schedule));
        self
    }

    /// What runs on a schedule while it serves.
    pub fn schedule(&self) -> Option<Arc<Schedule>> {
        self.schedule.clone()
    }

    /// What the server prints at start.
    pub fn banner(&self, addr: &SocketAddr) -> String {
        let mut out = format!("local API on http://{addr}\n");
        for r in &self.routes {
            let proof = match r.proof {
                Proof::Anyone => "",
                Proof::Jwt => "  (Bearer JWT)",
                Proof::TwilioSignature => "  (X-Twilio-Signature)",
            };
            out.push_str(&format!(
                "  {:<6} {}{proof}\n",
                r.method.as_str(),
                r.template
            ));
        }
        out.push_str(
            "dev bearer token:\n  cargo run -q -p local-api -- token --sub alice --tenant acme \
             [--scope video:admin] [--phone +14155550100] [--email alice@example.com]\n",
        );
        match &self.fake_twilio {
            Some(fake) => out.push_str(&format!(
                "Twilio: the embedded fake at {} (no account, nothing sent); Verify code {}; \
                 callbacks {} (LOCAL_FAKE_TWILIO_CALLBACKS); a client joins with\n  curl -X POST {}/dev/rooms/RM…/participants \
                 -d Identity=acme:bob\n",
                fake.base_url(),
                fake_twilio::DEV_CODE,
                fake.delivered().describe(),
                fake.base_url(),
            )),
            None => out.push_str("Twilio: real (TWILIO_*_BASE_URL, or Twilio's own URLs)\n"),
        }
        if let Some(schedule) = &self.schedule {
            out.push_str(&format!(
                "reconciler: every {} s (LOCAL_SCHEDULE_SECONDS)\n",
                schedule.every().as_secs()
            ));
        }
        out
    }

    /// The axum router: every route of the table, the fake Twilio under its prefix, and a
    /// JSON 404 for any other path or method.
    pub fn router(self: Arc<Self>) -> Router {
        let mut router = Router::new();
        for route in &self.routes {
            let filter = MethodFilter::try_from(route.method.clone()).expect("a routable method");
            let template = route.template;
            let (app, route) = (self.clone(), route.clone());
            let call = move |params: Result<Path<HashMap<String, String>>, PathRejection>,
                             req: Request<AxumBody>| async move {
                app.call(&route, params.ok().map(|Path(p)| p), req).await
            };
            router = router.route(template, on(filter, call));
        }
        if self.fake_twilio.is_some() {
            let app = self.clone();
            let fake = move |req: Request<AxumBody>| async move { app.fake_twilio(req).await };
            router = router.route(&format!("{}/{{*path}}", fake_twilio::PREFIX), any(fake));
        }
        router
            .fallback(no_route)
            .method_not_allowed_fallback(no_route)
    }

    /// One request to `route`; `params` are its path parameters, `None` if they do not decode.
    async fn call(
        &self,
        route: &Route,
        params: Option<HashMap<String, String>>,
        req: Request<AxumBody>,
    ) -> Response<AxumBody> {
        // API Gateway matches neither an empty segment nor HEAD with a GET route; axum does.
        let params =
            params.filter(|p| req.method() == route.method && p.values().all(|v| !v.is_empty()));
        let Some(params) = params else {
            return no_route(req).await;
        };
        let (parts, body) = req.into_parts();
        let Ok(body) = read(body).await else {
            return into_axum(too_large().into_response());
        };
        let claims = match route.proof {
            Proof::Jwt => {
                let header = parts.headers.get(http::header::AUTHORIZATION);
                match auth::verify(header.and_then(|v| v.to_str().ok()), &self.auth_secret) {
                    Ok(claims) => Some(claims),
                    Err(refusal) => return into_axum(refusal.into_response()),
                }
            }
            Proof::Anyone | Proof::TwilioSignature => None,
        };
        let request_id = request_id();
        let event = event::api_gateway_event(
            &parts,
            &body,
            &route.key(),
            &params,
            claims.as_ref(),
            &request_id,
        );
        let payload = match serde_json::from_value(event) {
            Ok(payload) => payload,
            Err(e) => {
                let refusal = ApiError::bad_request("invalid_request", e.to_string());
                return into_axum(refusal.into_response());
            }
        };
        let mut context = Context::default();
        context.request_id = request_id;
        match shared::http::invoke(&*route.handler, LambdaEvent::new(payload, context)).await {
            Ok(answer) => from_api_gateway(answer),
            Err(e) => into_axum(ApiError::internal(e).into_response()),
        }
    }

    /// One request to the fake Twilio.
    async fn fake_twilio(&self, req: Request<AxumBody>) -> Response<AxumBody> {
        let Some(fake) = &self.fake_twilio else {
            return no_route(req).await;
        };
        let (parts, body) = req.into_parts();
        let path = parts.uri.path().strip_prefix(fake_twilio::PREFIX);
        match read(body).await {
            Ok(body) => fake.handle(&parts, path.unwrap_or_default(), &body),
            Err(_) => into_axum(too_large().into_response()),
        }
    }
}

async fn read(body: AxumBody) -> Result<Bytes, axum::Error> {
    axum::body::to_bytes(body, BODY_LIMIT).await
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the body exceeds 6 MB",
    )
}

async fn no_route(req: Request<AxumBody>) -> Response<AxumBody> {
    let message = format!("no route for {} {}", req.method(), req.uri().path());
    into_axum(ApiError::not_found("no_route", message).into_response())
}

/// A request id like Lambda's, unique within the process.
fn request_id() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("local-{}-{n}", std::process::id())
}
