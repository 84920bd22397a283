//! How a store fails, in the terms a caller can act on. Both adapters answer with these
//! variants; the DynamoDB adapter sorts the SDK's errors into them in one place
//! (`crate::dynamo`), the embedded store uses the same ones for the same cases.
//!
//! `Display` names what failed, never what an item holds: no phone number, code or token can
//! reach a log line through a store error.

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write found the item not as it requires: it exists already, or it is no
    /// longer in the state the write expects (another writer got there first). Repeating the
    /// same write fails the same way; read again to decide what to do.
    #[error("store conflict: {0}")]
    Conflict(&'static str),
    /// The store refused the request for load (throttling, throughput or request limits).
    /// Retrying after a pause may succeed.
    #[error("store throttled")]
    Throttled,
    /// The store could not be reached or failed (network, timeout, a 5xx). Retrying later may
    /// succeed.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A stored item does not read as its type: an attribute is missing, of another type, or
    /// holds a value no version of this code writes. `what` names the attribute, not its value.
    #[error("corrupt item: {what}")]
    Corrupt {
        /// Which item and attribute.
        what: String,
    },
    /// The request was refused as it stands: the store found it invalid or not permitted (a
    /// missing table, denied access), or it breaks a rule of the domain (an audit entry settled
    /// into another). A defect or misconfiguration: retrying does not cure it.
    #[error("store refused the request: {0}")]
    Rejected(String),
}

impl StoreError {
    /// [`StoreError::Corrupt`], naming `what` (an item and attribute, never a value).
    pub fn corrupt(what: impl Into<String>) -> Self {
        Self::Corrupt { what: what.into() }
    }

    /// Whether the same request may succeed later: throttled or unavailable.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Throttled | Self::Unavailable(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_and_unavailability_are_worth_retrying() {
        assert!(StoreError::Throttled.is_transient());
        assert!(StoreError::Unavailable("timeout".into()).is_transient());
        assert!(!StoreError::Conflict("exists").is_transient());
        assert!(!StoreError::corrupt("room item: status").is_transient());
        assert!(!StoreError::Rejected("validation".into()).is_transient());
    }

    #[test]
    fn messages_name_the_failure() {
        assert_eq!(
            StoreError::corrupt("owner item: attribute sub").to_string(),
            "corrupt item: owner item: attribute sub"
        );
        assert_eq!(StoreError::Throttled.to_string(), "store throttled");
        assert_eq!(
            StoreError::Conflict("audit entry exists").to_string(),
            "store conflict: audit entry exists"
        );
    }
}
