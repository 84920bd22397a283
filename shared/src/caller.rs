//! The caller, as the API Gateway HTTP API's JWT authorizer describes it in the request context.
//!
//! Claims are parsed once here into a [`Caller`]; a missing tenant or `sub` claim is a
//! `401 missing_claim` ([`missing_claim`]), a request without an authorizer's claims a
//! `401 unauthorized` ([`unauthenticated`], which the local API's emulated authorizer answers
//! too). The tenant is checked against the same alphabet as room ids, because it becomes the
//! first part of every room name and identity (`{tenant}:…`) and so must not contain `:`.

use std::fmt;

use lambda_http::{Request, RequestExt};

use crate::config::Config;
use crate::error::ApiError;
use crate::names::{E164, is_name_part};

/// The `phone_number` claim, parsed once here.
#[derive(Clone, PartialEq, Eq)]
pub enum PhoneClaim {
    /// A valid E.164 number.
    Valid(E164),
    /// A claim that is not E.164 (kept apart from a missing one: the answer differs).
    Invalid,
}

impl PhoneClaim {
    /// Parses the claim's text.
    pub fn parse(raw: &str) -> Self {
        E164::parse(raw, "phone_number").map_or(Self::Invalid, Self::Valid)
    }

    /// The number, when the claim is valid.
    pub fn valid(&self) -> Option<&E164> {
        match self {
            Self::Valid(number) => Some(number),
            Self::Invalid => None,
        }
    }
}

impl fmt::Debug for PhoneClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Valid(number) => write!(f, "{number:?}"),
            Self::Invalid => f.write_str("Invalid"),
        }
    }
}

/// The authenticated caller. Its `Debug` hides the email address (the number's own `Debug`
/// masks it), so a `?caller` in a log line leaks neither.
#[derive(Clone, PartialEq, Eq)]
pub struct Caller {
    /// The tenant claim's value.
    pub tenant: String,
    /// The `sub` claim.
    pub sub: String,
    /// Scopes: the authorizer's `scopes`, else the space-separated `scope` claim, else the `scp`
    /// claim (a list or a string, as Okta and Entra ID send it).
    pub scopes: Vec<String>,
    /// The `phone_number` claim, if any, parsed as E.164.
    pub phone_number: Option<PhoneClaim>,
    /// Whether the IdP marked the phone number verified (`phone_number_verified`).
    pub phone_number_verified: bool,
    /// The `email` claim, if any.
    pub email: Option<String>,
    /// Whether the IdP marked the email verified (`email_verified`).
    pub email_verified: bool,
}

impl Caller {
    /// A caller of `tenant` known by `sub` alone: no scopes, no phone number or email.
    pub fn new(tenant: impl Into<String>, sub: impl Into<String>) -> Self {
        Self {
            tenant: tenant.into(),
            sub: sub.into(),
            scopes: Vec::new(),
            phone_number: None,
            phone_number_verified: false,
            email: None,
            email_verified: false,
        }
    }

