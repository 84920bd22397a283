//! Time as the code keeps it: Unix seconds (milliseconds where a lock needs them) inside, RFC 3339
//! in UTC in responses (API.md). Every conversion from `SystemTime` is here.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds since the Unix epoch; 0 for a time before it, which no clock of ours reports.
pub fn unix_seconds(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch; 0 for a time before it.
pub fn unix_millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Now, in Unix seconds.
pub fn now_unix() -> i64 {
    unix_seconds(SystemTime::now())
}

/// Unix seconds as an RFC 3339 string in UTC (`2026-11-26T01:00:00Z`).
pub fn rfc3339(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        // Out of range only for times no caller of ours produces; an empty field beats a panic.
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_are_rfc3339_in_utc() {
        assert_eq!(rfc3339(1_795_654_800), "2026-11-26T01:00:00Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn system_times_count_from_the_epoch_and_never_go_below_it() {
        let t = UNIX_EPOCH + Duration::from_millis(1_795_654_800_123);
        assert_eq!(unix_seconds(t), 1_795_654_800);
        assert_eq!(unix_millis(t), 1_795_654_800_123);
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!((unix_seconds(before), unix_millis(before)), (0, 0));
    }
}
