//! Twilio: the REST client and what is built on it.

pub mod access_token;
mod call;
pub mod client;
pub mod compositions;
pub mod error;
pub mod form;
pub mod keys;
mod media;
pub mod messages;
pub mod retry;
pub mod rooms;
pub mod signature;
pub mod signature_settings;
pub mod verify;

pub use call::{Call, TwilioResponse};
pub use client::{ATTEMPT_TIMEOUT, ClientError, TwilioClient};
pub use error::TwilioError;
pub use form::Form;
