//! `cargo run -p local-api`: every route of API.md on 127.0.0.1, no AWS account, no Docker, and
//! on the dev credentials no Twilio account either (the embedded fake Twilio answers).
//!
//! It runs the functions' own handlers: each HTTP request becomes the API Gateway HTTP API
//! (payload 2.0) event that AWS would send, after the JWT authorizer is emulated, and goes
//! through the same `lambda_http` conversion as in Lambda. `local-api token …` prints a dev
//! bearer token instead of serving.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use local_api::defaults::{self, process_env};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("token") {
        let secret = defaults::auth_secret(&process_env);
        println!(
            "{}",
            local_api::auth::dev_token_from_args(&args[1..], &secret)?
        );
        return Ok(());
    }
    shared::telemetry::init();
    let addr = SocketAddr::from(([127, 0, 0, 1], defaults::port(&process_env)?));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let app = Arc::new(local_api::app(&local_api::Settings::new(process_env, addr)).await?);
    println!("{}", app.banner(&addr));
    local_api::serve(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
