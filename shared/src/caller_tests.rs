//! Tests of [`super`]: claims from an authorizer context become a caller, missing or unsafe claims
//! are a 401, and Debug hides the phone number and email.

use super::*;

fn request(claims: serde_json::Value, scopes: Option<Vec<&str>>) -> Request {
    let event = serde_json::json!({
        "version": "2.0",
        "routeKey": "POST /video/token",
        "rawPath": "/video/token",
        "rawQueryString": "",
        "headers": {},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "api",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {"method": "POST", "path": "/video/token", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.1", "userAgent": "test"},
            "requestId": "r1",
            "routeKey": "POST /video/token",
            "stage": "$default",
            "time": "26/Nov/2026:01:00:00 +0000",
            "timeEpoch": 1795654800000u64,
            "authorizer": {"jwt": {"claims": claims, "scopes": scopes}}
        },
        "isBase64Encoded": false
    });
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[test]
fn claims_become_a_caller() {
    let req = request(
        serde_json::json!({"sub": "u1", "tenant": "acme", "scope": "openid video:admin", "phone_number": "+14155550100"}),
        None,
    );
    let caller = Caller::from_request(&req, "tenant").unwrap();
    assert_eq!(caller.tenant, "acme");
    assert_eq!(caller.sub, "u1");
    assert!(caller.has_scope("video:admin"));
    assert!(!caller.has_scope("video"));
    let number = caller.phone_number.as_ref().and_then(PhoneClaim::valid);
    assert_eq!(number.map(E164::as_str), Some("+14155550100"));
    assert_eq!(caller.email, None);
    let odd = request(
        serde_json::json!({"sub": "u1", "tenant": "acme", "phone_number": "0044 20 7946"}),
        None,
    );
    let odd = Caller::from_request(&odd, "tenant").unwrap();
    assert_eq!(odd.phone_number, Some(PhoneClaim::Invalid));
}

#[test]
fn scopes_also_come_from_the_scp_claim_as_a_list_or_a_string() {
    for scp in [
        serde_json::json!("openid video:admin"),
        serde_json::json!("[openid video:admin]"),
        serde_json::json!("[\"openid\",\"video:admin\"]"),
    ] {
        let req = request(
            serde_json::json!({"sub": "u1", "tenant": "acme", "scp": scp}),
            None,
        );
        let caller = Caller::from_request(&req, "tenant").unwrap();
        assert_eq!(caller.scopes, ["openid", "video:admin"], "{scp}");
    }
}

#[test]
fn a_phone_counts_as_verified_only_when_the_idp_says_so() {
    for (verified, want) in [
        (Some("true"), true),
        (Some("True"), true),
        (Some("false"), false),
        (None, false),
    ] {
        let mut claims = serde_json::json!({"sub": "u1", "tenant": "acme", "phone_number": "+14155550100", "email": "a@example.com"});
        if let Some(v) = verified {
            claims["phone_number_verified"] = v.into();
            claims["email_verified"] = v.into();
        }
        let caller = Caller::from_request(&request(claims, None), "tenant").unwrap();
        assert_eq!(caller.verified_phone().is_some(), want, "{verified:?}");
        assert_eq!(caller.email_verified, want, "{verified:?}");
    }
}

#[test]
fn the_authorizers_scopes_win_over_the_scope_claim() {
    let req = request(
        serde_json::json!({"sub": "u1", "tenant": "acme", "scope": "a"}),
        Some(vec!["b"]),
    );
    let caller = Caller::from_request(&req, "tenant").unwrap();
    assert_eq!(caller.scopes, vec!["b"]);
}

#[test]
fn missing_or_unsafe_claims_are_401() {
    for claims in [
        serde_json::json!({"sub": "u1"}),
        serde_json::json!({"tenant": "acme"}),
        serde_json::json!({"sub": "u1", "tenant": "ac:me"}),
        serde_json::json!({"sub": "u:1", "tenant": "acme"}),
    ] {
        let err = Caller::from_request(&request(claims, None), "tenant").unwrap_err();
        assert_eq!(err.status(), 401);
    }
}

#[test]
fn debug_output_hides_the_phone_number_and_email() {
    let req = request(
        serde_json::json!({"sub": "u1", "tenant": "acme", "phone_number": "+14155550100", "email": "alice@example.com"}),
        None,
    );
    let shown = format!("{:?}", Caller::from_request(&req, "tenant").unwrap());
    assert!(!shown.contains("4155550100"), "{shown}");
    assert!(!shown.contains("alice"), "{shown}");
    assert!(shown.contains("acme"), "{shown}");
}

#[test]
fn the_tenant_claim_name_is_configurable() {
    let req = request(serde_json::json!({"sub": "u1", "custom:org": "acme"}), None);
    assert_eq!(
        Caller::from_request(&req, "custom:org").unwrap().tenant,
        "acme"
    );
}
