//! Tests of [`super`]: the Access Token's claims and grants, its bytes for a known input, and
//! that it never prints.

use super::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Sha256;

const NOW: i64 = 1_795_654_800;

fn creds() -> TwilioCredentials {
    TwilioCredentials {
        account_sid: "AC0123456789abcdef0123456789abcdef".into(),
        api_key_sid: "SK0123456789abcdef0123456789abcdef".into(),
        api_key_secret: SecretString::from("test-api-key-secret"),
        step_up_key: None,
    }
}

fn grants() -> Grants<'static> {
    Grants {
        identity: "acme:u1:web-1",
        room: "acme:class:9f3c2b1a",
    }
}

fn part(jwt: &str, i: usize) -> Value {
    let segment = jwt.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

#[test]
fn the_header_and_claims_are_twilios() {
    let token = mint(&creds(), grants(), 3600, NOW).unwrap();
    assert_eq!(
        part(&token.jwt, 0),
        json!({"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1"})
    );
    assert_eq!(
        part(&token.jwt, 1),
        json!({
            "jti": "SK0123456789abcdef0123456789abcdef-1795654800",
            "iss": "SK0123456789abcdef0123456789abcdef",
            "sub": "AC0123456789abcdef0123456789abcdef",
            "iat": 1_795_654_800,
            "nbf": 1_795_654_800,
            "exp": 1_795_658_400,
            "grants": {
                "identity": "acme:u1:web-1",
                "video": {"room": "acme:class:9f3c2b1a"}
            }
        })
    );
    assert_eq!(token.expires_at, NOW + 3600);
}

/// The whole token for fixed inputs, byte for byte (computed independently: Python's
/// `hmac` and `base64` over the compact JSON of the header and claims above).
#[test]
fn a_known_token_is_minted_byte_for_byte() {
    let token = mint(&creds(), grants(), 3600, NOW).unwrap();
    assert_eq!(
        token.jwt,
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiIsImN0eSI6InR3aWxpby1mcGE7dj0xIn0.\
         eyJqdGkiOiJTSzAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmLTE3OTU2NTQ4MDAiLCJpc3MiOiJT\
         SzAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwic3ViIjoiQUMwMTIzNDU2Nzg5YWJjZGVmMDEy\
         MzQ1Njc4OWFiY2RlZiIsImlhdCI6MTc5NTY1NDgwMCwibmJmIjoxNzk1NjU0ODAwLCJleHAiOjE3OTU2NTg0\
         MDAsImdyYW50cyI6eyJpZGVudGl0eSI6ImFjbWU6dTE6d2ViLTEiLCJ2aWRlbyI6eyJyb29tIjoiYWNtZTpj\
         bGFzczo5ZjNjMmIxYSJ9fX0.AKo__bP_UQ1UkCG8qoJwbd-fGQ-8vDZv3SDy9izycHI"
    );
}

#[test]
fn the_signature_is_hmac_sha256_of_header_and_claims_with_the_key_secret() {
    let token = mint(&creds(), grants(), 60, NOW).unwrap();
    let (signed, signature) = token.jwt.rsplit_once('.').unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(b"test-api-key-secret").unwrap();
    mac.update(signed.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
        .unwrap();
}

#[test]
fn the_same_clock_gives_the_same_token_and_another_key_another_signature() {
    let a = mint(&creds(), grants(), 3600, NOW).unwrap();
    assert_eq!(a.jwt, mint(&creds(), grants(), 3600, NOW).unwrap().jwt);
    let mut other = creds();
    other.api_key_secret = SecretString::from("another-secret");
    let b = mint(&other, grants(), 3600, NOW).unwrap();
    assert_eq!(
        a.jwt.rsplit_once('.').unwrap().0,
        b.jwt.rsplit_once('.').unwrap().0
    );
    assert_ne!(a.jwt, b.jwt);
}

#[test]
fn lifetimes_beyond_twilios_limit_are_refused() {
    assert!(matches!(
        mint(&creds(), grants(), 86_401, NOW),
        Err(TokenError::Lifetime(86_401))
    ));
    assert!(mint(&creds(), grants(), 0, NOW).is_err());
    assert!(mint(&creds(), grants(), 86_400, NOW).is_ok());
}

#[test]
fn debug_output_hides_the_jwt() {
    let token = mint(&creds(), grants(), 60, NOW).unwrap();
    assert!(!format!("{token:?}").contains(&token.jwt));
}
