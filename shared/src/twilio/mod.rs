//! Twilio: the REST client and what is built on it.

pub mod access_token;
pub mod client;
pub mod compositions;
pub mod error;
pub mod form;
pub mod keys;
pub mod rooms;
pub mod signature;
pub mod verify;

pub use client::{Call, TwilioClient, TwilioResponse};
pub use error::TwilioError;
pub use form::Form;
