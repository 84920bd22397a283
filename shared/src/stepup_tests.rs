//! Tests of [`super`]: a proof checks only for its own user until it expires, altered proofs fail,
//! the key never prints, and refusals are 401 or 403.

use super::*;

const NOW: i64 = 1_795_654_800;

fn caller(tenant: &str, sub: &str) -> Caller {
    Caller::new(tenant, sub)
}

fn key() -> StepUpKey {
    StepUpKey::from_secret(b"test-api-key-secret")
}

#[test]
fn a_proof_checks_for_its_own_user_until_it_expires() {
    let alice = caller("acme", "alice");
    let proof = key().issue(&alice, NOW, 600);
    assert_eq!(proof.expires_at, NOW + 600);
    assert_eq!(
        key().check(&proof.token, &alice, NOW + 599),
        Ok(Verified {
            expires_at: NOW + 600
        })
    );
    assert_eq!(
        key().check(&proof.token, &alice, NOW + 600),
        Err(StepUpError::Expired)
    );
}

#[test]
fn a_proof_of_another_user_or_tenant_is_refused() {
    let proof = key().issue(&caller("acme", "alice"), NOW, 600);
    assert_eq!(
        key().check(&proof.token, &caller("acme", "bob"), NOW),
        Err(StepUpError::OtherUser)
    );
    assert_eq!(
        key().check(&proof.token, &caller("globex", "alice"), NOW),
        Err(StepUpError::OtherUser)
    );
}

#[test]
fn altered_or_foreign_proofs_are_invalid() {
    let alice = caller("acme", "alice");
    let proof = key().issue(&alice, NOW, 600);
    // Another key (a rotated API key secret) does not accept it.
    assert_eq!(
        StepUpKey::from_secret(b"rotated").check(&proof.token, &alice, NOW),
        Err(StepUpError::Invalid)
    );
    // Claims rewritten to another user, or a longer expiry, keep the old MAC: refused.
    let (_, claims_and_tag) = proof.token.split_once('.').unwrap();
    let (_, tag) = claims_and_tag.split_once('.').unwrap();
    for claims in [
        serde_json::json!({"ten":"acme","sub":"alice","exp": NOW + 86_400,"jti":"x"}),
        serde_json::json!({"ten":"acme","sub":"bob","exp": NOW + 600,"jti":"x"}),
    ] {
        let forged = format!("v1.{}.{tag}", URL_SAFE_NO_PAD.encode(claims.to_string()));
        assert_eq!(key().check(&forged, &alice, NOW), Err(StepUpError::Invalid));
    }
    for junk in [
        "v1",
        "v1..",
        "v2.abc.def",
        "not a proof",
        &"a".repeat(2000),
        &proof.token.replacen("v1", "v2", 1),
    ] {
        assert_eq!(
            key().check(junk, &alice, NOW),
            Err(StepUpError::Invalid),
            "{junk}"
        );
    }
    assert_eq!(key().check("  ", &alice, NOW), Err(StepUpError::Missing));
}

#[test]
fn each_proof_is_unique_and_the_key_never_prints() {
    let alice = caller("acme", "alice");
    assert_ne!(
        key().issue(&alice, NOW, 600).token,
        key().issue(&alice, NOW, 600).token
    );
    assert_eq!(format!("{:?}", key()), "StepUpKey([redacted])");
}

#[test]
fn a_carried_step_up_key_is_the_derived_key_it_was_seeded_with() {
    let creds = |secret: &str, step_up_key: Option<StepUpKey>| TwilioCredentials {
        account_sid: "AC00000000000000000000000000000001".into(),
        api_key_sid: "SK00000000000000000000000000000001".into(),
        api_key_secret: secret.to_string().into(),
        step_up_key,
    };
    let alice = caller("acme", "alice");
    let before = creds("old-secret", None);
    let proof = StepUpKey::derive(&before).issue(&alice, NOW, 600);
    // What rotation writes into the new version, read back as a function reads it.
    let field = StepUpKey::derive(&before).to_field();
    let json = serde_json::json!(field.expose_secret());
    let carried: StepUpKey = serde_json::from_value(json).unwrap();
    let after = creds("new-secret", Some(carried));
    assert!(
        StepUpKey::derive(&after)
            .check(&proof.token, &alice, NOW)
            .is_ok()
    );
    // Without the carried key, the new API key secret would have voided the proof.
    assert_eq!(
        StepUpKey::derive(&creds("new-secret", None)).check(&proof.token, &alice, NOW),
        Err(StepUpError::Invalid)
    );
    let bad: Result<StepUpKey, _> = serde_json::from_value(serde_json::json!("c2hvcnQ"));
    assert!(!bad.err().unwrap().to_string().contains("c2hvcnQ"));
}

#[test]
fn refusals_map_to_401_and_403() {
    assert_eq!(ApiError::from(StepUpError::Missing).status(), 401);
    assert_eq!(ApiError::from(StepUpError::Invalid).status(), 401);
    assert_eq!(ApiError::from(StepUpError::OtherUser).status(), 403);
    assert_eq!(ApiError::from(StepUpError::Expired).status(), 403);
}
