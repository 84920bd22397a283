//! Audit entries in DynamoDB: item `pk = "audit#{tenant}#{room_sid}"` (`"audit#{tenant}#-"` for
//! entries without a room SID), `sk = "{microseconds since the epoch, 17 digits}#{id}"`, so that
//! one Query on the partition, `ScanIndexForward = false`, lists a room's entries newest first.
//!
//! Entries are written with `attribute_not_exists` and settled with a condition on their being
//! pending, so code can add to the log and settle an entry once, never rewrite history.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{DynamoTable, Item, PK, SK, TTL, get_n, get_s, n, s, sdk_error};
use crate::store::StoreError;
use crate::store::audit::{
    AuditAction, AuditCursor, AuditEntry, AuditLog, AuditOutcome, AuditPage, RETENTION,
    check_settle,
};

fn pk(tenant: &str, room_sid: Option<&str>) -> String {
    format!("audit#{tenant}#{}", room_sid.unwrap_or("-"))
}

fn sk(time_micros: i64, id: &str) -> String {
    format!("{time_micros:017}#{id}")
}

/// The item of `entry` filed under `room_sid` (which may differ from the entry's own while a
/// created room's entry is settled: the pending copy stays under the tenant).
fn to_item(entry: &AuditEntry, filed_under: Option<&str>) -> Item {
    let mut item = Item::from([
        (PK.to_string(), s(pk(&entry.tenant, filed_under))),
        (SK.to_string(), s(sk(entry.time_micros(), &entry.id))),
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
        (
            TTL.to_string(),
            n(entry.time.unix_timestamp() + RETENTION.as_secs() as i64),
        ),
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
    let opt = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let time_us = get_n(item, "time_us")?;
    let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(time_us) * 1_000)
        .map_err(|e| StoreError(format!("audit entry time: {e}")))?;
    Ok(AuditEntry {
        id: get_s(item, "id")?.to_string(),
        time,
        tenant: get_s(item, "tenant")?.to_string(),
        actor: get_s(item, "actor")?.to_string(),
        action: AuditAction::parse(get_s(item, "action")?)
            .ok_or_else(|| StoreError("unknown audit action".into()))?,
        room_sid: opt("room_sid"),
        room: opt("room"),
        participant_sid: opt("participant_sid"),
        key_sid: opt("key_sid"),
        outcome: AuditOutcome::parse(get_s(item, "outcome")?)
            .ok_or_else(|| StoreError("unknown audit outcome".into()))?,
        status: get_n(item, "status")
            .ok()
            .and_then(|v| u16::try_from(v).ok()),
        code: opt("code"),
        twilio_request_id: opt("twilio_request_id"),
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
            .set_item(Some(to_item(entry, filed_under)))
            .condition_expression(condition.expression())
            .set_expression_attribute_names(Some(condition.names()))
            .set_expression_attribute_values(condition.values())
            .send()
            .await
            .map_err(sdk_error)?;
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
            .set_item(Some(to_item(entry, filed_under)))
            .condition_expression(condition.expression())
            .set_expression_attribute_names(Some(condition.names()))
            .set_expression_attribute_values(condition.values())
            .build()
            .map_err(StoreError::new)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[async_trait]
impl AuditLog for DynamoTable {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        self.put_entry(entry, entry.room_sid.as_deref(), Condition::New)
            .await
    }

    async fn settle(&self, pending: &AuditEntry, settled: &AuditEntry) -> Result<(), StoreError> {
        check_settle(pending, settled)?;
        let home = pending.room_sid.as_deref();
        match (home, settled.room_sid.as_deref()) {
            (None, Some(room_sid)) => {
                // Filed under the tenant while the room was unknown: settle that copy and file
                // the entry under its room in one transaction, so the two never disagree.
                self.client()
                    .transact_write_items()
                    .transact_items(self.transact_put(settled, None, Condition::Pending)?)
                    .transact_items(self.transact_put(settled, Some(room_sid), Condition::New)?)
                    .send()
                    .await
                    .map_err(sdk_error)?;
                Ok(())
            }
            _ => self.put_entry(settled, home, Condition::Pending).await,
        }
    }

    async fn list(
        &self,
        tenant: &str,
        room_sid: &str,
        limit: u32,
        after: Option<&AuditCursor>,
    ) -> Result<AuditPage, StoreError> {
        let limit = AuditPage::size(limit);
        let partition = pk(tenant, Some(room_sid));
        // The cursor carries a position only; the partition is always the caller's own.
        let start = after.map(|c| {
            Item::from([
                (PK.to_string(), s(&partition)),
                (SK.to_string(), s(sk(c.time_micros, &c.id))),
            ])
        });
        // One more than asked: whether it comes tells if there is a next page, so the last page
        // is never followed by an empty one.
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(&partition))
            .scan_index_forward(false)
            .limit(limit as i32 + 1)
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        let fetched = out
            .items()
            .iter()
            .map(from_item)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AuditPage::from_fetched(
            fetched,
            limit,
            out.last_evaluated_key().is_some(),
        ))
    }
}
