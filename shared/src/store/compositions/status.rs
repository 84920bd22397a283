//! The statuses a composition record holds: where the composition stands (Twilio's names), and
//! how its recording-ready SMS stands.

/// Where a composition stands, as Twilio names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompositionStatus {
    /// Created, not started.
    Enqueued,
    /// Being composed.
    Processing,
    /// Media available.
    Completed,
    /// Failed.
    Failed,
    /// Its media was deleted.
    Deleted,
}

impl CompositionStatus {
    /// Twilio's name of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enqueued => "enqueued",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Deleted => "deleted",
        }
    }

    /// The status of Twilio's name.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "enqueued" => Self::Enqueued,
            "processing" => Self::Processing,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "deleted" => Self::Deleted,
            _ => return None,
        })
    }

    /// Whether nothing follows it.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Deleted)
    }
}

/// How the recording-ready SMS stands.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SmsState {
    /// Owed: the composition is available and no SMS was settled yet.
    Owed,
    /// Sent; Twilio's message SID.
    Sent(String),
    /// Twilio answered that the number can never receive it (its error code).
    Undeliverable(u32),
    /// The room has no owner with a phone number.
    NoRecipient,
    /// The send may have reached Twilio, with no answer: not sent again, to never send twice.
    Uncertain,
    /// Every try failed; the reconciler stopped trying.
    GaveUp,
}
