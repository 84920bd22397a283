//! Reading a stored item back: each attribute as the type it must have. A required attribute
//! that is missing, or any attribute of another type, is [`StoreError::Corrupt`] naming the kind
//! of item and the attribute, never its value (an owner's phone number stays out of logs).

use std::str::FromStr;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;
use crate::store::StoreError;

/// The attributes of one stored item, read as the types they must have.
pub(crate) struct Attributes<'a> {
    kind: &'static str,
    item: &'a Item,
}

impl<'a> Attributes<'a> {
    /// The attributes of `item`, an item of `kind` ("room", "audit entry", …).
    pub(crate) fn of(kind: &'static str, item: &'a Item) -> Self {
        Self { kind, item }
    }

    /// A corrupt-item error for attribute `name`, saying how it is wrong.
    pub(crate) fn corrupt(&self, name: &str, how: &str) -> StoreError {
        StoreError::corrupt(format!("{} item: attribute {name} {how}", self.kind))
    }

    /// A required string.
    pub(crate) fn string(&self, name: &str) -> Result<&'a str, StoreError> {
        self.opt_string(name)?
            .ok_or_else(|| self.corrupt(name, "is missing"))
    }

    /// An optional string.
    pub(crate) fn opt_string(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        self.typed(name, AttributeValue::as_s, "is not a string")
            .map(|v| v.map(String::as_str))
    }

    /// A required number.
    pub(crate) fn number<T: FromStr>(&self, name: &str) -> Result<T, StoreError> {
        self.opt_number(name)?
            .ok_or_else(|| self.corrupt(name, "is missing"))
    }

    /// An optional number, which must fit `T`.
    pub(crate) fn opt_number<T: FromStr>(&self, name: &str) -> Result<Option<T>, StoreError> {
        self.typed(name, AttributeValue::as_n, "is not a number")?
            .map(|v| v.parse().map_err(|_| self.corrupt(name, "is out of range")))
            .transpose()
    }

    /// An optional string set, empty when absent.
    pub(crate) fn string_set(&self, name: &str) -> Result<&'a [String], StoreError> {
        let set = self.typed(name, AttributeValue::as_ss, "is not a string set")?;
        Ok(set.map(Vec::as_slice).unwrap_or_default())
    }

    /// An optional boolean, false when absent.
    pub(crate) fn flag(&self, name: &str) -> Result<bool, StoreError> {
        let flag = self.typed(name, AttributeValue::as_bool, "is not a boolean")?;
        Ok(flag.copied().unwrap_or(false))
    }

    fn typed<T: ?Sized>(
        &self,
        name: &str,
        as_type: fn(&'a AttributeValue) -> Result<&'a T, &'a AttributeValue>,
        how: &str,
    ) -> Result<Option<&'a T>, StoreError> {
        self.item
            .get(name)
            .map(|v| as_type(v).map_err(|_| self.corrupt(name, how)))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::{n, s};

    #[test]
    fn a_missing_or_mistyped_attribute_is_corrupt_and_named_without_its_value() {
        let item = Item::from([
            ("status".to_string(), n(7)),
            ("phone_number".to_string(), s("+14155550100")),
            ("count".to_string(), n(-1)),
        ]);
        let attrs = Attributes::of("room", &item);
        let message = |e: StoreError| {
            assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
            e.to_string()
        };
        assert_eq!(
            message(attrs.string("room_sid").unwrap_err()),
            "corrupt item: room item: attribute room_sid is missing"
        );
        assert_eq!(
            message(attrs.string("status").unwrap_err()),
            "corrupt item: room item: attribute status is not a string"
        );
        let mistyped = message(attrs.number::<i64>("phone_number").unwrap_err());
        assert!(!mistyped.contains("+1415"), "{mistyped}");
        assert!(message(attrs.number::<u32>("count").unwrap_err()).ends_with("out of range"));
        assert_eq!(attrs.opt_string("absent").unwrap(), None);
        assert_eq!(attrs.number::<i64>("count").unwrap(), -1);
        assert!(attrs.string_set("absent").unwrap().is_empty());
        assert!(!attrs.flag("absent").unwrap());
        assert!(attrs.flag("status").is_err());
    }
}
