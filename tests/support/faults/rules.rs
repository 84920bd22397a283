//! The proxy's rules: which requests a rule applies to ([`Match`]), what it does instead of
//! forwarding them ([`Fault`]), and what the proxy records of each request ([`Seen`]).

use std::time::Duration;

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

    pub(super) fn applies(&self, seen: &Seen) -> bool {
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
pub(super) struct Rule {
    pub(super) on: Match,
    pub(super) fault: Fault,
    pub(super) skip: usize,
    pub(super) times: Option<usize>,
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
