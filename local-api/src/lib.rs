//! The local API as a library: builds the app from its settings and serves it, so that tests
//! start it on a random port exactly as `main.rs` starts it on `PORT`.

mod app;
pub mod auth;
pub mod defaults;
mod event;
pub mod fake_twilio;
pub mod routes;

use std::future::Future;
use std::sync::Arc;

pub use app::App;
pub use defaults::Settings;
use fake_twilio::FakeTwilio;

/// Builds every function's state and the route table, with the fake Twilio when the settings
/// point Twilio at it.
pub async fn app(settings: &Settings) -> anyhow::Result<App> {
    let table = routes::table(&|name: &str| settings.lookup(name)).await?;
    let fake = settings
        .fake_twilio()
        .map(|base| FakeTwilio::new(base.to_string()));
    Ok(App::new(table, settings.auth_secret(), fake))
}

/// Serves `app` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.router())
        .with_graceful_shutdown(shutdown)
        .await
}
