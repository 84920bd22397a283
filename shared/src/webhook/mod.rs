//! Twilio's callbacks at the edge: from an API Gateway request to a callback whose signature
//! has been checked, or a rejection.
//!
//! - The signed URL is rebuilt as Twilio saw it ([`signed_url`]): `PUBLIC_BASE_URL` plus the
//!   request's raw path and raw query string. Without a base URL, the `Host` and
//!   `X-Forwarded-Proto` headers stand in for it.
//! - A missing signature is a 400, a wrong one a 403, a body that is not a form a 400: nothing
//!   else runs. Each rejection is logged, without the signature or the token, and counted as the
//!   `WebhookRejected` metric. (An event `lambda_http` cannot convert, such as a body flagged
//!   base64 that is not, is a 400 from `crate::http::run_lambda` before any handler runs.)

mod form;
mod signed_url;

use http::StatusCode;
use lambda_http::Request;
use secrecy::ExposeSecret;
use url::Url;

use crate::error::ApiError;
use crate::secrets::Secrets;
use crate::twilio::signature::{self, BODY_SHA256_PARAM, Payload};

pub use form::parse_form;
pub use signed_url::signed_url;

/// The metric counting rejected callbacks, by route and reason.
pub const REJECTED_METRIC: &str = "WebhookRejected";

/// Twilio's idempotency header: the same value on every delivery of one callback.
pub const IDEMPOTENCY_HEADER: &str = "i-twilio-idempotency-token";

/// A callback whose signature is valid.
#[derive(Clone, Debug)]
pub struct Callback {
    url: String,
    params: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    idempotency_token: Option<String>,
}

impl Callback {
    /// The URL the signature covered.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The form parameters, in the order sent (empty for a JSON body).
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// A form parameter's first value; an empty value counts as absent.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The raw body, when it was not a form (validated through `bodySHA256`).
    pub fn json_body(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }

    /// The callback's idempotency key: Twilio's `I-Twilio-Idempotency-Token` when it sent one
    /// (the same on every delivery of one callback), else `fallback`, built by the caller from
    /// the callback's own fields.
    pub fn idempotency_key(&self, fallback: impl FnOnce() -> String) -> String {
        match &self.idempotency_token {
            Some(token) => format!("twilio-token:{token}"),
            None => fallback(),
        }
    }
}

/// Why a callback was turned away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rejection {
    MissingSignature,
    InvalidSignature,
    MalformedBody,
    UnknownUrl,
}

impl Rejection {
    fn reason(self) -> &'static str {
        match self {
            Rejection::MissingSignature => "missing_signature",
            Rejection::InvalidSignature => "invalid_signature",
            Rejection::MalformedBody => "malformed_body",
            Rejection::UnknownUrl => "unknown_url",
        }
    }

    fn into_error(self, detail: &str) -> ApiError {
        let code = self.reason();
        match self {
            Rejection::MissingSignature => {
                ApiError::bad_request(code, "the X-Twilio-Signature header is missing")
            }
            Rejection::InvalidSignature => {
                ApiError::forbidden(code, "the X-Twilio-Signature header does not match")
            }
            Rejection::MalformedBody => ApiError::bad_request(code, detail.to_string()),
            Rejection::UnknownUrl => ApiError::bad_request(
                code,
                "the request's URL cannot be rebuilt: no PUBLIC_BASE_URL and no Host header",
            ),
        }
    }
}

/// Checks a Twilio callback: its body, then its signature over the URL rebuilt from
/// `public_base` (or the request's Host). Only a callback that passes reaches the caller.
pub async fn verify(
    req: &Request,
    public_base: Option<&Url>,
    secrets: &dyn Secrets,
) -> Result<Callback, ApiError> {
    let reject = |rejection: Rejection, url: Option<&str>, detail: &str| {
        let route = crate::http::route_key(req);
        tracing::warn!(
            route = %route,
            reason = rejection.reason(),
            signed_url = url.unwrap_or(""),
            detail,
            "twilio callback rejected"
        );
        crate::metrics::count(
            REJECTED_METRIC,
            &[("Route", &route), ("Reason", rejection.reason())],
        );
        rejection.into_error(detail)
    };

    let Some(url) = signed_url(req, public_base) else {
        return Err(reject(Rejection::UnknownUrl, None, ""));
    };
    let given = req
        .headers()
        .get(signature::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let Some(given) = given else {
        return Err(reject(Rejection::MissingSignature, Some(&url), ""));
    };
    let body: &[u8] = req.body().as_ref();
    // Twilio hashes a body that is not a form into the URL; such a body is not parsed as one.
    let json = signature::query_param(&url, BODY_SHA256_PARAM).is_some();
    let params = if json {
        Vec::new()
    } else {
        parse_form(body).map_err(|detail| reject(Rejection::MalformedBody, Some(&url), &detail))?
    };
    let auth = secrets.auth().await.map_err(ApiError::unavailable)?;
    let payload = if json {
        Payload::Body(body)
    } else {
        Payload::Form(&params)
    };
    if !signature::validate(auth.auth_token.expose_secret(), &url, payload, given) {
        return Err(reject(Rejection::InvalidSignature, Some(&url), ""));
    }
    let idempotency_token = req
        .headers()
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    Ok(Callback {
        url,
        params,
        body: json.then(|| body.to_vec()),
        idempotency_token,
    })
}

/// The answer to a callback that was processed (or deliberately ignored).
pub fn accepted(status: &str) -> lambda_http::Response<lambda_http::Body> {
    crate::http::json(StatusCode::OK, &serde_json::json!({ "status": status }))
}

/// The answer to a signed callback whose work failed part way (its store failed): still a 200,
/// `{"status":"unfinished"}`, since Twilio never redelivers a callback answered 5xx (API.md),
/// and logged at ERROR. Its claim was released, so a redelivery would process it; what it had
/// recorded as owed, the reconciler finishes.
pub fn unfinished(error: &dyn std::fmt::Display) -> lambda_http::Response<lambda_http::Body> {
    tracing::error!(%error, "twilio callback not finished; answered 200, as Twilio never redelivers a 5xx");
    accepted("unfinished")
}
