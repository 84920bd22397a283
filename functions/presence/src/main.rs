//! The presence function's Lambda entry point.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, backends) = shared::startup::cold_start(&[]).await?;
    shared::http::run_lambda(presence::State::new(&config, &backends)).await
}
