//! One request to Twilio and its successful answer. Whether a call may be repeated after a
//! failure that may have reached Twilio is part of the call: see [`Call::create`].

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use super::error::TwilioError;
use super::form::Form;

/// One request to Twilio.
#[derive(Clone, Debug)]
pub struct Call {
    method: Method,
    url: Url,
    form: Option<Form>,
    idempotent: bool,
}

impl Call {
    /// A GET (idempotent).
    pub fn get(url: Url) -> Self {
        Self {
            method: Method::GET,
            url,
            form: None,
            idempotent: true,
        }
    }

    /// A POST that creates something: not repeated after a possibly-sent failure.
    pub fn create(url: Url, form: Form) -> Self {
        Self {
            method: Method::POST,
            url,
            form: Some(form),
            idempotent: false,
        }
    }

    /// A POST that sets an absolute state (e.g. `Status=completed`): safe to repeat.
    pub fn update(url: Url, form: Form) -> Self {
        Self {
            method: Method::POST,
            url,
            form: Some(form),
            idempotent: true,
        }
    }

    /// A DELETE (idempotent).
    pub fn delete(url: Url) -> Self {
        Self {
            method: Method::DELETE,
            url,
            form: None,
            idempotent: true,
        }
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The form body, for POSTs.
    pub fn form(&self) -> Option<&Form> {
        self.form.as_ref()
    }

    /// Whether repeating the call after a failure that may have reached Twilio is safe.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }
}

/// A successful (2xx or 3xx) answer.
#[derive(Debug)]
pub struct TwilioResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// `Twilio-Request-Id`.
    pub request_id: Option<String>,
    /// Response headers (e.g. `Location`).
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
}

impl TwilioResponse {
    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, TwilioError> {
        serde_json::from_slice(&self.body).map_err(|e| TwilioError::Decode(e.to_string()))
    }
}
