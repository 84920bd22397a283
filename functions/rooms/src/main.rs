//! The rooms function's Lambda entry point.

use shared::secrets::SecretKind;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, backends) = shared::startup::cold_start(&[SecretKind::ApiKey]).await?;
    shared::http::run_lambda(rooms::State::new(&config, &backends)?).await
}
