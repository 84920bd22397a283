//! The library every function shares: configuration, telemetry, errors, the caller, secrets,
//! storage, idempotency and the HTTP plumbing that turns a handler's result into a response.

pub mod access;
pub mod aws;
pub mod caller;
pub mod clock;
pub mod config;
pub mod deadline;
pub mod dynamo;
pub mod error;
pub mod http;
pub mod https;
pub mod idempotency;
pub mod memory;
pub mod metrics;
pub mod names;
pub mod recordings;
pub mod sdk_env;
pub mod secrets;
pub mod startup;
pub mod stepup;
pub mod store;
pub mod telemetry;
pub mod twilio;
pub mod webhook;
