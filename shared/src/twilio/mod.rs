//! Twilio: the REST client and what is built on it.

pub mod client;
pub mod error;
pub mod form;

pub use client::{Call, TwilioClient, TwilioResponse};
pub use error::TwilioError;
pub use form::Form;
