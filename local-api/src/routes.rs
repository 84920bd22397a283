//! The route table: API.md's routes, each bound to its function's handler, as `template.yaml`
//! binds them in AWS. Functions that later issues add register here.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body as AxumBody;
use http::{Request, Response, StatusCode};
use lambda_http::Body;
use shared::aws::Backends;
use shared::config::Config;
use shared::error::ApiError;
use shared::http::Handler;

use crate::fake_twilio::{self, FakeTwilio};
use crate::{auth, event};

/// Who may call a route.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// Anyone.
    None,
    /// A bearer JWT (the emulated authorizer).
    Jwt,
    /// Twilio's signature, checked by the function itself.
    TwilioSignature,
}

/// One route.
pub struct Route {
    method: &'static str,
    template: &'static str,
    proof: Proof,
    handler: Arc<dyn Handler>,
}

/// Builds every function's state and binds the routes.
pub async fn build(
    lookup: &(dyn Fn(&str) -> Option<String> + Send + Sync),
) -> anyhow::Result<Vec<Route>> {
    let config = Config::from_lookup(lookup)?;
    let backends = Backends::from_config_with(&config, lookup).await;
    let _ = (&config, &backends);
    let route = |method, template, proof, handler: Arc<dyn Handler>| Route {
        method,
        template,
        proof,
        handler,
    };
    let mut routes = vec![route(
        "GET",
        "/healthz",
        Proof::None,
        Arc::new(health::Health),
    )];
    // The admin routes (functions/rooms), one state for the four.
    let rooms: Arc<dyn Handler> = Arc::new(rooms::State::new(&config, &backends)?);
    for (method, template) in [
        ("POST", "/admin/rooms"),
        ("POST", "/admin/rooms/{room_sid}/complete"),
        (
            "POST",
            "/admin/rooms/{room_sid}/participants/{participant_sid}/disconnect",
        ),
        ("GET", "/admin/audit"),
    ] {
        routes.push(route(method, template, Proof::Jwt, rooms.clone()));
    }
    // Twilio's room status callbacks (functions/webhook): the function checks the signature.
    routes.push(route(
        "POST",
        "/twilio/room-status",
        Proof::TwilioSignature,
        Arc::new(webhook::State::new(&config, &backends)),
    ));
    // Verify step-up (functions/verify), one state for both routes.
    let verify: Arc<dyn Handler> = Arc::new(verify::State::new(&config, &backends)?);
    for template in ["/verify/start", "/verify/check"] {
        routes.push(route("POST", template, Proof::Jwt, verify.clone()));
    }
    // Access tokens (functions/token): the step-up proof is checked by the function.
    routes.push(route(
        "POST",
        "/video/token",
        Proof::Jwt,
        Arc::new(token::State::new(&config, &backends)),
    ));
    Ok(routes)
}

/// The served application.
pub struct App {
    routes: Vec<Route>,
    auth_secret: String,
    fake_twilio: Option<FakeTwilio>,
}

impl App {
    /// An app over `routes`, accepting bearer tokens signed with `auth_secret`, serving the
    /// fake Twilio under its prefix when one is given.
    pub fn new(routes: Vec<Route>, auth_secret: String, fake_twilio: Option<FakeTwilio>) -> Self {
        Self {
            routes,
            auth_secret,
            fake_twilio,
        }
    }

    /// What the server prints at start.
    pub fn banner(&self, addr: &SocketAddr) -> String {
        let mut out = format!("local API on http://{addr}\n");
        for r in &self.routes {
            let proof = match r.proof {
                Proof::None => "",
                Proof::Jwt => "  (Bearer JWT)",
                Proof::TwilioSignature => "  (X-Twilio-Signature)",
            };
            out.push_str(&format!("  {:<6} {}{proof}\n", r.method, r.template));
        }
        out.push_str(
            "dev bearer token:\n  cargo run -q -p local-api -- token --sub alice --tenant acme \
             [--scope video:admin] [--phone +14155550100] [--email alice@example.com]\n",
        );
        match &self.fake_twilio {
            Some(fake) => out.push_str(&format!(
                "Twilio: the embedded fake at {} (no account, nothing sent); Verify code {}\n",
                fake.base_url(),
                fake_twilio::DEV_CODE
            )),
            None => out.push_str("Twilio: real (TWILIO_*_BASE_URL, or Twilio's own URLs)\n"),
        }
        out
    }

