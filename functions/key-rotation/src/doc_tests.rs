//! Tests of [`super`]: a successor version retires the old key and keeps unknown fields, the step-up
//! key is seeded once then carried, and secrets never print.

use super::*;
use serde_json::json;

const OLD: &str = "SK00000000000000000000000000000001";
const NEW: &str = "SK00000000000000000000000000000002";
const GONE: &str = "SK00000000000000000000000000000003";
const KEPT: &str = "SK00000000000000000000000000000004";

fn doc(extra: Value) -> KeyDoc {
    let mut v = json!({"account_sid":"AC00000000000000000000000000000001",
        "api_key_sid": OLD, "api_key_secret": "old-secret", "owner": "ops"});
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    KeyDoc::parse("id", &SecretString::from(v.to_string())).unwrap()
}

fn new_key() -> NewKey {
    serde_json::from_value(json!({"sid": NEW, "secret": "new-secret"})).unwrap()
}

#[test]
fn a_successor_retires_the_old_key_keeps_live_retirees_and_unknown_fields() {
    let old = doc(json!({"retired_keys": [
        {"sid": GONE, "demoted_at": 5}, {"sid": KEPT, "demoted_at": 7}]}));
    let alive = HashSet::from([OLD.to_string(), KEPT.to_string()]);
    let next = old.successor(&new_key(), "event-1", 100, &alive);
    assert_eq!(next.key_sid(), NEW);
    assert_eq!(next.rotated_by(), Some("event-1"));
    assert_eq!(
        next.retired(),
        &[
            Retired {
                sid: KEPT.into(),
                demoted_at: 7
            },
            Retired {
                sid: OLD.into(),
                demoted_at: 100
            }
        ]
    );
    let stored = KeyDoc::parse("id", &next.to_secret()).unwrap();
    assert_eq!(stored.retired(), next.retired());
    assert_eq!(stored.fields["owner"], "ops");
    assert_eq!(
        stored.credentials().api_key_secret.expose_secret(),
        "new-secret"
    );
    assert_eq!(stored.demoted_at(OLD, 200).retired()[1].demoted_at, 200);
}

#[test]
fn the_step_up_key_is_seeded_from_the_old_secret_then_carried_unchanged() {
    let old = doc(json!({}));
    let alive = HashSet::new();
    let first = old.successor(&new_key(), "e1", 1, &alive);
    let seeded = StepUpKey::derive(old.credentials()).to_field();
    assert_eq!(first.fields["step_up_key"], seeded.expose_secret());
    let again: NewKey = serde_json::from_value(json!({"sid": GONE, "secret": "third"})).unwrap();
    let second = KeyDoc::parse("id", &first.to_secret())
        .unwrap()
        .successor(&again, "e2", 2, &alive);
    assert_eq!(second.fields["step_up_key"], seeded.expose_secret());
}

#[test]
fn secrets_never_print() {
    let next = doc(json!({})).successor(&new_key(), "e1", 1, &HashSet::new());
    let printed = format!("{next:?}");
    assert!(!printed.contains("secret\"") && !printed.contains("new-secret"));
    assert!(!printed.contains(next.fields["step_up_key"].as_str().unwrap()));
    assert!(printed.contains(NEW));
}
