//! The presence function's Lambda entry point.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let config = shared::config::Config::from_env()?;
    let backends = shared::aws::Backends::from_config(&config, &[]).await?;
    shared::http::run_lambda(presence::State::new(&config, &backends)).await
}
