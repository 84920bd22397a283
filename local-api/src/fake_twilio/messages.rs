//! Programmable Messaging, the 2010-04-01 Messages resource: create (recorded, never sent),
//! list (newest first) and fetch, in Twilio's JSON (dates in RFC 2822; a message sent through
//! a Messaging service is `accepted`, `from` and `num_segments` not yet set).
//!
//! The create refuses what Twilio refuses: no `To` (21604), no `Body` (21602), neither
//! `MessagingServiceSid` nor `From` (21603), a `To` that is not E.164 (21211), and Twilio's
//! magic test numbers fail as they do with test credentials: `+15005550001` 21211 (invalid),
//! `+15005550002` 21612 (cannot route), `+15005550003` 21408 (no permission for the region),
//! `+15005550004` 21610 (the recipient replied STOP), `+15005550009` 21614 (not a mobile).

use axum::body::Body;
use http::{Response, StatusCode};
use serde_json::{Value, json};
use shared::clock::now_unix;

use super::State;
use super::answers::{Params, bad, field, not_found, ok, rfc2822, sid};

/// Twilio's magic test numbers and the error each one gives.
const MAGIC: [(&str, u32, &str); 5] = [
    ("+15005550001", 21211, "Invalid 'To' Phone Number"),
    (
        "+15005550002",
        21612,
        "The 'To' phone number is not currently reachable",
    ),
    (
        "+15005550003",
        21408,
        "Permission to send an SMS has not been enabled for the region",
    ),
    (
        "+15005550004",
        21610,
        "Attempt to send to unsubscribed recipient",
    ),
    (
        "+15005550009",
        21614,
        "'To' number is not a valid mobile number",
    ),
];

impl State {
    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
    pub(super) fn create_message(&mut self, account: &str, form: &Params) -> Response<Body> {
        let Some(to) = field(form, "To").filter(|t| !t.is_empty()) else {
            return bad(21604, "A 'To' phone number is required.");
        };
        let Some(body) = field(form, "Body").filter(|b| !b.is_empty()) else {
            return bad(21602, "Message body is required.");
        };
        let service = field(form, "MessagingServiceSid");
        let from = field(form, "From");
        if service.is_none() && from.is_none() {
            return bad(21603, "A 'From' phone number is required.");
        }
        let digits = to.strip_prefix('+').unwrap_or("");
        if !(8..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return bad(21211, "Invalid 'To' Phone Number");
        }
        if let Some((_, code, message)) = MAGIC.iter().find(|(number, ..)| *number == to) {
            return bad(*code, message);
        }
        let (sid, now) = (sid("SM"), rfc2822(now_unix()));
        let uri = format!("/2010-04-01/Accounts/{account}/Messages/{sid}");
        let message = json!({
            "sid": sid, "account_sid": account, "messaging_service_sid": service,
            "from": from, "to": to, "body": body, "status": if from.is_some() { "queued" } else { "accepted" },
            "direction": "outbound-api", "api_version": "2010-04-01",
            "num_segments": "0", "num_media": "0", "price": null, "price_unit": null,
            "error_code": null, "error_message": null,
            "date_created": now, "date_updated": now, "date_sent": null,
            "uri": format!("{uri}.json"),
            "subresource_uris": { "media": format!("{uri}/Media.json") },
        });
        self.messages.push(message.clone());
        ok(StatusCode::CREATED, message)
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}/Messages.json` (`To` filters), one page.
    pub(super) fn list_messages(&self, account: &str, query: &Params) -> Response<Body> {
        let to = field(query, "To");
        let page: Vec<&Value> = self
            .messages
            .iter()
            .rev()
            .filter(|m| m["account_sid"] == account && to.is_none_or(|t| m["to"] == t))
            .collect();
        let uri = format!("/2010-04-01/Accounts/{account}/Messages.json?PageSize=50&Page=0");
        ok(
            StatusCode::OK,
            json!({
                "messages": page, "page": 0, "page_size": 50, "start": 0,
                "end": page.len().saturating_sub(1), "uri": uri, "first_page_uri": uri,
                "next_page_uri": null, "previous_page_uri": null,
            }),
        )
    }

    /// `GET /2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json`.
    pub(super) fn fetch_message(&self, account: &str, file: &str, path: &str) -> Response<Body> {
        let sid = file.strip_suffix(".json");
        let found = self
            .messages
            .iter()
            .find(|m| m["account_sid"] == account && sid.is_some_and(|s| m["sid"] == s));
        match found {
            Some(message) => ok(StatusCode::OK, message.clone()),
            None => not_found(path),
        }
    }
}
