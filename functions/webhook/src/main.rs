//! The webhook function's Lambda entry point. It runs under `shared::webhook::run_lambda`, which
//! checks each event before `lambda_http` converts it, so a body that is not valid base64 is a
//! 400 rather than a panic.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let config = shared::config::Config::from_env()?;
    let backends = shared::aws::Backends::from_config(&config).await;
    shared::webhook::run_lambda(webhook::State::new(&config, &backends)).await
}
