//! Generated input (proptest): the signature check, the callback parsers behind the real
//! signature check, `json_body`, the form parser, the claims, name, identity, SID and E.164
//! parsers. No input panics; every refusal is a 4xx; what is formatted parses back to itself.
//! `cargo test` runs each property's default 256 cases; `./scripts/fuzz SECONDS [CASES]` runs
//! them over and over (`PROPTEST_CASES` cases a round, fresh random seeds) for as long as asked.

use integration_tests::recordings::composition_status;
use integration_tests::webhook::room_status;
use integration_tests::{PUBLIC_BASE_URL, event, request, test_secret_env, with_claims};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use shared::caller::Caller;
use shared::error::ApiError;
use shared::names::{CompositionSid, E164, Identity, ParticipantSid, RoomName, RoomSid};
use shared::secrets::SecretStore;
use shared::twilio::signature::{Payload, compute, validate};
use shared::webhook::parse_form;

/// A refusal is a 4xx.
fn is_4xx(error: &ApiError) -> bool {
    error.status().is_client_error()
}

/// Text of every kind: any Unicode, or what our names are made of, or near misses of a SID.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_-]{0,70}",
        "(RM|PA|CJ|rm|XX)[0-9a-fA-F]{30,34}",
        "[ -~]{0,20}",
    ]
}

/// Form fields: names Twilio could send (never empty), values of any text.
fn fields() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(("[A-Za-z][A-Za-z0-9]{0,15}|\\PC{1,10}", text()), 0..10)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #[test]
    fn a_form_signed_with_the_token_validates_and_any_change_is_refused(
        token in "[ -~]{1,40}",
        path in "(/[a-z0-9_.-]{1,8}){0,3}(\\?[a-z]{1,4}=[a-z0-9%]{0,6})?",
        params in fields(),
        forged in any::<String>(),
    ) {
        let url = format!("https://video.example.com{path}");
        let signature = compute(&token, &url, &params);
        prop_assert!(validate(&token, &url, Payload::Form(&params), &signature));
        let mut reordered = params.clone();
        reordered.reverse();
        prop_assert!(validate(&token, &url, Payload::Form(&reordered), &signature));
        let (other_token, other_url) = (format!("{token}x"), format!("{url}x"));
        prop_assert!(!validate(&other_token, &url, Payload::Form(&params), &signature));
        prop_assert!(!validate(&token, &other_url, Payload::Form(&params), &signature));
        let mut more = params.clone();
        more.push(("Extra".into(), "1".into()));
        prop_assert!(!validate(&token, &url, Payload::Form(&more), &signature));
        if let Some((_, value)) = more.first_mut().filter(|_| !params.is_empty()) {
            value.push('x');
            more.pop();
            prop_assert!(!validate(&token, &url, Payload::Form(&more), &signature));
        }
        prop_assert_eq!(validate(&token, &url, Payload::Form(&params), &forged), forged == signature);
        prop_assert!(!validate(&token, &url, Payload::Body(forged.as_bytes()), &signature));
    }

    #[test]
    fn any_signed_callback_is_parsed_or_refused_with_a_4xx_never_a_panic(
        event_name in prop_oneof![
            Just("room-created"), Just("room-ended"), Just("participant-connected"),
            Just("recording-started"), Just("track-added"), Just("composition-available"),
            Just("composition-failed"), Just("composition-hook-failed"), Just(""), Just("?"),
        ],
        room_sid in text(),
        composition_sid in text(),
        extra in fields(),
    ) {
        let mut params: Vec<(String, String)> = vec![
            ("StatusCallbackEvent".into(), event_name.into()),
            ("RoomSid".into(), room_sid),
            ("CompositionSid".into(), composition_sid),
        ];
        params.extend(extra);
        let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let secrets = SecretStore::new(None, None, None, std::time::Duration::from_secs(60), test_secret_env);
        let base = url::Url::parse(PUBLIC_BASE_URL).unwrap();
        runtime().block_on(async {
            let room = request(&room_status(&borrowed, None));
            let callback = shared::webhook::verify(&room, Some(&base), &secrets).await;
            let callback = callback.expect("a signed form passes the check");
            prop_assert_eq!(callback.params(), &params[..], "the form parses back to what was signed");
            if let Err(e) = webhook::RoomEvent::parse(&callback) {
                prop_assert!(is_4xx(&e), "{}", e);
            }
            let composition = request(&composition_status(&borrowed, None));
            let callback = shared::webhook::verify(&composition, Some(&base), &secrets).await;
            let callback = callback.expect("a signed form passes the check");
            if let Err(e) = composition::CompositionCallback::parse(&callback) {
                prop_assert!(is_4xx(&e), "{}", e);
            }
            Ok::<(), TestCaseError>(())
        })?;
    }

    #[test]
    fn any_form_body_parses_or_is_refused_and_a_serialized_form_parses_back(
        bytes in vec(any::<u8>(), 0..200),
        text in "[ -~]{0,80}",
        params in vec(("\\PC{1,12}", "\\PC{0,12}"), 0..8),
    ) {
        let _ = parse_form(&bytes);
        let _ = parse_form(text.as_bytes());
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&params).finish();
        prop_assert_eq!(parse_form(body.as_bytes()).unwrap(), params);
    }
}

