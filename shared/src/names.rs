//! The names of API.md, parsed once at the edge: room unique names, identities, Twilio SIDs (one
//! type per kind) and E.164 numbers. Invalid input is a 400 naming the field before anything else runs.

use std::fmt;
use std::marker::PhantomData;

use crate::caller::Caller;
use crate::error::ApiError;

/// The longest room unique name or identity API.md allows.
pub const MAX_NAME_LEN: usize = 128;

/// A room's unique name, `{tenant}:{type}:{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoomName {
    tenant: String,
    kind: String,
    id: String,
}

impl RoomName {
    /// The caller's tenant's room of `kind` and `id`; `field` prefixes error messages
    /// (e.g. `room` gives `room.type`).
    pub fn for_caller(
        caller: &Caller,
        kind: &str,
        id: &str,
        field: &str,
    ) -> Result<Self, ApiError> {
        Self::new(&caller.tenant, kind, id, field)
    }

    /// A room name from its parts, each checked.
    pub fn new(tenant: &str, kind: &str, id: &str, field: &str) -> Result<Self, ApiError> {
        for (name, value) in [("type", kind), ("id", id)] {
            if !is_name_part(value) {
                return Err(ApiError::bad_request(
                    "invalid_room",
                    format!("{field}.{name} must match [A-Za-z0-9_-]{{1,64}}"),
                ));
            }
        }
        if !is_name_part(tenant) {
            return Err(ApiError::bad_request(
                "invalid_room",
                "the tenant must match [A-Za-z0-9_-]{1,64}",
            ));
        }
        let name = Self {
            tenant: tenant.into(),
            kind: kind.into(),
            id: id.into(),
        };
        if name.to_string().len() > MAX_NAME_LEN {
            return Err(ApiError::bad_request(
                "invalid_room",
                format!("the room name {field} gives is longer than {MAX_NAME_LEN} characters"),
            ));
        }
        Ok(name)
    }

    /// Parses a unique name as Twilio reports it; `None` if it is not one of ours.
    pub fn parse(unique_name: &str) -> Option<Self> {
        let mut parts = unique_name.split(':');
        let (tenant, kind, id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        Self::new(tenant, kind, id, "room").ok()
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The room type (our `type`, not Twilio's room type).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The room id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for RoomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.tenant, self.kind, self.id)
    }
}

/// A participant identity, `{tenant}:{sub}` or `{tenant}:{sub}:{device_id}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identity(String);

impl Identity {
    /// The caller's identity, with an optional device id (field `device_id`).
    pub fn for_caller(caller: &Caller, device_id: Option<&str>) -> Result<Self, ApiError> {
        let mut identity = format!("{}:{}", caller.tenant, caller.sub);
        if let Some(device) = device_id {
            if !is_name_part(device) {
                return Err(ApiError::bad_request(
                    "invalid_device_id",
                    "device_id must match [A-Za-z0-9_-]{1,64}",
                ));
            }
            identity.push(':');
            identity.push_str(device);
        }
        if identity.len() > MAX_NAME_LEN {
            return Err(ApiError::bad_request(
                "invalid_device_id",
                format!("the identity would be longer than {MAX_NAME_LEN} characters"),
            ));
        }
        Ok(Self(identity))
    }

    /// The tenant and user of an identity Twilio reports; `None` if it is not one of ours.
    pub fn tenant_and_user(identity: &str) -> Option<(&str, &str)> {
        let mut parts = identity.splitn(3, ':');
        let tenant = parts.next()?;
        let user = parts.next()?;
        (is_name_part(tenant) && !user.is_empty()).then_some((tenant, user))
    }

    /// The identity text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

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

/// Whether `s` matches `[A-Za-z0-9_-]{1,64}`: the alphabet of tenants, room types and ids, and
/// device ids.
pub fn is_name_part(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

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

    fn caller() -> Caller {
        Caller {
            tenant: "acme".into(),
            sub: "u1".into(),
            scopes: vec![],
            phone_number: None,
            phone_number_verified: false,
            email: None,
            email_verified: false,
        }
    }

    #[test]
    fn room_names_are_tenant_scoped_and_checked() {
        let name = RoomName::for_caller(&caller(), "class", "9f3c2b1a", "room").unwrap();
        assert_eq!(name.to_string(), "acme:class:9f3c2b1a");
        assert_eq!(RoomName::parse("acme:class:9f3c2b1a"), Some(name));
        assert!(RoomName::parse("acme:class").is_none());
        assert!(RoomName::parse("acme:class:a:b").is_none());
        let err = RoomName::for_caller(&caller(), "cla ss", "x", "room").unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.to_string().contains("room.type"));
        assert!(RoomName::for_caller(&caller(), &"a".repeat(64), &"b".repeat(64), "room").is_err());
    }

    #[test]
    fn identities_carry_tenant_user_and_device() {
        assert_eq!(
            Identity::for_caller(&caller(), None).unwrap().as_str(),
            "acme:u1"
        );
        assert_eq!(
            Identity::for_caller(&caller(), Some("web-1"))
                .unwrap()
                .as_str(),
            "acme:u1:web-1"
        );
        assert!(Identity::for_caller(&caller(), Some("web:1")).is_err());
        assert_eq!(
            Identity::tenant_and_user("acme:u1:web-1"),
            Some(("acme", "u1"))
        );
    }

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
