//! Audit entries in DynamoDB: items [`Key::audit`], so that one Query on a partition,
//! `ScanIndexForward = false`, lists a tenant's or a room's entries newest first. Each entry is
//! one item in its tenant's partition and, when it names a room, a second in the room's; the two
//! are written by one `TransactWriteItems`, so they never disagree.
//!
//! Entries are written with `attribute_not_exists` and settled with a condition on their being
//! pending, so code can add to the log and settle an entry once, never rewrite history. What
//! may be settled, and how pages are cut, is the domain's ([`crate::store::audit`]).

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::keys::{Key, audit_partition};
use super::{Attributes, DynamoTable, Item, PK, TTL, n, s, sdk_error, transaction_error};
use crate::store::StoreError;
use crate::store::audit::{
    AuditAction, AuditEntry, AuditOutcome, AuditQuery, AuditStorage, Fetched, Settlement,
};

/// The item of `entry` filed under `filed_under` (a room SID; `None`: the tenant's partition),
/// kept for `retention` after the entry's time.
fn to_item(entry: &AuditEntry, filed_under: Option<&str>, retention: Duration) -> Item {
    let mut item = Key::audit(&entry.tenant, filed_under, &entry.position()).into_item();
    let expires = entry.time.unix_timestamp() + retention.as_secs() as i64;
    item.extend([
        ("id".to_string(), s(&entry.id)),
        ("time_us".to_string(), n(entry.time_micros())),
        (
            "time".to_string(),
            s(entry.time.format(&Rfc3339).unwrap_or_default()),
        ),
        ("tenant".to_string(), s(&entry.tenant)),
        ("actor".to_string(), s(&entry.actor)),
        ("action".to_string(), s(entry.action.as_str())),
        ("outcome".to_string(), s(entry.outcome.as_str())),
        (TTL.to_string(), n(expires)),
    ]);
    let optional = [
        ("room_sid", entry.room_sid.as_ref()),
        ("room", entry.room.as_ref()),
        ("participant_sid", entry.participant_sid.as_ref()),
        ("key_sid", entry.key_sid.as_ref()),
        ("code", entry.code.as_ref()),
        ("twilio_request_id", entry.twilio_request_id.as_ref()),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            item.insert(name.to_string(), s(value));
        }
    }
    if let Some(status) = entry.status {
        item.insert("status".to_string(), n(status));
    }
    item
}

fn from_item(item: &Item) -> Result<AuditEntry, StoreError> {
    let a = Attributes::of("audit entry", item);
    let opt = |name| Ok::<_, StoreError>(a.opt_string(name)?.map(str::to_string));
    let time_us: i64 = a.number("time_us")?;
    let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(time_us) * 1_000)
        .map_err(|_| a.corrupt("time_us", "is out of range"))?;
    Ok(AuditEntry {
        id: a.string("id")?.to_string(),
        time,
        tenant: a.string("tenant")?.to_string(),
        actor: a.string("actor")?.to_string(),
        action: AuditAction::parse(a.string("action")?)
            .ok_or_else(|| a.corrupt("action", "holds an unknown action"))?,
        room_sid: opt("room_sid")?,
        room: opt("room")?,
        participant_sid: opt("participant_sid")?,
        key_sid: opt("key_sid")?,
        outcome: AuditOutcome::parse(a.string("outcome")?)
            .ok_or_else(|| a.corrupt("outcome", "holds an unknown outcome"))?,
        status: a.opt_number("status")?,
        code: opt("code")?,
        twilio_request_id: opt("twilio_request_id")?,
    })
}

/// The condition of a write: a new entry, or the settling of a pending one.
#[derive(Clone, Copy)]
enum Condition {
    New,
    Pending,
}

impl Condition {
    fn expression(self) -> &'static str {
        match self {
            Condition::New => "attribute_not_exists(#pk)",
            Condition::Pending => "attribute_exists(#pk) AND #outcome = :pending",
        }
    }

    fn names(self) -> HashMap<String, String> {
        let mut names = HashMap::from([("#pk".to_string(), PK.to_string())]);
        if let Condition::Pending = self {
            names.insert("#outcome".to_string(), "outcome".to_string());
        }
        names
    }

    fn values(self) -> Option<Item> {
        match self {
            Condition::New => None,
            Condition::Pending => Some(Item::from([(
                ":pending".to_string(),
                s(AuditOutcome::Pending.as_str()),
            )])),
        }
    }
}

impl DynamoTable {
    /// One conditional `PutItem` of `entry` filed under `filed_under`.
    async fn put_entry(
        &self,
        entry: &AuditEntry,
        filed_under: Option<&str>,
        condition: Condition,
    ) -> Result<(), StoreError> {
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(entry, filed_under, self.retention.audit)))
            .condition_expression(condition.expression())
            .set_expression_attribute_names(Some(condition.names()))
            .set_expression_attribute_values(condition.values())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// The writes of `parts` (each a copy's partition and condition): one conditional `PutItem`
    /// for one copy, else one transaction.
    async fn put_copies(
        &self,
        entry: &AuditEntry,
        parts: &[(Option<&str>, Condition)],
    ) -> Result<(), StoreError> {
        if let [(filed_under, condition)] = parts {
            return self.put_entry(entry, *filed_under, *condition).await;
        }
        let items = parts
            .iter()
            .map(|(filed_under, condition)| self.transact_put(entry, *filed_under, *condition))
            .collect::<Result<Vec<_>, _>>()?;
        self.client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(transaction_error)?;
        Ok(())
    }

    /// The same write, as one part of a transaction.
    fn transact_put(
        &self,
        entry: &AuditEntry,
        filed_under: Option<&str>,
        condition: Condition,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(to_item(entry, filed_under, self.retention.audit)))
            .condition_expression(condition.expression())
            .set_expression_attribute_names(Some(condition.names()))
            .set_expression_attribute_values(condition.values())
            .build()
            .map_err(|e| StoreError::Rejected(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[async_trait]
impl AuditStorage for DynamoTable {
    async fn insert(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let tenant = (None, Condition::New);
        match entry.room_sid.as_deref() {
            Some(room) => {
                self.put_copies(entry, &[tenant, (Some(room), Condition::New)])
                    .await
            }
            None => self.put_copies(entry, &[tenant]).await,
        }
    }

    async fn replace_pending(&self, settlement: Settlement<'_>) -> Result<(), StoreError> {
        let entry = settlement.entry();
        let tenant = (None, Condition::Pending);
        match settlement {
            Settlement::InPlace(_) => match settlement.pending_room() {
                Some(room) => {
                    self.put_copies(entry, &[tenant, (Some(room), Condition::Pending)])
                        .await
                }
                None => self.put_copies(entry, &[tenant]).await,
            },
            Settlement::Refiled { room_sid, .. } => {
                self.put_copies(entry, &[tenant, (Some(room_sid), Condition::New)])
                    .await
            }
        }
    }

    async fn newest(&self, query: AuditQuery<'_>) -> Result<Fetched, StoreError> {
        let room = query.room_sid;
        // The cursor carries a position only; the partition is always the caller's own.
        let start = query
            .after
            .map(|at| Key::audit(query.tenant, room, at).into_item());
        let out = self
            .query_partition(audit_partition(query.tenant, room))
            .scan_index_forward(false)
            .limit(i32::try_from(query.count).unwrap_or(i32::MAX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(Fetched {
            entries: out
                .items()
                .iter()
                .map(from_item)
                .collect::<Result<_, _>>()?,
            beyond: out.last_evaluated_key().is_some(),
        })
    }
}
