//! The URL Twilio signed, rebuilt from an API Gateway request (HTTP API or REST API event).

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use url::Url;

/// The URL Twilio signed for this request: `public_base` plus the path below it and the raw
/// query string; without a base, the scheme (`X-Forwarded-Proto`) and `Host` of the request.
/// `None` when neither a base nor a host is known.
pub fn signed_url(req: &Request, public_base: Option<&Url>) -> Option<String> {
    let context = req.request_context_ref();
    let (stage, query) = match context {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            (ctx.stage.as_deref(), req.uri().query().map(str::to_string))
        }
        // A REST API event has no raw query string, only its parsed parameters; they are
        // re-encoded in key order (Twilio's callbacks to us carry no query, or one parameter).
        Some(RequestContext::ApiGatewayV1(ctx)) => (
            ctx.stage.as_deref(),
            req.query_string_parameters_ref().map(encode_query),
        ),
        _ => (None, req.uri().query().map(str::to_string)),
    };
    let raw_path = match req.raw_http_path() {
        "" => req.uri().path(),
        raw => raw,
    };
    let query = query
        .filter(|q| !q.is_empty())
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    match public_base {
        Some(base) => {
            let path = strip_stage(raw_path, stage);
            let base_url = base.as_str().trim_end_matches('/');
            let base_path = base.path().trim_end_matches('/');
            // A base URL with a path (a stage, or a custom domain's API mapping) that the
            // request's path already carries is not repeated.
            let under_base_path = !base_path.is_empty()
                && (path == base_path || path.starts_with(&format!("{base_path}/")));
            let prefix = if under_base_path {
                &base_url[..base_url.len() - base_path.len()]
            } else {
                base_url
            };
            Some(format!("{prefix}{path}{query}"))
        }
        None => {
            let headers = req.headers();
            let scheme = headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .unwrap_or("https");
            let host = headers
                .get(http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
                .or_else(|| match context {
                    Some(RequestContext::ApiGatewayV2(ctx)) => ctx.domain_name.clone(),
                    Some(RequestContext::ApiGatewayV1(ctx)) => ctx.domain_name.clone(),
                    _ => None,
                })
                .filter(|h| !h.is_empty())?;
            // The path the client asked for: a REST API event's `path` lacks the stage, which
            // its request context's `path` has.
            let path = match context {
                Some(RequestContext::ApiGatewayV1(ctx)) => {
                    ctx.path.clone().unwrap_or_else(|| raw_path.to_string())
                }
                _ => raw_path.to_string(),
            };
            Some(format!("{scheme}://{host}{path}{query}"))
        }
    }
}

/// `path` without a leading `/{stage}` (HTTP API events carry a named stage in `rawPath`).
fn strip_stage<'a>(path: &'a str, stage: Option<&str>) -> &'a str {
    match stage {
        Some(stage) if !stage.is_empty() && stage != "$default" => {
            let prefix = format!("/{stage}");
            match path.strip_prefix(&prefix) {
                Some("") => "/",
                Some(rest) if rest.starts_with('/') => rest,
                _ => path,
            }
        }
        _ => path,
    }
}

