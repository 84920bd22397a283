//! The health function's Lambda entry point.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    shared::http::run_lambda(health::Health).await
}
