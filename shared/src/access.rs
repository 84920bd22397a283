//! What each function may do in AWS, declared once beside the store traits it goes through:
//! the DynamoDB actions it issues on each kind of item (by the partition-key prefix IAM's
//! `dynamodb:LeadingKeys` sees), whether it reads the `due` index, and what it does with each
//! of the two secrets. `template.yaml`'s policies must grant exactly this, no more:
//! `tests/api/template_iam.rs` compares the two, and `dynamo::access` checks every prefix
//! against the key layout. Change a function's store calls, change its line here.
//!
//! `TransactWriteItems` needs no action of its own: IAM checks each `Put` in it as a `PutItem`.

/// A DynamoDB action on the table's items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// `GetItem`.
    GetItem,
    /// `PutItem` (also a `Put` inside `TransactWriteItems`).
    PutItem,
    /// `UpdateItem`.
    UpdateItem,
    /// `DeleteItem`.
    DeleteItem,
    /// `Query` on the table (one partition).
    Query,
}

impl Table {
    /// The IAM action.
    pub fn iam(self) -> &'static str {
        match self {
            Self::GetItem => "dynamodb:GetItem",
            Self::PutItem => "dynamodb:PutItem",
            Self::UpdateItem => "dynamodb:UpdateItem",
            Self::DeleteItem => "dynamodb:DeleteItem",
            Self::Query => "dynamodb:Query",
        }
    }
}

/// One of the two secrets (API.md, "The two secrets").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Secret {
    /// `TWILIO_SECRET_ID`: account SID and API key.
    ApiKey,
    /// `TWILIO_AUTH_SECRET_ID`: the Auth Token.
    AuthToken,
}

impl Secret {
    /// The environment variable that names it.
    pub fn variable(self) -> &'static str {
        match self {
            Self::ApiKey => "TWILIO_SECRET_ID",
            Self::AuthToken => "TWILIO_AUTH_SECRET_ID",
        }
    }
}

/// What a function does with a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SecretAction {
    /// Read a version (`secrets::store`, `secrets::versions`).
    GetSecretValue,
    /// List its versions and their labels (key rotation).
    DescribeSecret,
    /// Write a new version (key rotation).
    PutSecretValue,
    /// Move a staging label (key rotation).
    UpdateSecretVersionStage,
}

impl SecretAction {
    /// The IAM action.
    pub fn iam(self) -> &'static str {
        match self {
            Self::GetSecretValue => "secretsmanager:GetSecretValue",
            Self::DescribeSecret => "secretsmanager:DescribeSecret",
            Self::PutSecretValue => "secretsmanager:PutSecretValue",
            Self::UpdateSecretVersionStage => "secretsmanager:UpdateSecretVersionStage",
        }
    }
}

/// A function's whole access.
#[derive(Clone, Copy, Debug)]
pub struct Access {
    /// The function's crate and binary name.
    pub function: &'static str,
    /// Per `dynamodb:LeadingKeys` pattern (`room#*`), the actions on those items.
    pub items: &'static [(&'static str, &'static [Table])],
    /// Whether it queries the `due` index.
    pub due_index: bool,
    /// Per secret, what it does with it.
    pub secrets: &'static [(Secret, &'static [SecretAction])],
}

use SecretAction::GetSecretValue as Read;
use Table::{DeleteItem as Delete, GetItem as Get, PutItem as Put, Query, UpdateItem as Update};

const API_KEY: (Secret, &[SecretAction]) = (Secret::ApiKey, &[Read]);
const AUTH_TOKEN: (Secret, &[SecretAction]) = (Secret::AuthToken, &[Read]);
/// Idempotency claims (`idempotency`): claim and settle are `PutItem`, release `DeleteItem`.
const CLAIMS: (&str, &[Table]) = ("idem#*", &[Put, Delete]);

