//! The key rotation function's Lambda entry point: invoked by its schedules (or by hand), never
//! by a route.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let config = shared::startup::configured()?;
    let state = key_rotation::State::from_config(&config).await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event| {
        key_rotation::handle(&state, event)
    }))
    .await
}
