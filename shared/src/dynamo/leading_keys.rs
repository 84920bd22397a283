//! The `dynamodb:LeadingKeys` patterns of `access::FUNCTIONS` checked against the key layout
//! (`keys`): each pattern must match the partition key of an item kind that exists, so a
//! renamed prefix cannot leave a policy granting nothing (or the wrong items).

use super::PK;
use super::keys::Key;
use crate::store::audit::AuditCursor;

/// The partition key of one item of each kind.
fn partitions() -> Vec<(&'static str, String)> {
    let at = AuditCursor {
        time_micros: 1,
        id: "id".into(),
    };
    let pk = |key: Key| match key.into_item().remove(PK) {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(s)) => s,
        other => panic!("partition key {other:?}"),
    };
    vec![
        ("room record", pk(Key::room("RM1"))),
        ("room owner", pk(Key::owner("RM1"))),
        ("composition record", pk(Key::composition("RM1"))),
        (
            "latest recording",
            pk(Key::latest_recording("acme:class:1")),
        ),
        ("owed composition", pk(Key::owed_composition("RM1"))),
        (
            "idempotency record",
            pk(Key::idempotency("composition:RM1")),
        ),
        (
            "key rotation claim",
            pk(Key::idempotency("key-rotation#tag#lock")),
        ),
        (
            "rate-limit counter",
            pk(Key::rate_window("verify:user:acme:u", 0)),
        ),
        ("audit entry", pk(Key::audit("acme", Some("RM1"), &at))),
        ("system audit entry", pk(Key::audit("~system", None, &at))),
    ]
}

/// IAM's `StringLike`: `*` any run of characters, `?` any one.
fn like(pattern: &str, value: &str) -> bool {
    match pattern.chars().next() {
        None => value.is_empty(),
        Some('*') => (0..=value.len())
            .filter(|i| value.is_char_boundary(*i))
            .any(|i| like(&pattern[1..], &value[i..])),
        Some(c) => {
            let mut rest = value.chars();
            match rest.next() {
                Some(v) if c == '?' || c == v => like(&pattern[c.len_utf8()..], rest.as_str()),
                _ => false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::FUNCTIONS;

    #[test]
    fn like_matches_as_iam_string_like_does() {
        assert!(like("room#*", "room#RM1"));
        assert!(like("audit#~system#-", "audit#~system#-"));
        assert!(!like("audit#~system#-", "audit#~system#RM1"));
        assert!(like("idem#key-rotation#*", "idem#key-rotation#t#lock"));
        assert!(!like("idem#key-rotation#*", "idem#composition:RM1"));
        assert!(like("r?#*", "rl#x"));
    }

    #[test]
    fn every_leading_key_pattern_matches_an_item_kind_of_the_layout() {
        let kinds = partitions();
        for access in FUNCTIONS {
            for (pattern, _) in access.items {
                let matched: Vec<&str> = kinds
                    .iter()
                    .filter(|(_, pk)| like(pattern, pk))
                    .map(|(kind, _)| *kind)
                    .collect();
                assert!(
                    !matched.is_empty(),
                    "{}: {pattern} matches no item kind",
                    access.function
                );
            }
        }
    }

    #[test]
    fn key_rotation_patterns_match_only_its_own_claims_and_audit_partition() {
        let kinds = partitions();
        let rotation = crate::access::of("key-rotation").unwrap();
        for (pattern, _) in rotation.items {
            for (kind, pk) in &kinds {
                if like(pattern, pk) {
                    assert!(
                        ["key rotation claim", "system audit entry"].contains(kind),
                        "{pattern} also matches {kind}"
                    );
                }
            }
        }
    }
}