    /// Serves one request.
    pub async fn serve(&self, req: Request<AxumBody>) -> Response<AxumBody> {
        let (parts, body) = req.into_parts();
        if let Some(fake) = &self.fake_twilio {
            let under = parts.uri.path().strip_prefix(fake_twilio::PREFIX);
            if let Some(path) = under.filter(|p| p.is_empty() || p.starts_with('/')) {
                return match axum::body::to_bytes(body, 6 * 1024 * 1024).await {
                    Ok(body) => fake.handle(&parts, path, &body),
                    Err(_) => into_axum(
                        ApiError::new(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "payload_too_large",
                            "the body exceeds 6 MB",
                        )
                        .into_response(),
                    ),
                };
            }
        }
        let Some((route, params)) = self.find(parts.method.as_str(), parts.uri.path()) else {
            return into_axum(
                ApiError::not_found(
                    "no_route",
                    format!("no route for {} {}", parts.method, parts.uri.path()),
                )
                .into_response(),
            );
        };
        let body = match axum::body::to_bytes(body, 6 * 1024 * 1024).await {
            Ok(b) => b,
            // API Gateway's payload limit is 10 MB; Lambda's is 6 MB.
            Err(_) => {
                return into_axum(
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        "the body exceeds 6 MB",
                    )
                    .into_response(),
                );
            }
        };
        let claims = match route.proof {
            Proof::Jwt => {
                let header = parts
                    .headers
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok());
                match auth::verify(header, &self.auth_secret) {
                    Ok(c) => Some(c),
                    Err(msg) => {
                        return into_axum(
                            ApiError::unauthorized("unauthorized", msg).into_response(),
                        );
                    }
                }
            }
            _ => None,
        };
        let route_key = format!("{} {}", route.method, route.template);
        let request =
            match event::to_lambda_request(&parts, &body, &route_key, &params, claims.as_ref()) {
                Ok(r) => r,
                Err(e) => {
                    return into_axum(
                        ApiError::bad_request("invalid_request", e.to_string()).into_response(),
                    );
                }
            };
        into_axum(route.handler.handle(request).await)
    }

    fn find(&self, method: &str, path: &str) -> Option<(&Route, HashMap<String, String>)> {
        self.routes
            .iter()
            .filter(|r| r.method == method)
            .find_map(|r| match_template(r.template, path).map(|p| (r, p)))
    }
}

/// Matches `/admin/rooms/{room_sid}/complete` against a path; returns the path parameters
/// (percent-decoded, as API Gateway gives them).
fn match_template(template: &str, path: &str) -> Option<HashMap<String, String>> {
    let t: Vec<&str> = template.trim_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (t, p) in t.iter().zip(p) {
        if let Some(name) = t.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            if p.is_empty() {
                return None;
            }
            let value = percent_decode(p)?;
            params.insert(name.to_string(), value);
        } else if *t != p {
            return None;
        }
    }
    Some(params)
}

/// Percent-decodes one path segment; `None` when it is not valid UTF-8 or a `%` is malformed.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn into_axum(response: Response<Body>) -> Response<AxumBody> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Vec::new(),
        Body::Text(t) => t.into_bytes(),
        Body::Binary(b) => b,
        _ => Vec::new(),
    };
    Response::from_parts(parts, AxumBody::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_bind_path_parameters() {
        let p = match_template(
            "/admin/rooms/{room_sid}/complete",
            "/admin/rooms/RM123/complete",
        )
        .unwrap();
        assert_eq!(p["room_sid"], "RM123");
        assert!(
            match_template("/admin/rooms/{room_sid}/complete", "/admin/rooms//complete").is_none()
        );
        assert!(match_template("/healthz", "/healthz/x").is_none());
        let p = match_template("/recordings/{type}/{id}", "/recordings/class/a%2Db").unwrap();
        assert_eq!(p["id"], "a-b");
    }
}
