//! Twilio's callbacks at the edge: from an API Gateway request to a callback whose signature
//! has been checked, or a rejection.
//!
//! - The signed URL is rebuilt as Twilio saw it ([`signed_url`]): `PUBLIC_BASE_URL` plus the
//!   request's raw path and raw query string. Without a base URL, the `Host` and
//!   `X-Forwarded-Proto` headers stand in for it.
//! - The key and MAC: the Auth Token and HMAC-SHA1, or, when the callback carries
//!   `X-Twilio-Webhooks-Signature-Settings`, the shared key it names (from the auth secret's
//!   `webhook_keys`) and its algorithm. The URL and parameter rules are the same either way.
//! - A missing signature is a 400, a wrong one a 403, a body that is not a form a 400; a shared
//!   key we do not hold, an unsupported algorithm, or an Auth Token signature where we hold no
//!   Auth Token, a 403: nothing else runs. Each rejection is logged, without the signature or
//!   any key, and counted as the `WebhookRejected` metric. (An event `lambda_http` cannot
//!   convert, such as a body flagged base64 that is not, is a 400 from `crate::http::run_lambda`
//!   before any handler runs.)
//!
//! The answers to a signed callback once it has run (a 200 whatever its work came to) are in
//! `answer`.

mod answer;
mod form;
mod rejection;
mod signed_url;

use lambda_http::Request;
use secrecy::ExposeSecret;
use url::Url;

use crate::error::ApiError;
use crate::secrets::{AuthCredentials, Secrets};
use crate::twilio::signature::{self, Algorithm, BODY_SHA256_PARAM, Payload};
use crate::twilio::signature_settings::{self, SettingsError};
use rejection::Rejection;

pub use answer::{UNFINISHED_METRIC, accepted, answer_once, unfinished};
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
    let settings = req.headers().get(signature_settings::HEADER).map(|v| {
        v.to_str()
            .map_err(|_| (Rejection::InvalidSignatureSettings, String::new()))
    });
    let signing = match settings.transpose() {
        Ok(settings) => signing_key(&auth, settings),
        Err(refusal) => Err(refusal),
    }
    .map_err(|(rejection, detail)| reject(rejection, Some(&url), &detail))?;
    let payload = if json {
        Payload::Body(body)
    } else {
        Payload::Form(&params)
    };
    if !signature::validate_with(signing.algorithm, signing.key, &url, payload, given) {
        let detail = signing
            .shared_key
            .map(|k| format!("shared key {k}"))
            .unwrap_or_default();
        return Err(reject(Rejection::InvalidSignature, Some(&url), &detail));
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

/// What a callback's signature is checked with.
struct SigningKey<'a> {
    algorithm: Algorithm,
    key: &'a [u8],
    /// The shared key's id; `None` for the Auth Token.
    shared_key: Option<&'a str>,
}

/// The MAC and key a callback's signature is checked with: from
/// `X-Twilio-Webhooks-Signature-Settings` when the callback carries it, else the Auth Token. A
/// refusal comes with the detail to log (a key id or an algorithm name, never a key).
fn signing_key<'a>(
    auth: &'a AuthCredentials,
    settings: Option<&str>,
) -> Result<SigningKey<'a>, (Rejection, String)> {
    match settings.and_then(signature_settings::parse) {
        None => match &auth.auth_token {
            Some(token) => Ok(SigningKey {
                algorithm: Algorithm::HmacSha1,
                key: token.expose_secret().as_bytes(),
                shared_key: None,
            }),
            None => Err((
                Rejection::SharedKeyRequired,
                "no Auth Token is held; only shared-key signatures are accepted".into(),
            )),
        },
        Some(Ok(settings)) => match auth.webhook_keys.get_key_value(&settings.key) {
            Some((id, key)) => Ok(SigningKey {
                algorithm: settings.algorithm,
                key: key.expose_secret().as_bytes(),
                shared_key: Some(id.as_str()),
            }),
            None => Err((
                Rejection::UnknownSigningKey,
                format!(
                    "shared key {} is not in webhook_keys",
                    // The sender's text: cut before it is logged.
                    settings.key.chars().take(64).collect::<String>()
                ),
            )),
        },
        Some(Err(SettingsError::NoKey)) => Err((
            Rejection::InvalidSignatureSettings,
            SettingsError::NoKey.to_string(),
        )),
        Some(Err(unsupported)) => Err((Rejection::UnsupportedAlgorithm, unsupported.to_string())),
    }
}
