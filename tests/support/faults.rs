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

use wire::{forward, read_request};

mod wire;

/// Which requests a rule applies to.
#[derive(Clone, Debug, Default)]
pub struct Match {
    method: Option<String>,
    path: Option<String>,
    prefix: bool,
    operation: Option<String>,
}

impl Match {
    /// Every request.
    pub fn any() -> Self {
        Self::default()
    }

    /// `method` on exactly `path` (the query string aside).
    pub fn request(method: &str, path: &str) -> Self {
        Self {
            method: Some(method.to_string()),
            path: Some(path.to_string()),
            ..Self::default()
        }
    }

    /// `method` on any path that starts with `prefix`.
    pub fn prefix(method: &str, prefix: &str) -> Self {
        Self {
            prefix: true,
            ..Self::request(method, prefix)
        }
    }

    /// An AWS JSON-protocol operation, by the end of its `X-Amz-Target` (`PutItem`,
    /// `GetSecretValue`).
    pub fn aws(operation: &str) -> Self {
        Self {
            operation: Some(operation.to_string()),
            ..Self::default()
        }
    }

    fn applies(&self, seen: &Seen) -> bool {
        let method = self.method.as_ref().is_none_or(|m| *m == seen.method);
        let path = self.path.as_ref().is_none_or(|p| match self.prefix {
            true => seen.path.starts_with(p.as_str()),
            false => seen.path == *p,
        });
        let operation = self.operation.as_ref().is_none_or(|op| {
            seen.operation
                .as_deref()
                .is_some_and(|t| t.rsplit('.').next() == Some(op.as_str()))
        });
        method && path && operation
    }
}

/// What the proxy does instead of forwarding.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answers with this status, headers and body.
    Answer {
        /// HTTP status.
        status: u16,
        /// Extra headers (`Retry-After`).
        headers: Vec<(String, String)>,
        /// `Content-Type` of the body.
        content_type: String,
        /// The body.
        body: String,
    },
    /// Holds the connection open, unanswered, this long, then closes it.
    Hold(Duration),
    /// Closes the connection as soon as the request is read, unanswered.
    Drop,
}

impl Fault {
    /// Twilio's error JSON with `status` and `code`.
    pub fn twilio(status: u16, code: u32) -> Self {
        let body = serde_json::json!({
            "code": code, "message": "injected fault", "status": status,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        });
        Fault::Answer {
            status,
            headers: vec![("Twilio-Request-Id".into(), "RQfault".into())],
            content_type: "application/json".into(),
            body: body.to_string(),
        }
    }

    /// Twilio throttling us: 429, code 20429, `Retry-After: seconds`.
    pub fn twilio_throttled(retry_after: u64) -> Self {
        Self::twilio(429, 20429).with_header("Retry-After", &retry_after.to_string())
    }

    /// An AWS JSON-protocol error (`__type` `code`) with `status`.
    pub fn aws(status: u16, code: &str) -> Self {
        let body = serde_json::json!({ "__type": code, "message": "injected fault" });
        Fault::Answer {
            status,
            headers: vec![("x-amzn-ErrorType".into(), code.into())],
            content_type: "application/x-amz-json-1.0".into(),
            body: body.to_string(),
        }
    }

    /// DynamoDB refusing with a client-side error code such as
    /// `ProvisionedThroughputExceededException` or `ThrottlingException` (400).
    pub fn dynamo(code: &str) -> Self {
        Self::aws(400, &format!("com.amazonaws.dynamodb.v20120810#{code}"))
    }

    /// A 500 from an AWS service (`InternalServerError` / `InternalServiceError`).
    pub fn aws_500(code: &str) -> Self {
        Self::aws(500, code)
    }

    /// An answer held past any deadline a test uses.
    pub fn held() -> Self {
        Fault::Hold(Duration::from_secs(30))
    }

    /// Adds a header to an answer.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Fault::Answer { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }
}

/// A rule: `fault` for the requests `on` matches, after letting `skip` of them through, `times`
/// of them (all when `None`).
#[derive(Clone, Debug)]
struct Rule {
    on: Match,
    fault: Fault,
    skip: usize,
    times: Option<usize>,
}

/// A request the proxy saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// The method.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The query string.
    pub query: String,
    /// `X-Amz-Target`, for AWS calls.
    pub operation: Option<String>,
    /// The body.
    pub body: String,
    /// Whether a fault answered it (it never reached the server).
    pub faulted: bool,
}

impl Seen {
    /// The AWS operation's name (`PutItem`), if any.
    pub fn op(&self) -> Option<&str> {
        self.operation.as_deref().and_then(|t| t.rsplit('.').next())
    }

    /// Whether this is a DynamoDB call that writes.
    pub fn is_dynamo_write(&self) -> bool {
        matches!(
            self.op(),
            Some("PutItem" | "UpdateItem" | "DeleteItem" | "TransactWriteItems" | "BatchWriteItem")
        )
    }
}

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

/// A DynamoDB client through `proxy` on the SDK configuration of the tests, retrying as the
/// SDK's standard mode does but with short pauses, so that a retried throttle costs
/// milliseconds.
pub async fn dynamo_client(proxy: &FaultProxy) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::retry::RetryConfig;
    let config = aws_sdk_dynamodb::config::Builder::from(crate::sdk().await)
        .endpoint_url(proxy.uri())
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(20)))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A Secrets Manager client through `proxy`, retrying as [`dynamo_client`] does.
pub async fn secrets_client(proxy: &FaultProxy) -> aws_sdk_secretsmanager::Client {
    use aws_sdk_secretsmanager::config::retry::RetryConfig;
    let config = aws_sdk_secretsmanager::config::Builder::from(crate::sdk().await)
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
