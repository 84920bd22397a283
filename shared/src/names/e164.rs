//! Phone numbers in E.164, the only form a code or a notification is sent to; never printed in
//! full, not even through `Debug`.

use std::fmt;

use crate::error::ApiError;

/// A phone number in E.164: `+`, a non-zero digit, at most 15 digits in all.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct E164(String);

impl E164 {
    /// Parses an E.164 number; `field` names it in the error.
    pub fn parse(s: &str, field: &str) -> Result<Self, ApiError> {
        let digits = s.strip_prefix('+').unwrap_or("");
        let ok = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(s.to_string()))
        } else {
            Err(ApiError::bad_request(
                "invalid_phone_number",
                format!("{field} must be an E.164 number (+ and up to 15 digits)"),
            ))
        }
    }

    /// The number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but its last two digits hidden, for responses and logs.
    pub fn masked(&self) -> String {
        let keep = 2;
        let digits = self.0.len() - 1;
        format!(
            "+{}{}",
            "*".repeat(digits - keep),
            &self.0[self.0.len() - keep..]
        )
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A full number never reaches a log line, even through Debug.
        write!(f, "E164({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers_are_checked_and_masked() {
        let n = E164::parse("+14155550100", "phone_number").unwrap();
        assert_eq!(n.masked(), "+*********00");
        assert!(!format!("{n:?}").contains("4155550100"));
        for bad in [
            "14155550100",
            "+0123",
            "+1",
            "+1234567890123456",
            "+1415555010a",
        ] {
            assert!(E164::parse(bad, "phone_number").is_err(), "{bad}");
        }
    }
}
