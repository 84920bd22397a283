//! A composition record as a DynamoDB item, and the update expression of one status event.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::super::due::{DUE_AT, DUE_PARTITION, DUE_PK};
use super::super::{Item, PK, SK, get_s, n, s};
use super::{COMPOSITION, pk};
use crate::store::StoreError;
use crate::store::compositions::{
    CompositionEvent, CompositionRecord, CompositionStatus, Schedule, SmsState,
};

/// The stored name of [`SmsState::Owed`].
pub(super) const SMS_OWED: &str = "owed";

/// The stored name of an SMS state, and the attribute that details it.
pub(super) fn sms_attributes(state: &SmsState) -> (&'static str, Option<(&'static str, AttributeValue)>) {
    match state {
        SmsState::Owed => (SMS_OWED, None),
        SmsState::Sent(sid) => ("sent", Some(("sms_message_sid", s(sid)))),
        SmsState::Undeliverable(code) => ("undeliverable", Some(("sms_error_code", n(code)))),
        SmsState::NoRecipient => ("no_recipient", None),
        SmsState::Uncertain => ("uncertain", None),
        SmsState::GaveUp => ("gave_up", None),
    }
}

fn sms_state(item: &Item) -> Result<Option<SmsState>, StoreError> {
    let Some(name) = opt_s(item, "sms") else {
        return Ok(None);
    };
    Ok(Some(match name.as_str() {
        SMS_OWED => SmsState::Owed,
        "sent" => SmsState::Sent(opt_s(item, "sms_message_sid").unwrap_or_default()),
        "undeliverable" => SmsState::Undeliverable(opt_n(item, "sms_error_code").unwrap_or(0) as u32),
        "no_recipient" => SmsState::NoRecipient,
        "uncertain" => SmsState::Uncertain,
        "gave_up" => SmsState::GaveUp,
        other => return Err(StoreError(format!("unknown sms state {other}"))),
    }))
}

fn opt_s(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn opt_n(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

fn opt_u(item: &Item, name: &str) -> Option<u64> {
    opt_n(item, name).and_then(|v| u64::try_from(v).ok())
}

/// A fresh record as an item (a composition just created, before any callback).
pub(super) fn to_item(r: &CompositionRecord) -> Item {
    let mut item = Item::from([
        (PK.to_string(), s(pk(&r.room_sid))),
        (SK.to_string(), s(COMPOSITION)),
        ("room_sid".to_string(), s(&r.room_sid)),
        ("composition_sid".to_string(), s(&r.composition_sid)),
        ("status".to_string(), s(r.status.as_str())),
        ("event_stage".to_string(), n(r.event_stage)),
    ]);
    if let Some(at) = r.created_at {
        item.insert("created_at".into(), n(at));
    }
    if let Some(due) = r.due_at {
        item.insert(DUE_PK.into(), s(DUE_PARTITION));
        item.insert(DUE_AT.into(), n(due));
    }
    item
}

/// The record an item holds.
pub(super) fn from_item(item: &Item) -> Result<CompositionRecord, StoreError> {
    let status = get_s(item, "status")?;
    Ok(CompositionRecord {
        room_sid: get_s(item, "room_sid")?.to_string(),
        composition_sid: get_s(item, "composition_sid")?.to_string(),
        status: CompositionStatus::parse(status)
            .ok_or_else(|| StoreError(format!("unknown composition status {status}")))?,
        media_uri: opt_s(item, "media_uri"),
        size: opt_u(item, "size"),
        duration_seconds: opt_u(item, "duration_seconds"),
        percentage_done: opt_u(item, "percentage_done"),
        error: opt_s(item, "error"),
        created_at: opt_n(item, "created_at"),
        completed_at: opt_n(item, "completed_at"),
        event_at_ms: opt_n(item, "event_at_ms"),
        event_stage: opt_n(item, "event_stage").unwrap_or(0) as u8,
        sms: sms_state(item)?,
        sms_attempts: opt_n(item, "sms_attempts").unwrap_or(0) as u32,
        stuck_reported: item
            .get("stuck_reported")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
        due_at: opt_n(item, DUE_AT),
    })
}

/// An update expression's clauses, names and values.
#[derive(Default)]
pub(super) struct Update {
    set: Vec<String>,
    remove: Vec<String>,
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
}

impl Update {
    fn name(&mut self, attr: &str) -> String {
        let name = format!("#{attr}");
        self.names.insert(name.clone(), attr.to_string());
        name
    }

    fn set_with(&mut self, attr: &str, value: AttributeValue, if_absent: bool) {
        let name = self.name(attr);
        let placeholder = format!(":{attr}");
        self.values.insert(placeholder.clone(), value);
        self.set.push(if if_absent {
            format!("{name} = if_not_exists({name}, {placeholder})")
        } else {
            format!("{name} = {placeholder}")
        });
    }

    fn set(&mut self, attr: &str, value: AttributeValue) {
        self.set_with(attr, value, false);
    }

    fn set_if_absent(&mut self, attr: &str, value: AttributeValue) {
        self.set_with(attr, value, true);
    }

    fn remove(&mut self, attr: &str) {
        let name = self.name(attr);
        self.remove.push(name);
    }

    /// The expression's text.
    pub(super) fn text(&self) -> String {
        let mut text = format!("SET {}", self.set.join(", "));
        if !self.remove.is_empty() {
            text.push_str(&format!(" REMOVE {}", self.remove.join(", ")));
        }
        text
    }
}

/// The update of one event: [`CompositionRecord::apply`] as an expression. Its condition
/// (in `super`) refers to `#status`, `#event_at_ms`, `:event_at_ms`, `#event_stage` and
/// `:event_stage`, all defined here.
pub(super) fn event_expression(event: &CompositionEvent, schedule: &Schedule) -> Update {
    let at = event.at_ms.div_euclid(1000);
    let mut u = Update::default();
    u.set("room_sid", s(&event.room_sid));
    u.set_if_absent("composition_sid", s(&event.composition_sid));
    u.set("status", s(event.status.as_str()));
    u.set("event_at_ms", n(event.at_ms));
    u.set("event_stage", n(event.stage));
    u.set_if_absent("created_at", n(at));
    for (attr, value) in [
        ("size", event.size),
        ("duration_seconds", event.duration_seconds),
        ("percentage_done", event.percentage_done),
    ] {
        if let Some(v) = value {
            u.set(attr, n(v));
        }
    }
    if let Some(uri) = &event.media_uri {
        u.set("media_uri", s(uri));
    }
    if let Some(error) = &event.error {
        u.set("error", s(error));
    }
    match event.status {
        CompositionStatus::Completed => {
            u.set("completed_at", n(at));
            u.set_if_absent("sms", s(SMS_OWED));
            u.set(DUE_PK, s(DUE_PARTITION));
            u.set(DUE_AT, n(schedule.sms_due));
        }
        CompositionStatus::Failed | CompositionStatus::Deleted => {
            u.set("completed_at", n(at));
            u.remove(DUE_PK);
            u.remove(DUE_AT);
        }
        CompositionStatus::Enqueued | CompositionStatus::Processing => {
            u.set(DUE_PK, s(DUE_PARTITION));
            u.set_if_absent(DUE_AT, n(schedule.stuck_due));
        }
    }
    u
}
