//! The token function's Lambda entry point.

use shared::secrets::SecretKind;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let config = shared::config::Config::from_env()?;
    let backends = shared::aws::Backends::from_config(&config, &[SecretKind::ApiKey]).await?;
    shared::http::run_lambda(token::State::new(&config, &backends)?).await
}
