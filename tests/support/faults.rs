//! A small fault-injecting HTTP proxy on loopback, in front of the wiremock Twilio or moto's
//! server: each request is matched against the rules (by method and path, or by AWS operation,
//! `X-Amz-Target`), and the first rule that applies answers in its stead (Twilio's 429 with
//! `Retry-After`, a 500 or 503, DynamoDB's throttling, Secrets Manager's 500), holds the
//! connection past any deadline, or closes it unanswered. Anything else is forwarded as it came.
//! Every request is recorded, so a test can also assert that none was made.
//!
//! One request per connection (`Connection: close` both ways), HTTP/1.1, bodies by
//! `Content-Length` or chunked: what the AWS SDK and reqwest send.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use rules::Rule;
pub use rules::{Fault, Match, Seen};
use wire::{forward, read_request};

mod rules;
mod wire;

#[derive(Default)]
struct Books {
    rules: Vec<Rule>,
    seen: Vec<Seen>,
}

/// The proxy; it serves until the test's runtime ends.
#[derive(Clone)]
pub struct FaultProxy {
    uri: String,
    books: Arc<Mutex<Books>>,
}

impl FaultProxy {
    /// A proxy in front of `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let uri = format!("http://{}", listener.local_addr().expect("an address"));
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let books = Arc::new(Mutex::new(Books::default()));
        let proxy = Self { uri, books };
        let serving = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (proxy, upstream) = (serving.clone(), upstream.clone());
                tokio::spawn(async move { proxy.serve(client, &upstream).await });
            }
        });
        proxy
    }

    /// The proxy's base URL.
    pub fn uri(&self) -> String {
        self.uri.clone()
    }

    /// `fault` for every request `on` matches.
    pub fn fail(&self, on: Match, fault: Fault) {
        self.rule(on, fault, 0, None);
    }

    /// `fault` for the next `times` requests `on` matches.
    pub fn fail_next(&self, times: usize, on: Match, fault: Fault) {
        self.rule(on, fault, 0, Some(times));
    }

    /// `fault` for `times` requests `on` matches, after letting `skip` of them through.
    pub fn fail_after(&self, skip: usize, times: usize, on: Match, fault: Fault) {
        self.rule(on, fault, skip, Some(times));
    }

    fn rule(&self, on: Match, fault: Fault, skip: usize, times: Option<usize>) {
        let rule = Rule {
            on,
            fault,
            skip,
            times,
        };
        self.books.lock().unwrap().rules.push(rule);
    }

    /// Removes every rule: the dependency is back.
    pub fn heal(&self) {
        self.books.lock().unwrap().rules.clear();
    }

    /// Every request seen so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.books.lock().unwrap().seen.clone()
    }

    /// Forgets the requests seen so far.
    pub fn forget(&self) {
        self.books.lock().unwrap().seen.clear();
    }

    /// The requests seen that `on` matches.
    pub fn seen_matching(&self, on: &Match) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| on.applies(s)).collect()
    }

    /// Records `seen` and picks the fault for it, if a rule applies.
    fn decide(&self, mut seen: Seen) -> Option<Fault> {
        let mut books = self.books.lock().unwrap();
        let mut fault = None;
        for rule in books.rules.iter_mut() {
            if !rule.on.applies(&seen) {
                continue;
            }
            if rule.skip > 0 {
                rule.skip -= 1;
                continue;
            }
            match &mut rule.times {
                Some(0) => continue,
                Some(n) => *n -= 1,
                None => {}
            }
            fault = Some(rule.fault.clone());
            break;
        }
        seen.faulted = fault.is_some();
        books.seen.push(seen);
        fault
    }

    async fn serve(&self, mut client: TcpStream, upstream: &str) {
        let Some(request) = read_request(&mut client).await else {
            return;
        };
        match self.decide(request.seen.clone()) {
            None => {
                let answer = forward(upstream, &request).await.unwrap_or_else(|| {
                    b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .to_vec()
                });
                let _ = client.write_all(&answer).await;
            }
            Some(Fault::Answer {
                status,
                headers,
                content_type,
                body,
            }) => {
                let mut head = format!(
                    "HTTP/1.1 {status} Fault\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                head.push_str(&body);
                let _ = client.write_all(head.as_bytes()).await;
            }
            Some(Fault::Hold(duration)) => tokio::time::sleep(duration).await,
            Some(Fault::Drop) => {}
        }
        let _ = client.shutdown().await;
    }
}

/// Which time limits a client through the proxy has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limits {
    /// The functions' own (`shared::aws::sdk_config`): for the tests of those limits.
    Deployed,
    /// Those of the other tests' clients, relaxed for moto (`crate::sdk`).
    Moto,
}

async fn sdk_config(limits: Limits) -> &'static aws_config::SdkConfig {
    match limits {
        Limits::Deployed => crate::deployed_sdk().await,
        Limits::Moto => crate::sdk().await,
    }
}

/// A DynamoDB client through `proxy`, retrying as the SDK's standard mode does but with short
/// pauses, so that a retried throttle costs milliseconds.
pub async fn dynamo_client(proxy: &FaultProxy, limits: Limits) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::retry::RetryConfig;
    let config = aws_sdk_dynamodb::config::Builder::from(sdk_config(limits).await)
        .endpoint_url(proxy.uri())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(20)))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A Secrets Manager client through `proxy`, retrying as [`dynamo_client`] does.
pub async fn secrets_client(proxy: &FaultProxy, limits: Limits) -> aws_sdk_secretsmanager::Client {
    use aws_sdk_secretsmanager::config::retry::RetryConfig;
    let config = aws_sdk_secretsmanager::config::Builder::from(sdk_config(limits).await)
        .endpoint_url(proxy.uri())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(20)))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// The moto server the tests run against (`AWS_ENDPOINT_URL`).
pub fn moto() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL is not set: run the tests with ./scripts/test")
}
