//! Storage, behind small traits by concern. Production: [`crate::dynamo`], one DynamoDB table.
//! Local runs: [`crate::memory`], an embedded store. Everything outside those two adapters sees
//! only the domain types defined here.

pub mod audit;
pub mod compositions;
pub mod due;
mod error;
pub mod idempotency;
pub mod owners;
pub mod ratelimit;
pub mod rooms;

pub use error::StoreError;

use audit::AuditLog;
use compositions::CompositionRecords;
use due::DueWork;
use idempotency::IdempotencyStore;
use owners::RoomOwners;
use ratelimit::RateLimitStore;
use rooms::RoomRecords;
use rooms::names::RoomNames;
use rooms::participants::RoomParticipants;

/// Declares [`Store`], the union of the store traits listed once, and implements it for every
/// type that has them all.
macro_rules! store {
    ($first:path $(, $part:path)* $(,)?) => {
        /// Every store trait: what one table (or the embedded store) provides. Functions hold an
        /// `Arc<dyn Store>` and hand each part the narrow trait it asks for. (Each part is
        /// already `Send + Sync`.)
        pub trait Store: $first $(+ $part)* {}

        impl<T> Store for T where T: $first $(+ $part)* {}
    };
}

store!(
    IdempotencyStore,
    AuditLog,
    CompositionRecords,
    DueWork,
    RoomOwners,
    RateLimitStore,
    RoomRecords,
    RoomNames,
    RoomParticipants,
);
