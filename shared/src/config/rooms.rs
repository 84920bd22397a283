//! How rooms come to exist and how long what we keep of them lasts (API.md, README
//! "Configuration"): `ROOM_CREATION`, `RECORD_ROOMS_ON_JOIN`, `ROOM_CONFIRM_AFTER_SECONDS`,
//! `ROOM_RETENTION_DAYS` and `AUDIT_RETENTION_DAYS`.

use std::time::Duration;

use super::ConfigError;
use super::env::Env;

/// Who creates rooms (`ROOM_CREATION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomCreation {
    /// `on_join` (the default): `/video/token` creates the room when none of that name is in
    /// progress.
    OnJoin,
    /// `admin`: only rooms created through `/admin/rooms` get tokens.
    Admin,
}

/// The rules `/video/token` follows for the room it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoomPolicy {
    /// `ROOM_CREATION`.
    pub creation: RoomCreation,
    /// `RECORD_ROOMS_ON_JOIN`, default false: whether rooms created on join record.
    pub record_on_join: bool,
    /// `ROOM_CONFIRM_AFTER_SECONDS`, default 600: a join to a room we last saw in progress
    /// longer ago than this asks Twilio once whether it still is, so a lost `room-ended`
    /// callback cannot leave a room name pointing at an ended room.
    pub confirm_after_seconds: u64,
}

/// How long items are kept before the table's TTL deletes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// `ROOM_RETENTION_DAYS`, default 400: a room's record, owner, name and participants, counted
    /// from their last change. Recording access needs the owner and the participants.
    pub rooms: Duration,
    /// `AUDIT_RETENTION_DAYS`, default 365: an audit entry, counted from its time.
    pub audit: Duration,
}

/// The documented default of `ROOM_RETENTION_DAYS`.
pub const ROOM_RETENTION_DAYS: u64 = 400;
/// The documented default of `AUDIT_RETENTION_DAYS`: the audit log's own.
pub const AUDIT_RETENTION_DAYS: u64 = crate::store::audit::RETENTION.as_secs() / DAY;
/// The longest retention accepted: ten years.
const MAX_RETENTION_DAYS: u64 = 3_650;
const DAY: u64 = 86_400;

impl Default for Retention {
    fn default() -> Self {
        Self {
            rooms: Duration::from_secs(ROOM_RETENTION_DAYS * DAY),
            audit: crate::store::audit::RETENTION,
        }
    }
}

impl RoomPolicy {
    pub(super) fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        let creation = match env
            .one_of("ROOM_CREATION", "on_join", &["on_join", "admin"])?
            .as_str()
        {
            "admin" => RoomCreation::Admin,
            _ => RoomCreation::OnJoin,
        };
        let record_on_join =
            env.one_of("RECORD_ROOMS_ON_JOIN", "false", &["true", "false"])? == "true";
        let confirm_after_seconds = env.parse_or("ROOM_CONFIRM_AFTER_SECONDS", 600u64)?;
        if !(10..=86_400).contains(&confirm_after_seconds) {
            return Err(ConfigError::new(
                "ROOM_CONFIRM_AFTER_SECONDS",
                "must be between 10 and 86400",
            ));
        }
        Ok(Self {
            creation,
            record_on_join,
            confirm_after_seconds,
        })
    }
}

impl Retention {
    pub(super) fn from_env(env: &Env<'_>) -> Result<Self, ConfigError> {
        let days = |name: &'static str, default: u64| {
            let value = env.parse_or(name, default)?;
            if !(1..=MAX_RETENTION_DAYS).contains(&value) {
                return Err(ConfigError::new(
                    name,
                    format!("must be between 1 and {MAX_RETENTION_DAYS} days"),
                ));
            }
            Ok(Duration::from_secs(value * DAY))
        };
        Ok(Self {
            rooms: days("ROOM_RETENTION_DAYS", ROOM_RETENTION_DAYS)?,
            audit: days("AUDIT_RETENTION_DAYS", AUDIT_RETENTION_DAYS)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<(RoomPolicy, Retention), ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |k: &str| map.get(k).cloned();
        let env = Env(&lookup);
        Ok((RoomPolicy::from_env(&env)?, Retention::from_env(&env)?))
    }

    #[test]
    fn rooms_are_created_on_join_unrecorded_and_kept_400_days_by_default() {
        let (policy, retention) = read(&[]).unwrap();
        assert_eq!(policy.creation, RoomCreation::OnJoin);
        assert!(!policy.record_on_join);
        assert_eq!(policy.confirm_after_seconds, 600);
        assert_eq!(retention, Retention::default());
        assert_eq!(retention.rooms.as_secs(), 400 * 86_400);
        assert_eq!(retention.audit.as_secs(), 365 * 86_400);
    }

    #[test]
    fn each_room_variable_is_read_and_a_bad_value_names_it() {
        let (policy, retention) = read(&[
            ("ROOM_CREATION", "admin"),
            ("RECORD_ROOMS_ON_JOIN", "true"),
            ("ROOM_CONFIRM_AFTER_SECONDS", "60"),
            ("ROOM_RETENTION_DAYS", "30"),
            ("AUDIT_RETENTION_DAYS", "2555"),
        ])
        .unwrap();
        assert_eq!(policy.creation, RoomCreation::Admin);
        assert!(policy.record_on_join);
        assert_eq!(policy.confirm_after_seconds, 60);
        assert_eq!(retention.rooms.as_secs(), 30 * 86_400);
        assert_eq!(retention.audit.as_secs(), 2555 * 86_400);
        for (name, bad) in [
            ("ROOM_CREATION", "on-join"),
            ("ROOM_CREATION", "client"),
            ("RECORD_ROOMS_ON_JOIN", "yes"),
            ("RECORD_ROOMS_ON_JOIN", "1"),
            ("ROOM_CONFIRM_AFTER_SECONDS", "0"),
            ("ROOM_CONFIRM_AFTER_SECONDS", "86401"),
            ("ROOM_RETENTION_DAYS", "0"),
            ("ROOM_RETENTION_DAYS", "3651"),
            ("ROOM_RETENTION_DAYS", "a year"),
            ("AUDIT_RETENTION_DAYS", "-1"),
        ] {
            let err = read(&[(name, bad)]).unwrap_err();
            assert_eq!(err.var, name, "{name}={bad}");
        }
    }
}
