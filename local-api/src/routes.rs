//! The route table: API.md's routes, each bound to its function's handler as `template.yaml` binds
//! them in AWS. Templates are written as API Gateway writes them (`{name}`), which is also axum's
//! syntax, and each becomes the request's route key (`POST /admin/rooms/{room_sid}/complete`).

use std::sync::Arc;

use http::Method;
use shared::aws::Backends;
use shared::config::Config;
use shared::http::Handler;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proof {
    /// Anyone.
    Anyone,
    /// A bearer JWT (the emulated authorizer).
    Jwt,
    /// Twilio's signature, checked by the function itself.
    TwilioSignature,
}

/// One route: what API Gateway matches, who may call it, and the function that answers.
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path template, `{name}` for a path parameter.
    pub template: &'static str,
    /// Who may call it.
    pub proof: Proof,
    /// The function's handler.
    pub handler: Arc<dyn Handler>,
}

impl Route {
    /// The route key, as API Gateway puts it into the request context.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// A `GET` route.
pub fn get(template: &'static str, proof: Proof, handler: &Arc<dyn Handler>) -> Route {
    route(Method::GET, template, proof, handler)
}

/// A `POST` route.
pub fn post(template: &'static str, proof: Proof, handler: &Arc<dyn Handler>) -> Route {
    route(Method::POST, template, proof, handler)
}

fn route(
    method: Method,
    template: &'static str,
    proof: Proof,
    handler: &Arc<dyn Handler>,
) -> Route {
    Route {
        method,
        template,
        proof,
        handler: handler.clone(),
    }
}

/// Builds every function's state on `backends`, once, and binds the routes.
pub fn bind(config: Config, backends: Backends) -> anyhow::Result<Vec<Route>> {
    use Proof::{Anyone, Jwt, TwilioSignature};
    let health: Arc<dyn Handler> = Arc::new(health::Health);
    let verify: Arc<dyn Handler> = Arc::new(verify::State::new(&config, &backends)?);
    let token: Arc<dyn Handler> = Arc::new(token::State::new(&config, &backends)?);
    let webhook: Arc<dyn Handler> = Arc::new(webhook::State::new(&config, &backends));
    let rooms: Arc<dyn Handler> = Arc::new(rooms::State::new(&config, &backends)?);
    let composition: Arc<dyn Handler> = Arc::new(composition::State::new(&config, &backends)?);
    let presence: Arc<dyn Handler> = Arc::new(presence::State::new(&config, &backends));
    #[rustfmt::skip]
    let routes = vec![
        get("/healthz", Anyone, &health),
        post("/verify/start", Jwt, &verify),
        post("/verify/check", Jwt, &verify),
        post("/video/token", Jwt, &token),
        get("/rooms/{type}/{id}", Jwt, &presence),
        post("/twilio/room-status", TwilioSignature, &webhook),
        post("/twilio/composition-status", TwilioSignature, &composition),
        get("/recordings/{type}/{id}", Jwt, &composition),
        post("/admin/rooms", Jwt, &rooms),
        post("/admin/rooms/{room_sid}/complete", Jwt, &rooms),
        post("/admin/rooms/{room_sid}/participants/{participant_sid}/disconnect", Jwt, &rooms),
        get("/admin/audit", Jwt, &rooms),
    ];
    Ok(routes)
}
