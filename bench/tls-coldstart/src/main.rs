//! A minimal Lambda function whose init is chosen by `INIT` (any of `aws`, `reqwest`, `rng`),
//! built with feature `ring` or `awslc`, so that scripts/coldstart-tls can compare what each TLS
//! stack costs at cold start.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mode = std::env::var("INIT").unwrap_or_default();
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    if mode.contains("aws") {
        #[cfg(feature = "ring")]
        let sdk = {
            use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
            let http = aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build_https();
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .http_client(http)
                .load()
                .await
        };
        #[cfg(feature = "awslc")]
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        keep.push(Box::new(aws_sdk_dynamodb::Client::new(&sdk)));
    }
    if mode.contains("reqwest") {
        #[cfg(feature = "ring")]
        let _ = rustls::crypto::ring::default_provider().install_default();
        keep.push(Box::new(reqwest::Client::builder().build().unwrap()));
    }
    if mode.contains("rng") {
        // What the first TLS handshake does: draw from the provider's secure RNG.
        #[cfg(feature = "ring")]
        let provider = rustls::crypto::ring::default_provider();
        #[cfg(feature = "awslc")]
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let mut buf = [0u8; 32];
        provider.secure_random.fill(&mut buf).unwrap();
        keep.push(Box::new(buf));
    }
    run(service_fn(|_req: Request| async {
        Ok::<_, Error>(
            Response::builder()
                .status(200)
                .body(Body::Text("{\"status\":\"ok\"}".into()))
                .unwrap(),
        )
    }))
    .await
}
