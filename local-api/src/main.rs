//! `cargo run -p local-api`: every route of API.md on 127.0.0.1, no AWS account, no Docker.
//!
//! It runs the functions' own handlers: each HTTP request becomes the API Gateway HTTP API
//! (payload 2.0) event that AWS would send, after the JWT authorizer is emulated, and goes
//! through the same `lambda_http` conversion as in Lambda. `local-api token …` prints a dev
//! bearer token instead of serving.

mod auth;
mod defaults;
mod event;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("token") {
        println!(
            "{}",
            auth::dev_token_from_args(&args[1..], &defaults::auth_secret())?
        );
        return Ok(());
    }
    shared::telemetry::init();
    let port: u16 = defaults::lookup("PORT")
        .unwrap_or_else(|| "3000".into())
        .parse()
        .context("PORT must be a port number")?;
    let table = routes::build(defaults::lookup).await?;
    let app = Arc::new(routes::App::new(table, defaults::auth_secret()));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    println!("{}", app.banner(&addr));
    let router = axum::Router::new().fallback(move |req| {
        let app = app.clone();
        async move { app.serve(req).await }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
