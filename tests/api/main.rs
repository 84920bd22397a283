//! The integration tests, one binary: each module drives a function or an adapter against moto's
//! server (started by `scripts/test`) and, where Twilio is involved, a wiremock Twilio; `local_api`
//! drives the local API over HTTP, offline.

mod access_token_differential;
mod audit_route;
mod audit_store;
mod composition_duplicates;
mod compositions;
mod events;
mod health;
mod idempotency;
mod joins;
mod key_rotation;
mod local_api;
mod local_api_fake_twilio;
mod local_api_recordings;
mod presence;
mod ratelimit_store;
mod reconciler;
mod recording_costs;
mod recordings;
mod reliability;
mod rooms;
mod sdk_endpoints;
mod secrets;
mod security;
mod shared_key_signature;
mod shared_key_webhook;
mod signature;
mod store_errors;
mod template;
mod template_calls;
mod template_iam;
mod template_ops;
mod token;
mod verify;
mod webhook;