/// Every function.
pub const FUNCTIONS: &[Access] = &[
    Access {
        function: "health",
        items: &[],
        due_index: false,
        secrets: &[],
    },
    // Checks proofs and signs tokens with the API key; creates the room of a first join
    // (`ROOM_CREATION=on_join`): the room's name item and record, read and written.
    Access {
        function: "token",
        items: &[("room#*", &[Get, Put, Update])],
        due_index: false,
        secrets: &[API_KEY],
    },
    // Send-limit counters (`RateLimits::hit`, one conditional UpdateItem each); Verify calls.
    Access {
        function: "verify",
        items: &[("rl#*", &[Update])],
        due_index: false,
        secrets: &[API_KEY],
    },
    // A room's record and its items, read only (`GET /rooms/{type}/{id}`).
    Access {
        function: "presence",
        items: &[("room#*", &[Get, Query])],
        due_index: false,
        secrets: &[],
    },
    // Room callbacks: claims; `Rooms::apply_room_update`; the `Composer` (composition record
    // and the room's composition: PutItem, UpdateItem; owed entries: PutItem, UpdateItem,
    // DeleteItem; the name's latest recording: PutItem). Auth Token for signatures, API key for
    // compositions.
    Access {
        function: "webhook",
        items: &[
            CLAIMS,
            ("room#*", &[Put, Update]),
            ("due#*", &[Put, Update, Delete]),
            ("recording#*", &[Put]),
        ],
        due_index: false,
        secrets: &[API_KEY, AUTH_TOKEN],
    },
    // Composition callbacks: claims; `apply_composition_event` and the `Notifier` (UpdateItem;
    // the owner: GetItem). Recording links: the name's latest recording, the composition
    // record, the room's record and owner (GetItem).
    Access {
        function: "composition",
        items: &[CLAIMS, ("room#*", &[Get, Update]), ("recording#*", &[Get])],
        due_index: false,
        secrets: &[API_KEY, AUTH_TOKEN],
    },
    // Admin routes: the room's record and owner (GetItem; owner: PutItem), the name item of a
    // room it opens (UpdateItem), the audit log (PutItem, also in transactions; Query to list).
    Access {
        function: "rooms",
        items: &[("audit#*", &[Put, Query]), ("room#*", &[Get, Put, Update])],
        due_index: false,
        secrets: &[API_KEY],
    },
    // The `due` index; what each entry names: records (GetItem), stuck reports, events and SMS
    // (UpdateItem), and the `Composer`'s and `Notifier`'s writes, as the callbacks make them.
    Access {
        function: "reconciler",
        items: &[
            CLAIMS,
            ("room#*", &[Get, Put, Update]),
            ("due#*", &[Put, Update, Delete]),
            ("recording#*", &[Put]),
        ],
        due_index: true,
        secrets: &[API_KEY],
    },
    // Its own lock and per-event claims, its own audit partition; the API key secret's versions
    // and labels; the Auth Token, which manages keys.
    Access {
        function: "key-rotation",
        items: &[
            ("idem#key-rotation#*", &[Put, Delete]),
            ("audit#~system#-", &[Put]),
        ],
        due_index: false,
        secrets: &[
            (
                Secret::ApiKey,
                &[
                    SecretAction::DescribeSecret,
                    Read,
                    SecretAction::PutSecretValue,
                    SecretAction::UpdateSecretVersionStage,
                ],
            ),
            AUTH_TOKEN,
        ],
    },
];

/// The declared access of `function`.
pub fn of(function: &str) -> Option<&'static Access> {
    FUNCTIONS.iter().find(|a| a.function == function)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_callback_functions_and_key_rotation_read_the_auth_token() {
        let readers: Vec<&str> = FUNCTIONS
            .iter()
            .filter(|a| a.secrets.iter().any(|(s, _)| *s == Secret::AuthToken))
            .map(|a| a.function)
            .collect();
        assert_eq!(readers, ["webhook", "composition", "key-rotation"]);
        for f in ["token", "verify"] {
            assert!(of(f).is_some(), "{f} is declared");
        }
    }

    #[test]
    fn each_function_is_declared_once_with_each_pattern_once() {
        for (i, a) in FUNCTIONS.iter().enumerate() {
            assert!(FUNCTIONS[..i].iter().all(|b| b.function != a.function));
            for (j, (pattern, actions)) in a.items.iter().enumerate() {
                assert!(
                    !actions.is_empty(),
                    "{}: {pattern} grants nothing",
                    a.function
                );
                assert!(a.items[..j].iter().all(|(p, _)| p != pattern));
            }
        }
    }
}
