//! The integration tests, one binary: each module drives a function or an adapter against moto's
//! server (started by `scripts/test`) and, where Twilio is involved, a wiremock Twilio.

mod health;
mod idempotency;
mod secrets;