/// A closed body of the shape the routes take.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    room: Room,
    #[serde(default)]
    device_id: Option<String>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Room {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    max: Option<u32>,
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            btree_map(
                prop_oneof![
                    Just("room".to_string()),
                    Just("type".to_string()),
                    Just("id".to_string()),
                    Just("device_id".to_string()),
                    text()
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn body_request(bytes: Vec<u8>) -> lambda_http::Request {
    http::Request::new(lambda_http::Body::from(bytes))
}

proptest! {
    #[test]
    fn any_json_body_is_read_or_refused_with_a_400_and_a_typed_body_reads_back(
        bytes in vec(any::<u8>(), 0..300),
        value in json_value(),
        kind in text(), id in text(), device in proptest::option::of(text()), max in any::<Option<u32>>(),
    ) {
        for raw in [bytes, value.to_string().into_bytes()] {
            if let Err(e) = shared::http::json_body::<Body>(&body_request(raw)) {
                prop_assert_eq!(e.status().as_u16(), 400);
            }
        }
        let typed = Body { room: Room { kind, id, max }, device_id: device };
        let text = serde_json::to_vec(&typed).unwrap();
        prop_assert_eq!(shared::http::json_body::<Body>(&body_request(text)).unwrap(), typed);
    }

    #[test]
    fn any_claims_give_a_caller_or_a_401(
        claims in btree_map(prop_oneof![Just("tenant".to_string()), Just("sub".to_string()),
            Just("scope".to_string()), Just("phone_number".to_string()),
            Just("phone_number_verified".to_string()), text()], text(), 0..7),
    ) {
        let event = with_claims(event("token"), serde_json::to_value(&claims).unwrap());
        match Caller::from_request(&request(&event), "tenant") {
            Ok(caller) => {
                prop_assert!(shared::names::is_name_part(&caller.tenant));
                prop_assert!(!caller.sub.contains(':'));
                if let Ok(identity) = Identity::for_caller(&caller, None) {
                    prop_assert_eq!(Identity::tenant_and_user(identity.as_str()),
                        Some((caller.tenant.as_str(), caller.sub.as_str())));
                }
            }
            Err(e) => prop_assert_eq!(e.status().as_u16(), 401),
        }
    }

    #[test]
    fn room_names_and_identities_parse_exactly_the_contracts_alphabet_and_round_trip(
        tenant in text(), kind in text(), id in text(), device in text(),
    ) {
        let part = |s: &str| !s.is_empty() && s.len() <= 64
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        let fits = tenant.len() + kind.len() + id.len() + 2 <= 128;
        match RoomName::new(&tenant, &kind, &id, "room") {
            Ok(name) => {
                prop_assert!(part(&tenant) && part(&kind) && part(&id) && fits);
                let text = name.to_string();
                prop_assert_eq!(text.clone(), format!("{tenant}:{kind}:{id}"));
                prop_assert_eq!(RoomName::parse(&text), Some(name));
            }
            Err(e) => {
                prop_assert!(!(part(&tenant) && part(&kind) && part(&id) && fits));
                prop_assert_eq!(e.status().as_u16(), 400);
            }
        }
        if part(&tenant) {
            let caller = integration_tests::verify_token::caller(&tenant, "alice");
            match Identity::for_caller(&caller, Some(&device)) {
                Ok(identity) => {
                    prop_assert!(part(&device) && identity.as_str().len() <= 128);
                    prop_assert_eq!(identity.as_str(), format!("{tenant}:alice:{device}"));
                    prop_assert_eq!(Identity::tenant_and_user(identity.as_str()), Some((tenant.as_str(), "alice")));
                }
                Err(e) => prop_assert_eq!(e.status().as_u16(), 400),
            }
        }
    }

    #[test]
    fn sids_parse_only_their_kinds_prefix_and_32_hex_digits_and_round_trip(s in text()) {
        let hex = |rest: &str| rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit());
        let is = |prefix: &str| s.len() == 34 && s.starts_with(prefix) && hex(&s[2..]);
        match RoomSid::parse(&s, "room_sid") {
            Ok(sid) => { prop_assert!(is("RM")); prop_assert_eq!(sid.to_string(), s.clone()); }
            Err(e) => { prop_assert!(!is("RM")); prop_assert_eq!(e.status().as_u16(), 400); }
        }
        prop_assert_eq!(ParticipantSid::parse(&s, "p").is_ok(), is("PA"));
        prop_assert_eq!(CompositionSid::parse(&s, "c").is_ok(), is("CJ"));
    }

    #[test]
    fn e164_numbers_parse_exactly_and_are_masked_but_for_their_last_two_digits(
        s in prop_oneof![text(), "\\+[0-9]{0,17}", "[0-9+ ()-]{0,18}"],
    ) {
        let digits = s.strip_prefix('+').unwrap_or("-");
        let valid = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        match E164::parse(&s, "phone_number") {
            Ok(number) => {
                prop_assert!(valid);
                prop_assert_eq!(number.as_str(), s.as_str());
                let masked = number.masked();
                prop_assert_eq!(masked.len(), s.len());
                prop_assert_eq!(&masked[masked.len() - 2..], &s[s.len() - 2..]);
                prop_assert!(masked[1..masked.len() - 2].bytes().all(|b| b == b'*'));
                // Debug shows the masked form and nothing else. (Looking for the hidden digits
                // in it found the type's own name: `+16400` hides "164", and Debug said `E164(…)`.)
                prop_assert_eq!(format!("{number:?}"), format!("E164({masked})"));
            }
            Err(e) => { prop_assert!(!valid); prop_assert_eq!(e.status().as_u16(), 400); }
        }
    }
}
