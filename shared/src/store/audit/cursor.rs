//! A place in a room's list of audit entries, and the opaque text clients page on with
//! (`next`): base64url, without padding, of `{microseconds}.{id}`.
//!
//! It names a position only, never a tenant or a room: the list it applies to is always the
//! caller's own tenant's, so a cursor cannot lead anyone into another tenant's entries.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A place in a room's list: the page after it starts with the next older entry. Cursors
/// order as entries are listed: by time, then id.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AuditCursor {
    /// Microseconds since the Unix epoch.
    pub time_micros: i64,
    /// The entry id.
    pub id: String,
}

impl AuditCursor {
    /// The opaque text clients pass back as `next`.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.time_micros, self.id))
    }

    /// Reads a cursor made by [`AuditCursor::encode`]; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > 96 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(text).ok()?;
        let raw = std::str::from_utf8(&raw).ok()?;
        let (time, id) = raw.split_once('.')?;
        let digits_ok = (1..=17).contains(&time.len()) && time.bytes().all(|b| b.is_ascii_digit());
        let id_ok = id.len() == 32
            && id
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !digits_ok || !id_ok {
            return None;
        }
        Some(Self {
            time_micros: time.parse().ok()?,
            id: id.to_string(),
        })
    }
}

impl fmt::Display for AuditCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::{AuditAction, AuditEntry};

    #[test]
    fn a_cursor_encodes_as_base64url_of_time_and_id() {
        let cursor = AuditCursor {
            time_micros: 1_795_654_800_000_001,
            id: "0123456789abcdef0123456789abcdef".into(),
        };
        // base64.urlsafe_b64encode(b"1795654800000001.0123456789abcdef0123456789abcdef"),
        // without its padding.
        let text = "MTc5NTY1NDgwMDAwMDAwMS4wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg";
        assert_eq!(cursor.encode(), text);
        assert_eq!(cursor.to_string(), text);
        assert_eq!(AuditCursor::parse(text), Some(cursor));
    }

    #[test]
    fn a_cursor_round_trips_and_anything_else_is_refused() {
        let entry = AuditEntry::new("acme", "u1", AuditAction::CompleteRoom);
        let cursor = entry.position();
        assert_eq!(AuditCursor::parse(&cursor.encode()), Some(cursor));
        for bad in [
            "",
            "not base64!",
            &URL_SAFE_NO_PAD.encode("123"),
            &URL_SAFE_NO_PAD.encode("12.XYZ"),
            &URL_SAFE_NO_PAD.encode(format!("-1.{}", "a".repeat(32))),
            &URL_SAFE_NO_PAD.encode(format!("1.{}", "A".repeat(32))),
            &URL_SAFE_NO_PAD.encode(format!("{}.{}", "9".repeat(18), "a".repeat(32))),
        ] {
            assert_eq!(AuditCursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn cursors_order_by_time_then_id() {
        let at = |time_micros, id: &str| AuditCursor {
            time_micros,
            id: id.repeat(32),
        };
        assert!(at(999, "b") < at(1_000, "a"));
        assert!(at(1_000, "a") < at(1_000, "b"));
    }
}
