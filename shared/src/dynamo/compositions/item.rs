//! A composition record as a DynamoDB item, and the update expression of one status event.

use aws_sdk_dynamodb::types::AttributeValue;

use super::super::due::{DUE_AT, DUE_PARTITION, DUE_PK};
use super::super::expression::Expression;
use super::super::keys::Key;
use super::super::{Attributes, Item, n, s};
use crate::store::StoreError;
use crate::store::compositions::{
    CompositionEvent, CompositionRecord, CompositionStatus, Schedule, SmsState,
};

/// The stored name of [`SmsState::Owed`].
pub(super) const SMS_OWED: &str = "owed";

/// The stored name of an SMS state, and the attribute that details it.
pub(super) fn sms_attributes(
    state: &SmsState,
) -> (&'static str, Option<(&'static str, AttributeValue)>) {
    match state {
        SmsState::Owed => (SMS_OWED, None),
        SmsState::Sent(sid) => ("sent", Some(("sms_message_sid", s(sid)))),
        SmsState::Undeliverable(code) => ("undeliverable", Some(("sms_error_code", n(code)))),
        SmsState::NoRecipient => ("no_recipient", None),
        SmsState::Uncertain => ("uncertain", None),
        SmsState::GaveUp => ("gave_up", None),
    }
}

fn sms_state(a: &Attributes<'_>) -> Result<Option<SmsState>, StoreError> {
    let Some(name) = a.opt_string("sms")? else {
        return Ok(None);
    };
    Ok(Some(match name {
        SMS_OWED => SmsState::Owed,
        "sent" => SmsState::Sent(a.string("sms_message_sid")?.to_string()),
        "undeliverable" => SmsState::Undeliverable(a.number("sms_error_code")?),
        "no_recipient" => SmsState::NoRecipient,
        "uncertain" => SmsState::Uncertain,
        "gave_up" => SmsState::GaveUp,
        _ => return Err(a.corrupt("sms", "is no known state")),
    }))
}

/// A fresh record as an item (a composition just created, before any callback).
pub(super) fn to_item(r: &CompositionRecord) -> Item {
    let mut item = Key::composition(&r.room_sid).into_item();
    item.extend([
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
    let a = Attributes::of("composition", item);
    Ok(CompositionRecord {
        room_sid: a.string("room_sid")?.to_string(),
        composition_sid: a.string("composition_sid")?.to_string(),
        status: CompositionStatus::parse(a.string("status")?)
            .ok_or_else(|| a.corrupt("status", "is no known status"))?,
        media_uri: a.opt_string("media_uri")?.map(str::to_string),
        size: a.opt_number("size")?,
        duration_seconds: a.opt_number("duration_seconds")?,
        percentage_done: a.opt_number("percentage_done")?,
        error: a.opt_string("error")?.map(str::to_string),
        created_at: a.opt_number("created_at")?,
        completed_at: a.opt_number("completed_at")?,
        event_at_ms: a.opt_number("event_at_ms")?,
        event_stage: a.opt_number("event_stage")?.unwrap_or(0),
        sms: sms_state(&a)?,
        sms_attempts: a.opt_number("sms_attempts")?.unwrap_or(0),
        stuck_reported: a.flag("stuck_reported")?,
        due_at: a.opt_number(DUE_AT)?,
    })
}

/// The update of one event: [`CompositionRecord::apply`] as an expression. Its condition (in
/// `super`) refers to `#status`, `#event_at_ms`, `:event_at_ms`, `#event_stage` and
/// `:event_stage`, all defined here.
pub(super) fn event_expression(event: &CompositionEvent, schedule: &Schedule) -> Expression {
    let at = event.at_ms.div_euclid(1000);
    let mut e = Expression::default();
    e.set("room_sid", s(&event.room_sid));
    e.set_if_absent("composition_sid", s(&event.composition_sid));
    e.set("status", s(event.status.as_str()));
    e.set("event_at_ms", n(event.at_ms));
    e.set("event_stage", n(event.stage));
    e.set_if_absent("created_at", n(at));
    for (attr, value) in [
        ("size", event.size),
        ("duration_seconds", event.duration_seconds),
        ("percentage_done", event.percentage_done),
    ] {
        if let Some(v) = value {
            e.set(attr, n(v));
        }
    }
    if let Some(uri) = &event.media_uri {
        e.set("media_uri", s(uri));
    }
    if let Some(error) = &event.error {
        e.set("error", s(error));
    }
    match event.status {
        CompositionStatus::Completed => {
            e.set("completed_at", n(at));
            e.set_if_absent("sms", s(SMS_OWED));
            e.set(DUE_PK, s(DUE_PARTITION));
            e.set(DUE_AT, n(schedule.sms_due));
        }
        CompositionStatus::Failed | CompositionStatus::Deleted => {
            e.set("completed_at", n(at));
            e.remove(DUE_PK);
            e.remove(DUE_AT);
        }
        CompositionStatus::Enqueued | CompositionStatus::Processing => {
            e.set(DUE_PK, s(DUE_PARTITION));
            e.set_if_absent(DUE_AT, n(schedule.stuck_due));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(status: CompositionStatus) -> CompositionEvent {
        CompositionEvent {
            room_sid: "RM1".into(),
            composition_sid: "CJ1".into(),
            status,
            at_ms: 1_500,
            stage: 4,
            media_uri: None,
            size: Some(10),
            duration_seconds: None,
            percentage_done: None,
            error: None,
        }
    }

    #[test]
    fn an_available_composition_owes_its_sms_and_a_failed_one_leaves_the_index() {
        let schedule = Schedule {
            sms_due: 7,
            stuck_due: 9,
        };
        let done = event_expression(&event(CompositionStatus::Completed), &schedule);
        assert!(done.text().contains("#sms = if_not_exists(#sms, :sms)"));
        assert_eq!(done.values[":due_at"], n(7));
        assert_eq!(done.values[":completed_at"], n(1));
        let failed = event_expression(&event(CompositionStatus::Failed), &schedule).text();
        assert!(failed.ends_with("REMOVE #due_pk, #due_at"), "{failed}");
        let progress = event_expression(&event(CompositionStatus::Processing), &schedule);
        assert!(
            progress
                .text()
                .contains("#due_at = if_not_exists(#due_at, :due_at)")
        );
        assert_eq!(progress.values[":due_at"], n(9));
    }
}