    /// Reads the caller from the request context; `tenant_claim` names the tenant claim.
    pub fn from_request(req: &Request, tenant_claim: &str) -> Result<Self, ApiError> {
        let jwt = req
            .request_context_ref()
            .and_then(|ctx| ctx.authorizer())
            .and_then(|a| a.jwt.as_ref())
            .ok_or_else(|| unauthenticated("a valid bearer token is required"))?;
        let claim = |name: &str| {
            jwt.claims
                .get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let tenant = claim(tenant_claim).ok_or_else(|| missing_claim(tenant_claim))?;
        if !is_name_part(&tenant) {
            return Err(ApiError::unauthorized(
                "invalid_claim",
                format!("the {tenant_claim} claim must match [A-Za-z0-9_-]{{1,64}}"),
            ));
        }
        let sub = claim("sub").ok_or_else(|| missing_claim("sub"))?;
        if sub.len() > 128
            || sub
                .chars()
                .any(|c| c == ':' || c.is_control() || c.is_whitespace())
        {
            return Err(ApiError::unauthorized(
                "invalid_claim",
                "the sub claim must be at most 128 characters without ':' or spaces",
            ));
        }
        let scopes = match &jwt.scopes {
            Some(scopes) if !scopes.is_empty() => scopes.clone(),
            _ => claim("scope")
                .or_else(|| claim("scp"))
                .map(|s| scope_list(&s))
                .unwrap_or_default(),
        };
        // API Gateway hands every claim over as a string: a JSON `true` arrives as "true".
        let verified = |name: &str| claim(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(Self {
            tenant,
            sub,
            scopes,
            phone_number: claim("phone_number").map(|raw| PhoneClaim::parse(&raw)),
            phone_number_verified: verified("phone_number_verified"),
            email: claim("email"),
            email_verified: verified("email_verified"),
        })
    }

    /// The phone number, only when it is valid E.164 and the IdP verified it: the one a code or
    /// a notification may go to.
    pub fn verified_phone(&self) -> Option<&E164> {
        self.phone_number
            .as_ref()
            .and_then(PhoneClaim::valid)
            .filter(|_| self.phone_number_verified)
    }

    /// Whether the caller holds `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// How this deployment reads its callers, built once from the configuration: the claim that
/// names the tenant (`TENANT_CLAIM`) and the scope that makes an admin (`ADMIN_SCOPE`).
#[derive(Clone, Debug)]
pub struct Callers {
    tenant_claim: String,
    admin_scope: String,
}

impl Callers {
    /// The configuration's tenant claim and admin scope.
    pub fn of(config: &Config) -> Self {
        Self {
            tenant_claim: config.tenant_claim.clone(),
            admin_scope: config.admin_scope.clone(),
        }
    }

    /// The request's caller ([`Caller::from_request`] with the tenant claim).
    pub fn read(&self, req: &Request) -> Result<Caller, ApiError> {
        Caller::from_request(req, &self.tenant_claim)
    }

    /// Whether `caller` holds the admin scope.
    pub fn is_admin(&self, caller: &Caller) -> bool {
        caller.has_scope(&self.admin_scope)
    }

    /// The admin scope, to name in a refusal.
    pub fn admin_scope(&self) -> &str {
        &self.admin_scope
    }
}

/// The one answer to a request without a valid bearer token: `401 unauthorized`, whether the
/// local API's emulated authorizer refuses it or a function finds no claims in its context. (In
/// AWS, API Gateway's own authorizer refuses such a request first, with its own body.)
pub fn unauthenticated(message: impl Into<String>) -> ApiError {
    ApiError::unauthorized("unauthorized", message)
}

/// The one answer to a valid token that lacks a claim every route needs (the tenant claim,
/// `sub`): `401 missing_claim`, naming the claim.
pub fn missing_claim(name: &str) -> ApiError {
    ApiError::unauthorized("missing_claim", format!("the token has no {name} claim"))
}

/// The scopes of a `scope` or `scp` claim: space-separated (`"a b"`), or a list as API Gateway
/// renders one (`"[a b]"`) or as JSON (`["a","b"]`).
fn scope_list(claim: &str) -> Vec<String> {
    let inner = claim.trim();
    let inner = inner
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(inner);
    inner
        .split(|c: char| c.is_whitespace() || c == ',')
        .map(|s| s.trim_matches('"'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("tenant", &self.tenant)
            .field("sub", &self.sub)
            .field("scopes", &self.scopes)
            .field("phone_number", &self.phone_number)
            .field("phone_number_verified", &self.phone_number_verified)
            .field("email", &self.email.as_ref().map(|_| "[redacted]"))
            .field("email_verified", &self.email_verified)
            .finish()
    }
}

#[cfg(test)]
#[path = "caller_tests.rs"]
mod tests;
