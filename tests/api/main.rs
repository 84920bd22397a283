//! The integration tests, one binary: each module drives a function or an adapter against moto's
//! server (started by `scripts/test`) and, where Twilio is involved, a wiremock Twilio; `local_api`
//! drives the local API over HTTP, offline.

mod access_token_differential;
mod audit_route;
mod audit_store;
mod compositions;
mod health;
mod idempotency;
mod key_rotation;
mod local_api;
mod ratelimit_store;
mod reconciler;
mod recordings;
mod reliability;
mod rooms;
mod secrets;
mod signature;
mod store_errors;
mod token;
mod verify;
mod webhook;