fn encode_query(params: &QueryMap) -> String {
    let mut pairs: Vec<(&str, &str)> = params.iter().collect();
    // Keys in order, each key's values as given.
    pairs.sort_by_key(|(k, _)| *k);
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn v2(raw_path: &str, raw_query: &str, stage: &str, headers: Value) -> Request {
        let event = json!({
            "version": "2.0",
            "routeKey": "POST /twilio/room-status",
            "rawPath": raw_path,
            "rawQueryString": raw_query,
            "headers": headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "abc",
                "domainName": "abc.execute-api.us-east-1.amazonaws.com",
                "http": { "method": "POST", "path": raw_path, "protocol": "HTTP/1.1",
                          "sourceIp": "198.51.100.7", "userAgent": "TwilioProxy/1.1" },
                "requestId": "r", "routeKey": "POST /twilio/room-status", "stage": stage,
                "time": "26/Nov/2026:01:00:00 +0000", "timeEpoch": 1795654800000u64
            },
            "isBase64Encoded": false
        });
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn v1(path: &str, context_path: &str, stage: &str, query: Value) -> Request {
        let event = json!({
            "resource": "/twilio/room-status",
            "path": path,
            "httpMethod": "POST",
            "headers": { "Host": "abc.execute-api.us-east-1.amazonaws.com", "X-Forwarded-Proto": "https" },
            "multiValueHeaders": {},
            "queryStringParameters": null,
            "multiValueQueryStringParameters": query,
            "pathParameters": null,
            "stageVariables": null,
            "requestContext": {
                "accountId": "123456789012", "resourceId": "x", "stage": stage,
                "requestId": "r", "identity": {}, "resourcePath": "/twilio/room-status",
                "httpMethod": "POST", "apiId": "abc", "path": context_path,
                "domainName": "abc.execute-api.us-east-1.amazonaws.com"
            },
            "body": null,
            "isBase64Encoded": false
        });
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn base(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// The URL `req` was signed for, under the public base URL `s`.
    fn signed_under(req: &Request, s: &str) -> String {
        signed_url(req, Some(&base(s))).unwrap()
    }

    #[test]
    fn the_http_api_url_is_the_base_plus_raw_path_and_raw_query() {
        let req = v2(
            "/twilio/room-status",
            "a=1&b=%20x",
            "$default",
            json!({"host": "ignored.example"}),
        );
        assert_eq!(
            signed_under(&req, "https://video.example.com"),
            "https://video.example.com/twilio/room-status?a=1&b=%20x"
        );
    }

    #[test]
    fn a_named_stage_in_the_raw_path_is_not_doubled() {
        let req = v2("/prod/twilio/room-status", "", "prod", json!({}));
        let execute_api = base("https://abc.execute-api.us-east-1.amazonaws.com/prod");
        assert_eq!(
            signed_url(&req, Some(&execute_api)).unwrap(),
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/twilio/room-status"
        );
        assert_eq!(
            signed_under(&req, "https://video.example.com"),
            "https://video.example.com/twilio/room-status"
        );
    }

    #[test]
    fn a_base_path_the_request_already_carries_is_not_repeated() {
        let req = v2("/video/twilio/room-status", "", "$default", json!({}));
        assert_eq!(
            signed_under(&req, "https://api.example.com/video/"),
            "https://api.example.com/video/twilio/room-status"
        );
        let req = v2("/twilio/room-status", "", "$default", json!({}));
        assert_eq!(
            signed_under(&req, "https://api.example.com/video"),
            "https://api.example.com/video/twilio/room-status"
        );
    }

    #[test]
    fn without_a_base_the_host_and_forwarded_scheme_are_used() {
        let req = v2(
            "/prod/twilio/room-status",
            "x=1",
            "prod",
            json!({"host": "abc.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https"}),
        );
        assert_eq!(
            signed_url(&req, None).unwrap(),
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/twilio/room-status?x=1"
        );
        let req = v2(
            "/twilio/room-status",
            "",
            "$default",
            json!({"host": "127.0.0.1:3000", "x-forwarded-proto": "http"}),
        );
        assert_eq!(
            signed_url(&req, None).unwrap(),
            "http://127.0.0.1:3000/twilio/room-status"
        );
    }

    #[test]
    fn a_rest_api_event_uses_its_path_stage_and_query_parameters() {
        let req = v1(
            "/twilio/room-status",
            "/prod/twilio/room-status",
            "prod",
            json!({"bodySHA256": ["abc"]}),
        );
        assert_eq!(
            signed_under(&req, "https://video.example.com"),
            "https://video.example.com/twilio/room-status?bodySHA256=abc"
        );
        assert_eq!(
            signed_url(&req, None).unwrap(),
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/twilio/room-status?bodySHA256=abc"
        );
    }
}
