//! The names of API.md, parsed once at the edge: room unique names, identities, Twilio SIDs (one
//! type per kind) and E.164 numbers. Invalid input is a 400 naming the field before anything else runs.

mod e164;
mod sid;

use std::fmt;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::http::path_param;
use lambda_http::Request;

pub use e164::E164;
pub use sid::{
    AccountSid, CompositionSid, KeySid, ParticipantSid, RoomSid, Sid, SidKind, is_sid, kind,
};

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

    /// The caller's tenant's room named by the path parameters `type` and `id` (errors
    /// prefixed `path`).
    pub fn in_path(caller: &Caller, req: &Request) -> Result<Self, ApiError> {
        let (kind, id) = (path_param(req, "type")?, path_param(req, "id")?);
        Self::for_caller(caller, &kind, &id, "path")
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

/// Whether `s` matches `[A-Za-z0-9_-]{1,64}`: the alphabet of tenants, room types and ids, and
/// device ids.
pub fn is_name_part(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> Caller {
        Caller::new("acme", "u1")
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
}
