//! Tests of [`super`]: the defaults of the contract, and each bound or malformed value stopping
//! start-up with an error that names its variable.

use super::*;
use std::collections::HashMap;

fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| map.get(k).cloned())
}

/// Asserts that `var=value` stops start-up with an error naming `var`, and returns it.
fn refused(var: &str, value: &str) -> ConfigError {
    let err = config(&[(var, value)]).unwrap_err();
    assert_eq!(err.var, var, "{var}={value}");
    err
}

#[test]
fn defaults_follow_the_contract() {
    let c = config(&[]).unwrap();
    assert_eq!(c.video_token_ttl_seconds, 3600);
    assert_eq!(c.video_room_type, "group");
    assert_eq!(c.video_max_participants, 25);
    assert_eq!(c.step_up_ttl_seconds, 600);
    assert_eq!(c.tenant_claim, "tenant");
    assert_eq!(c.admin_scope, "video:admin");
    assert_eq!(c.secrets_cache_ttl_seconds, 300);
    assert_eq!(
        c.verify_limits,
        VerifyLimits {
            per_user: 5,
            user_window_seconds: 600,
            per_destination: 5,
            destination_window_seconds: 3600
        }
    );
    assert_eq!(c.video_base_url.as_str(), "https://video.twilio.com/");
    assert!(c.table_name.is_none());
    assert_eq!(c.recording_times.reconcile_after_seconds, 300);
    assert_eq!(c.recording_times.stuck_after_seconds, 7200);
}

#[test]
fn the_reconcilers_timings_are_bounded_and_a_missing_messaging_service_is_named() {
    refused("COMPOSITION_STUCK_AFTER_SECONDS", "0");
    refused("RECONCILE_AFTER_SECONDS", "604801");
    let c = config(&[("RECONCILE_AFTER_SECONDS", "0")]).unwrap();
    assert_eq!(c.recording_times.reconcile_after_seconds, 0);
    let err = c.require_messaging_service_sid().unwrap_err();
    assert_eq!(err.var, "TWILIO_MESSAGING_SERVICE_SID");
}

#[test]
fn a_token_lifetime_above_twilios_limit_stops_start_up() {
    refused("VIDEO_TOKEN_TTL_SECONDS", "86401");
    assert!(config(&[("VIDEO_TOKEN_TTL_SECONDS", "86400")]).is_ok());
}

#[test]
fn the_secrets_cache_ttl_is_bounded() {
    assert_eq!(
        config(&[("SECRETS_CACHE_TTL_SECONDS", "0")])
            .unwrap()
            .secrets_cache_ttl_seconds,
        0
    );
    refused("SECRETS_CACHE_TTL_SECONDS", "3601");
}

#[test]
fn an_unparsable_number_names_its_variable() {
    let err = refused("STEP_UP_TTL_SECONDS", "ten");
    assert!(err.to_string().contains("STEP_UP_TTL_SECONDS"));
}

#[test]
fn sids_and_urls_are_checked() {
    refused(
        "TWILIO_VERIFY_SERVICE_SID",
        "MG00000000000000000000000000000000",
    );
    refused("PUBLIC_BASE_URL", "video.example.com");
    refused("VIDEO_MAX_PARTICIPANTS", "51");
}

#[test]
fn only_group_rooms_are_accepted() {
    assert_eq!(
        config(&[("VIDEO_ROOM_TYPE", "group")])
            .unwrap()
            .video_room_type,
        "group"
    );
    for deprecated in ["go", "peer-to-peer", "group-small"] {
        let err = refused("VIDEO_ROOM_TYPE", deprecated);
        assert!(err.to_string().contains("deprecated"), "{err}");
    }
    assert!(config(&[("VIDEO_ROOM_TYPE", "huge")]).is_err());
}

#[test]
fn verify_limits_are_configurable_and_never_zero() {
    let c = config(&[
        ("VERIFY_SENDS_PER_USER", "2"),
        ("VERIFY_DESTINATION_WINDOW_SECONDS", "60"),
    ])
    .unwrap();
    assert_eq!(c.verify_limits.per_user, 2);
    assert_eq!(c.verify_limits.destination_window_seconds, 60);
    refused("VERIFY_SENDS_PER_DESTINATION", "0");
}

#[test]
fn public_urls_join_without_double_slashes() {
    let c = config(&[("PUBLIC_BASE_URL", "https://video.example.com/")]).unwrap();
    assert_eq!(
        c.public_url("/twilio/room-status").unwrap(),
        "https://video.example.com/twilio/room-status"
    );
    assert!(config(&[]).unwrap().public_url("/x").is_err());
}
