//! Tests of [`super`]: which failures are worth another round, which compositions are not reused,
//! and a base URL's path kept.

use super::*;

fn api(status: u16) -> TwilioError {
    TwilioError::api(status, None, None)
}

#[test]
fn server_failures_and_throttling_are_worth_another_round_but_client_errors_are_not() {
    for status in [429, 500, 502, 503, 504] {
        assert!(worth_another_round(&api(status)), "{status}");
    }
    for status in [400, 401, 404, 409] {
        assert!(!worth_another_round(&api(status)), "{status}");
    }
    assert!(worth_another_round(&TwilioError::Transport {
        maybe_sent: true,
        message: String::new()
    }));
}

#[test]
fn failed_and_deleted_compositions_are_not_reused() {
    let page: Page = serde_json::from_value(serde_json::json!({
        "compositions": [
            {"sid": "CJ1", "status": "failed", "room_sid": "RM1"},
            {"sid": "CJ2", "status": "deleted", "room_sid": "RM1"},
            {"sid": "CJ3", "status": "enqueued", "room_sid": "RM1"}
        ],
        "meta": {"page": 0, "page_size": 50, "key": "compositions"}
    }))
    .unwrap();
    let usable: Vec<_> = page
        .compositions
        .into_iter()
        .filter(Composition::is_usable)
        .map(|c| c.sid)
        .collect();
    assert_eq!(usable, ["CJ3"]);
}

#[test]
fn the_url_keeps_a_base_path() {
    let c = Compositions::new(
        TwilioClient::new(Duration::from_secs(1)).unwrap(),
        Url::parse("http://127.0.0.1:9/prefix/").unwrap(),
    );
    assert_eq!(
        c.url().as_str(),
        "http://127.0.0.1:9/prefix/v1/Compositions"
    );
}
