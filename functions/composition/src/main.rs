//! The composition function's Lambda entry point: state built once at cold start (it fails,
//! naming the variable, without `TWILIO_MESSAGING_SERVICE_SID`), then the shared runner.

use shared::secrets::SecretKind;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, backends) =
        shared::startup::cold_start(&[SecretKind::ApiKey, SecretKind::Auth]).await?;
    shared::http::run_lambda(composition::State::new(&config, &backends)?).await
}
