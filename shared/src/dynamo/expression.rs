//! An `UpdateItem` expression, built clause by clause with its attribute names and values, so
//! that no caller writes placeholders by hand.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// The clauses, names and values of one update expression.
#[derive(Default)]
pub(crate) struct Expression {
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    pub(crate) names: HashMap<String, String>,
    pub(crate) values: HashMap<String, AttributeValue>,
}

impl Expression {
    fn placeholders(&mut self, attr: &str, value: AttributeValue) -> (String, String) {
        let (name, placeholder) = (format!("#{attr}"), format!(":{attr}"));
        self.names.insert(name.clone(), attr.to_string());
        self.values.insert(placeholder.clone(), value);
        (name, placeholder)
    }

    /// `SET attr = value`.
    pub(crate) fn set(&mut self, attr: &str, value: AttributeValue) {
        let (name, value) = self.placeholders(attr, value);
        self.set.push(format!("{name} = {value}"));
    }

    /// `SET attr = value` unless the item has `attr` already.
    pub(crate) fn set_if_absent(&mut self, attr: &str, value: AttributeValue) {
        let (name, value) = self.placeholders(attr, value);
        self.set
            .push(format!("{name} = if_not_exists({name}, {value})"));
    }

    /// `ADD attr value`: a number added to, or a set joined with, what is stored.
    pub(crate) fn add(&mut self, attr: &str, value: AttributeValue) {
        let (name, value) = self.placeholders(attr, value);
        self.add.push(format!("{name} {value}"));
    }

    /// `REMOVE attr`.
    pub(crate) fn remove(&mut self, attr: &str) {
        let name = format!("#{attr}");
        self.names.insert(name.clone(), attr.to_string());
        self.remove.push(name);
    }

    /// The expression's text.
    pub(crate) fn text(&self) -> String {
        let mut text = format!("SET {}", self.set.join(", "));
        if !self.add.is_empty() {
            text.push_str(&format!(" ADD {}", self.add.join(", ")));
        }
        if !self.remove.is_empty() {
            text.push_str(&format!(" REMOVE {}", self.remove.join(", ")));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_join_with_their_placeholders() {
        let mut e = Expression::default();
        e.set("status", AttributeValue::S("completed".into()));
        e.set_if_absent("created_at", AttributeValue::N("1".into()));
        e.add("participants", AttributeValue::Ss(vec!["acme:u1".into()]));
        assert_eq!(
            e.text(),
            "SET #status = :status, #created_at = if_not_exists(#created_at, :created_at) \
             ADD #participants :participants"
        );
        assert_eq!(e.names["#created_at"], "created_at");
        e.remove("due_at");
        assert!(
            e.text()
                .ends_with("ADD #participants :participants REMOVE #due_at")
        );
        assert_eq!(e.values[":status"], AttributeValue::S("completed".into()));
    }
}
