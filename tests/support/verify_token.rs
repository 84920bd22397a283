//! Helpers for the verify and token functions' tests: callers with their own phone and email,
//! the two functions' states on moto and a wiremock Twilio, step-up proofs, and Verify's JSON as
//! wiremock answers it.

use secrecy::SecretString;
use serde_json::{Value, json};
use shared::caller::Caller;
use shared::secrets::TwilioCredentials;
use shared::stepup::StepUpKey;
use wiremock::matchers::{basic_auth, body_string, header, method, path};
use wiremock::{Mock, MockBuilder, ResponseTemplate};

use crate::{
    ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, VERIFY_SERVICE_SID, backends, config_with_twilio,
};

/// A fresh E.164 number, so tests sharing the table never share a rate-limit counter.
pub fn unique_phone() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000_000;
    format!("+4420{n:010}")
}

/// Claims of a user of `tenant` with their own phone number and email, both verified by the IdP
/// (as API Gateway hands claims over: strings).
pub fn user(tenant: &str, sub: &str, phone: &str, email: &str) -> Value {
    json!({
        "sub": sub, "tenant": tenant, "scope": "openid",
        "phone_number": phone, "phone_number_verified": "true",
        "email": email, "email_verified": "true",
    })
}

/// The caller those claims describe.
pub fn caller(tenant: &str, sub: &str) -> Caller {
    Caller::new(tenant, sub)
}

/// The test API key, as the functions hold it.
pub fn test_credentials() -> TwilioCredentials {
    TwilioCredentials {
        account_sid: ACCOUNT_SID.into(),
        api_key_sid: API_KEY_SID.into(),
        api_key_secret: SecretString::from(API_KEY_SECRET),
        step_up_key: None,
    }
}

/// A step-up proof for `tenant`/`sub`, issued at `issued_at` (Unix seconds) for `ttl` seconds
/// under the test API key: what `/verify/check` would have answered.
pub fn step_up(tenant: &str, sub: &str, issued_at: i64, ttl: u64) -> String {
    StepUpKey::derive(&test_credentials())
        .issue(&caller(tenant, sub), issued_at, ttl)
        .token
}

/// Sets (or replaces) the event's `X-Step-Up-Token` header.
pub fn with_step_up(mut event: Value, token: &str) -> Value {
    event["headers"]["x-step-up-token"] = Value::String(token.to_string());
    event
}

/// Removes the event's `X-Step-Up-Token` header.
pub fn without_step_up(mut event: Value) -> Value {
    if let Some(headers) = event["headers"].as_object_mut() {
        headers.remove("x-step-up-token");
    }
    event
}

/// The verify function on moto and the wiremock Twilio at `twilio`.
pub async fn verify_state(twilio: &str, extra: &[(&str, &str)]) -> verify::State {
    let config = config_with_twilio(twilio, extra);
    verify::State::new(&config, &backends().await).expect("verify state")
}

/// The token function with the test credentials, creating the rooms it names at the shared
/// fake Twilio (`ROOM_CREATION=on_join`).
pub async fn token_state(extra: &[(&str, &str)]) -> token::State {
    let config = crate::rooms::rooms_config(extra).await;
    token::State::new(&config, &backends().await).expect("token state")
}

/// A Verify v2 call as Twilio's helper library sends it: the path under the test service,
/// Basic auth with the test API key, and exactly these form fields in this order.
pub fn verify_call(resource: &str, form: &[(&str, &str)]) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path(format!(
            "/v2/Services/{VERIFY_SERVICE_SID}/{resource}"
        )))
        .and(basic_auth(API_KEY_SID, API_KEY_SECRET))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(serde_urlencoded::to_string(form).unwrap()))
}

/// A verification resource with `status`.
pub fn verification(to: &str, channel: &str, status: &str) -> ResponseTemplate {
    ResponseTemplate::new(201)
        .insert_header("twilio-request-id", "RQ0123456789abcdef0123456789abcdef")
        .set_body_json(json!({
            "sid": "VE0123456789abcdef0123456789abcdef",
            "service_sid": VERIFY_SERVICE_SID,
            "account_sid": ACCOUNT_SID,
            "to": to,
            "channel": channel,
            "status": status,
            "valid": status == "approved",
            "date_created": "2026-11-26T01:00:00Z",
            "date_updated": "2026-11-26T01:00:00Z",
            "url": format!("https://verify.twilio.com/v2/Services/{VERIFY_SERVICE_SID}/Verifications/VE0123456789abcdef0123456789abcdef"),
        }))
}

/// Twilio's error JSON with `status` and `code`; its message quotes the destination, as Twilio's
/// sometimes do, so tests can check that it never reaches a response.
pub fn twilio_error(status: u16, code: u32, to: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("twilio-request-id", "RQ0123456789abcdef0123456789abcdef")
        .set_body_json(json!({
            "code": code,
            "message": format!("Twilio error {code} for {to}"),
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        }))
}
