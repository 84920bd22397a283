//! Programmable Messaging: one SMS through a Messaging service, as Twilio's 2010-04-01 API
//! takes it: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with `MessagingServiceSid`,
//! `To` and `Body` (Twilio picks the sender from the service's pool).
//!
//! A create is never repeated by the client after a failure that may have reached Twilio
//! (see `client.rs`); [`SendFailure`] tells the caller what a failure means for a later try.

use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::{Call, Form, TwilioClient, TwilioError};
use crate::names::E164;
use crate::secrets::TwilioCredentials;

/// Twilio's codes for a number that can never receive this message: 21211 not a valid phone
/// number, 21408 a region this account may not send to, 21610 the recipient replied STOP,
/// 21612 no route to the number, 21614 not a mobile number.
pub const UNDELIVERABLE_CODES: [u32; 5] = [21211, 21408, 21610, 21612, 21614];

/// A message Twilio accepted.
#[derive(Clone, Debug, Deserialize)]
pub struct Message {
    /// `SM…` (or `MM…`).
    pub sid: String,
    /// `accepted`, `queued`, …
    #[serde(default)]
    pub status: Option<String>,
}

/// What a failed send means for trying again.
#[derive(Debug, PartialEq, Eq)]
pub enum SendFailure {
    /// Twilio refused the number for good: record it, never try again.
    Undeliverable(u32),
    /// The request may have reached Twilio and no answer came: another try could send twice.
    Uncertain,
    /// Nothing was sent; a later try may succeed (throttling, an outage, our own credentials
    /// or service refused until someone fixes them).
    Transient,
}

impl SendFailure {
    /// The meaning of `error` for a send.
    pub fn of(error: &TwilioError) -> Self {
        match error.code() {
            Some(code) if UNDELIVERABLE_CODES.contains(&code) => Self::Undeliverable(code),
            _ if error.maybe_sent() => Self::Uncertain,
            _ => Self::Transient,
        }
    }
}

/// The Messages API on a [`TwilioClient`], at `TWILIO_API_BASE_URL`.
#[derive(Clone, Debug)]
pub struct Messages {
    client: TwilioClient,
    base: Url,
}

impl Messages {
    /// Messages under `base` (`https://api.twilio.com` in production).
    pub fn new(client: TwilioClient, base: Url) -> Self {
        Self { client, base }
    }

    /// Sends `body` to `to` through the Messaging service `service` (`MG…`), once.
    pub async fn send(
        &self,
        creds: &TwilioCredentials,
        service: &str,
        to: &E164,
        body: &str,
        deadline: Instant,
    ) -> Result<Message, TwilioError> {
        let form = Form::new()
            .text("MessagingServiceSid", service)
            .text("To", to.as_str())
            .text("Body", body);
        let call = Call::create(self.url(&creds.account_sid), form);
        self.client.send(creds, &call, deadline).await?.json()
    }

    fn url(&self, account_sid: &str) -> Url {
        let mut url = self.base.clone();
        let path = format!(
            "{}/2010-04-01/Accounts/{account_sid}/Messages.json",
            self.base.path().trim_end_matches('/')
        );
        url.set_path(&path);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: Option<u32>) -> TwilioError {
        TwilioError::api(status, code, None)
    }

    #[test]
    fn stop_and_invalid_numbers_are_final_and_a_timeout_after_sending_is_uncertain() {
        for code in UNDELIVERABLE_CODES {
            assert_eq!(
                SendFailure::of(&api(400, Some(code))),
                SendFailure::Undeliverable(code)
            );
        }
        assert_eq!(
            SendFailure::of(&api(429, Some(20429))),
            SendFailure::Transient
        );
        assert_eq!(SendFailure::of(&api(500, None)), SendFailure::Transient);
        assert_eq!(
            SendFailure::of(&api(401, Some(20003))),
            SendFailure::Transient
        );
        assert_eq!(
            SendFailure::of(&TwilioError::TimedOut { maybe_sent: true }),
            SendFailure::Uncertain
        );
        assert_eq!(
            SendFailure::of(&TwilioError::TimedOut { maybe_sent: false }),
            SendFailure::Transient
        );
    }

    #[test]
    fn the_url_is_the_accounts_messages_resource() {
        let m = Messages::new(
            TwilioClient::new(std::time::Duration::from_secs(1)).unwrap(),
            Url::parse("http://127.0.0.1:9/fake").unwrap(),
        );
        assert_eq!(
            m.url("AC1").as_str(),
            "http://127.0.0.1:9/fake/2010-04-01/Accounts/AC1/Messages.json"
        );
    }
}
