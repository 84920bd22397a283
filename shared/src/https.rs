//! The one HTTPS stack of a function: rustls on ring with one root store, built once per
//! process, under reqwest, which calls Twilio and carries the AWS SDK's requests too.
//!
//! Why: each HTTPS stack used to read and parse the platform's root certificates itself (the
//! SDK's smithy client once per SDK client and again per connector, reqwest once per client),
//! most of a function's init (README, Performance). One stack also keeps a single copy of
//! hyper, rustls and their connectors in the binary.

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

/// The TLS configuration every client of the process shares: ring, and one root store built
/// once (see [`roots`]).
pub fn tls_config() -> rustls::ClientConfig {
    static CONFIG: LazyLock<rustls::ClientConfig> = LazyLock::new(|| {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports TLS 1.2 and 1.3")
            .with_root_certificates(roots(std::env::var_os("SSL_CERT_FILE")))
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    });
    // A clone shares the root store (it sits behind an Arc).
    CONFIG.clone()
}

/// Mozilla's root certificates as the `webpki-roots` crate compiles them in, already parsed:
/// nothing to read or decode at cold start, where the platform's store (a bundle and a
/// directory of some 140 PEM files each, read and parsed) cost milliseconds. `SSL_CERT_FILE`,
/// when set, names a PEM bundle to trust instead (a private CA, a proxy on a developer's machine).
fn roots(cert_file: Option<std::ffi::OsString>) -> rustls::RootCertStore {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let Some(path) = cert_file.filter(|p| !p.is_empty()) else {
        return rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
    };
    let mut roots = rustls::RootCertStore::empty();
    match CertificateDer::pem_file_iter(&path) {
        Ok(certs) => {
            roots.add_parsable_certificates(certs.filter_map(Result::ok));
        }
        Err(e) => tracing::warn!(path = ?path, error = %e, "SSL_CERT_FILE cannot be read"),
    }
    if roots.is_empty() {
        tracing::warn!(path = ?path, "no root certificate in SSL_CERT_FILE: HTTPS calls will fail");
    }
    roots
}

/// A reqwest client on the shared TLS configuration that never follows redirects.
pub fn client_builder(connect_timeout: Duration) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config())
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
}

/// The AWS SDK's HTTP client: its requests go through reqwest on the shared TLS configuration.
pub fn sdk_http_client() -> SharedHttpClient {
    SharedHttpClient::new(SdkHttp::default())
}

/// One reqwest client per connector settings the SDK asks for (in practice, one).
#[derive(Debug, Default)]
struct SdkHttp {
    connectors: Mutex<Vec<(Settings, SharedHttpConnector)>>,
}

type Settings = (Option<Duration>, Option<Duration>);

impl HttpClient for SdkHttp {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        static LOCK_POISONED: &str = "no panic while the connector list is held";
        let key = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self.connectors.lock().expect(LOCK_POISONED);
        if let Some((_, connector)) = connectors.iter().find(|(k, _)| *k == key) {
            return connector.clone();
        }
        let mut builder = client_builder(key.0.unwrap_or(Duration::from_secs(30))).no_proxy();
        if let Some(read) = key.1 {
            builder = builder.read_timeout(read);
        }
        let connector = SharedHttpConnector::new(SdkConnector(
            builder
                .build()
                .expect("a reqwest client on a prebuilt TLS config builds"),
        ));
        connectors.push((key, connector.clone()));
        connector
    }
}

#[derive(Debug)]
struct SdkConnector(reqwest::Client);

impl HttpConnector for SdkConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = to_reqwest(request)?;
            let response = client.execute(request).await.map_err(connector_error)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(connector_error)?;
            let mut out = http::Response::new(SdkBody::from(body));
            *out.status_mut() = http::StatusCode::from_u16(status).expect("a status reqwest read");
            *out.headers_mut() = headers;
            HttpResponse::try_from(out).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// The SDK's request as reqwest's. SDK bodies for DynamoDB and Secrets Manager are in memory.
fn to_reqwest(request: HttpRequest) -> Result<reqwest::Request, ConnectorError> {
    let request = request
        .try_into_http1x()
        .map_err(|e| ConnectorError::user(e.into()))?;
    let (parts, body) = request.into_parts();
    let bytes = body
        .bytes()
        .ok_or_else(|| ConnectorError::user("a streaming request body is not supported".into()))?
        .to_vec();
    let http = http::Request::from_parts(parts, bytes);
    reqwest::Request::try_from(http).map_err(|e| ConnectorError::user(e.into()))
}

/// A timeout as such (the SDK retries it), any other failure in transit as I/O (retried too).
fn connector_error(e: reqwest::Error) -> ConnectorError {
    if e.is_timeout() {
        ConnectorError::timeout(e.into())
    } else {
        ConnectorError::io(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roots_are_compiled_in_unless_ssl_cert_file_names_a_bundle() {
        assert_eq!(roots(None).len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(roots(Some("".into())).len() > 100);
        let missing = roots(Some("/nonexistent/ca-bundle.pem".into()));
        assert!(missing.is_empty());
    }

    #[test]
    fn every_client_gets_the_one_tls_configuration() {
        let (a, b) = (tls_config(), tls_config());
        assert!(Arc::ptr_eq(a.crypto_provider(), b.crypto_provider()));
        assert_eq!(a.alpn_protocols, vec![b"http/1.1".to_vec()]);
    }
}
