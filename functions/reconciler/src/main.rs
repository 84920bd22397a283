//! The reconciler's Lambda entry point: state built once at cold start, then each scheduled
//! event handled by [`reconciler::handle`].

use shared::secrets::SecretKind;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let (config, backends) = shared::startup::cold_start(&[SecretKind::ApiKey]).await?;
    let state = reconciler::State::new(&config, &backends)?;
    let state = &state;
    lambda_runtime::run(lambda_runtime::service_fn(move |event| async move {
        reconciler::handle(state, event).await
    }))
    .await
}
