//! Where a code goes: the caller's own `phone_number` claim (sms, call, whatsapp) or `email`
//! claim (email), parsed and checked. Never anything from the request body.

use std::fmt;

use sha2::{Digest, Sha256};
use shared::caller::{Caller, PhoneClaim};
use shared::error::ApiError;
use shared::names::E164;
use shared::twilio::verify::Channel;

/// The longest address SMTP allows.
const MAX_EMAIL_LEN: usize = 254;

/// A checked destination.
#[derive(Clone, PartialEq, Eq)]
pub enum Destination {
    /// An E.164 phone number.
    Phone(E164),
    /// An email address, lower-cased.
    Email(String),
}

impl Destination {
    /// The caller's destination for `channel`: only a phone number or address the IdP marked
    /// verified (API.md), else a 403 `unverified_destination`, so that a user who can edit their
    /// own profile cannot point the step-up at a phone of their choosing. A verified claim that
    /// is not a valid number or address is a 400 saying which claim.
    pub fn for_caller(caller: &Caller, channel: Channel) -> Result<Self, ApiError> {
        if channel.is_phone() {
            if caller.phone_number.is_none() || !caller.phone_number_verified {
                return Err(unverified(&format!(
                    "a verified phone_number claim (phone_number_verified true), which the {} \
                     channel sends to",
                    channel.as_str()
                )));
            }
            match &caller.phone_number {
                Some(PhoneClaim::Valid(number)) => Ok(Self::Phone(number.clone())),
                _ => Err(ApiError::bad_request(
                    "invalid_phone_number",
                    "the phone_number claim must be an E.164 number (+ and up to 15 digits)",
                )),
            }
        } else {
            match caller.email.as_deref() {
                Some(email) if caller.email_verified => parse_email(email).map(Self::Email),
                _ => Err(unverified(
                    "a verified email claim (email_verified true), which the email channel sends to",
                )),
            }
        }
    }

    /// What Twilio's `To` gets.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Phone(n) => n.as_str(),
            Self::Email(e) => e,
        }
    }

    /// For responses and logs: a number's last two digits, an address's first character and
    /// domain.
    pub fn masked(&self) -> String {
        match self {
            Self::Phone(n) => n.masked(),
            Self::Email(e) => {
                let (local, domain) = e.split_once('@').unwrap_or((e, ""));
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
        }
    }

    /// The rate-limit key: a SHA-256 of the destination, so the table never holds numbers or
    /// addresses in clear. (A phone number's hash can be reversed by trying them all; the point
    /// is to keep them out of casual reads and exports of the table, not to make them secret.)
    pub fn rate_key(&self) -> String {
        hex::encode(Sha256::digest(self.as_str().as_bytes()))
    }
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Destination({})", self.masked())
    }
}

/// The 403 for a destination the IdP has not verified (or that is missing).
fn unverified(what: &str) -> ApiError {
    ApiError::forbidden("unverified_destination", format!("the token has no {what}"))
}

/// A plausible address: one `@`, a non-empty local part, a dotted domain, no spaces or controls.
/// Twilio and the mail system judge deliverability; this only keeps junk out.
fn parse_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_ascii_lowercase();
    let ok = email.len() <= MAX_EMAIL_LEN
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(email)
    } else {
        Err(ApiError::bad_request(
            "invalid_email",
            "the email claim is not a valid email address",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(phone: Option<&str>, email: Option<&str>) -> Caller {
        Caller {
            phone_number: phone.map(PhoneClaim::parse),
            phone_number_verified: true,
            email: email.map(str::to_string),
            email_verified: true,
            ..Caller::new("acme", "u1")
        }
    }

    #[test]
    fn phone_channels_use_the_phone_number_claim_and_email_the_email_claim() {
        let c = caller(Some("+14155550100"), Some("Alice@Example.com"));
        for channel in [Channel::Sms, Channel::Call, Channel::Whatsapp] {
            assert_eq!(
                Destination::for_caller(&c, channel).unwrap().as_str(),
                "+14155550100"
            );
        }
        let email = Destination::for_caller(&c, Channel::Email).unwrap();
        assert_eq!(email.as_str(), "alice@example.com");
        assert_eq!(email.masked(), "a***@example.com");
    }

    #[test]
    fn an_unverified_destination_is_a_403_and_never_used() {
        let mut c = caller(Some("+14155550100"), Some("a@example.com"));
        c.phone_number_verified = false;
        c.email_verified = false;
        for channel in [
            Channel::Sms,
            Channel::Call,
            Channel::Whatsapp,
            Channel::Email,
        ] {
            let e = Destination::for_caller(&c, channel).unwrap_err();
            assert_eq!(e.status(), 403, "{channel:?}");
            assert_eq!(e.code(), "unverified_destination", "{channel:?}");
        }
    }

    #[test]
    fn a_missing_claim_is_a_403_and_an_invalid_one_a_400_naming_it() {
        let none = caller(None, None);
        let e = Destination::for_caller(&none, Channel::Sms).unwrap_err();
        assert_eq!(e.status(), 403);
        assert!(e.to_string().contains("phone_number"));
        let e = Destination::for_caller(&none, Channel::Email).unwrap_err();
        assert!(e.to_string().contains("email claim"));
        let bad = caller(Some("4155550100"), Some("not-an-address"));
        assert_eq!(
            Destination::for_caller(&bad, Channel::Call)
                .unwrap_err()
                .code(),
            "invalid_phone_number"
        );
        for email in ["a@b", "@x.com", "a b@x.com", "a@x.com.", "a@@x.com"] {
            assert!(parse_email(email).is_err(), "{email}");
        }
    }

    #[test]
    fn rate_keys_and_debug_output_never_show_the_destination() {
        let d = Destination::for_caller(&caller(Some("+14155550100"), None), Channel::Sms).unwrap();
        assert!(!d.rate_key().contains("4155550100"));
        assert_eq!(d.rate_key().len(), 64);
        assert!(!format!("{d:?}").contains("4155550100"));
    }
}
