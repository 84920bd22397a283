//! Twilio SIDs, one type per kind (`RoomSid`, `ParticipantSid`, …) so that two cannot be
//! swapped: a kind's two-letter prefix and 32 hex digits, checked once at the edge.

use std::fmt;
use std::marker::PhantomData;

use crate::error::ApiError;

/// What a kind of Twilio SID is: its two-letter prefix.
pub trait SidKind {
    /// `RM`, `PA`, `CJ`, …
    const PREFIX: &'static str;
}

/// The kinds of SID this system handles, each its own type so that two cannot be swapped.
pub mod kind {
    macro_rules! kinds {
        ($($(#[$doc:meta])* $name:ident = $prefix:literal;)*) => {$(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum $name {}
            impl super::SidKind for $name {
                const PREFIX: &'static str = $prefix;
            }
        )*};
    }
    kinds! {
        /// An account, `AC…`.
        Account = "AC";
        /// An API key, `SK…`.
        Key = "SK";
        /// A room, `RM…`.
        Room = "RM";
        /// A participant, `PA…`.
        Participant = "PA";
        /// A composition, `CJ…`.
        Composition = "CJ";
        /// A Verify service, `VA…`.
        VerifyService = "VA";
        /// A Messaging service, `MG…`.
        MessagingService = "MG";
    }
}

/// A Twilio SID of kind `K`: its prefix and 32 hex digits, checked once at the edge.
pub struct Sid<K>(String, PhantomData<K>);

/// A room SID.
pub type RoomSid = Sid<kind::Room>;
/// A participant SID.
pub type ParticipantSid = Sid<kind::Participant>;
/// A composition SID.
pub type CompositionSid = Sid<kind::Composition>;
/// An account SID.
pub type AccountSid = Sid<kind::Account>;
/// An API key SID.
pub type KeySid = Sid<kind::Key>;

impl<K: SidKind> Sid<K> {
    /// Parses `s` as a SID of this kind; `field` names it in the error.
    pub fn parse(s: &str, field: &str) -> Result<Self, ApiError> {
        Self::try_from_str(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_sid",
                format!(
                    "{field} must be a Twilio SID: {} and 32 hex digits",
                    K::PREFIX
                ),
            )
        })
    }

    /// `Some` when `s` is a SID of this kind.
    pub fn try_from_str(s: &str) -> Option<Self> {
        is_sid(s, K::PREFIX).then(|| Self(s.to_string(), PhantomData))
    }

    /// The SID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Derives would demand the same of `K`, an uninhabited marker; these hold for every kind.
impl<K> Clone for Sid<K> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), PhantomData)
    }
}
impl<K> PartialEq for Sid<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl<K> Eq for Sid<K> {}
impl<K> std::hash::Hash for Sid<K> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state)
    }
}
impl<K> fmt::Debug for Sid<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl<K> fmt::Display for Sid<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `s` is a Twilio SID of the given two-letter prefix: the prefix and 32 hex digits.
pub fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_are_checked() {
        assert!(RoomSid::parse("RM0123456789abcdef0123456789abcdef", "room_sid").is_ok());
        assert!(RoomSid::parse("PA0123456789abcdef0123456789abcdef", "room_sid").is_err());
        let err = ParticipantSid::parse("RM0123456789abcdef0123456789abcdef", "participant_sid");
        assert!(
            err.unwrap_err()
                .to_string()
                .contains("participant_sid must be a Twilio SID: PA")
        );
        assert!(!is_sid("RM0123456789abcdef0123456789abcdeg", "RM"));
    }
}
