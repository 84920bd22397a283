//! Verify v2: start a verification (`pending`), check it (`approved` for [`DEV_CODE`], else
//! still `pending`; a destination with no pending verification is 20404).

use axum::body::Body;
use http::{Response, StatusCode};
use serde_json::json;
use shared::clock::{now_unix, rfc3339};

use super::answers::{Params, bad, not_found, ok, sid};
use super::{DEV_CODE, State};

impl State {
    /// `POST /v2/Services/{ServiceSid}/Verifications`.
    pub(super) fn start(&mut self, service: &str, form: &Params) -> Response<Body> {
        let (Some(to), Some(channel)) = (form.get("To"), form.get("Channel")) else {
            return bad(60200, "Invalid parameter");
        };
        if !["sms", "call", "whatsapp", "email"].contains(&channel.as_str()) {
            return bad(60200, "Invalid parameter: Channel");
        }
        let now = rfc3339(now_unix());
        // A second start for the same destination resends the same verification, as Twilio does.
        let verification = self
            .verifications
            .entry((service.to_string(), to.clone()))
            .or_insert_with(|| {
                json!({
                    "sid": sid("VE"), "service_sid": service, "to": to, "status": "pending",
                    "valid": false, "date_created": now,
                })
            });
        verification["channel"] = json!(channel);
        verification["date_updated"] = json!(now);
        ok(StatusCode::CREATED, verification.clone())
    }

    /// `POST /v2/Services/{ServiceSid}/VerificationCheck`.
    pub(super) fn check(&mut self, service: &str, form: &Params) -> Response<Body> {
        let (Some(to), Some(code)) = (form.get("To"), form.get("Code")) else {
            return bad(60200, "Invalid parameter");
        };
        let key = (service.to_string(), to.clone());
        // An approved verification is gone: checking it again is Twilio's 20404.
        let Some(mut verification) = self.verifications.get(&key).cloned() else {
            return not_found(&format!("/Services/{service}/VerificationCheck"));
        };
        if code == DEV_CODE {
            self.verifications.remove(&key);
            verification["status"] = json!("approved");
            verification["valid"] = json!(true);
        }
        verification["date_updated"] = json!(rfc3339(now_unix()));
        ok(StatusCode::OK, verification)
    }
}
