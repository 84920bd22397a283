//! Form bodies encoded as Twilio's helper libraries send them: `application/x-www-form-urlencoded`,
//! a list as the same key repeated, an object parameter as a JSON string, booleans as
//! `true`/`false`.

use serde::Serialize;

/// An ordered list of form fields. Its `Debug` shows the names only: values carry phone numbers
/// (`To`), Verify codes (`Code`) and message bodies, which no log line may hold.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Form(Vec<(String, String)>);

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, _)| (name, "[redacted]")))
            .finish()
    }
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A text field.
    pub fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.0.push((name.to_string(), value.into()));
        self
    }

    /// A text field, when there is a value.
    pub fn opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    /// A boolean, as `true` or `false`.
    pub fn bool(self, name: &str, value: bool) -> Self {
        self.text(name, if value { "true" } else { "false" })
    }

    /// A number.
    pub fn num(self, name: &str, value: impl ToString) -> Self {
        self.text(name, value.to_string())
    }

    /// A list: the key repeated once per value, in order.
    pub fn list<I, S>(mut self, name: &str, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        for v in values {
            self.0.push((name.to_string(), v.into()));
        }
        self
    }

    /// An object parameter, as its JSON text.
    pub fn json(self, name: &str, value: &impl Serialize) -> Self {
        let text = serde_json::to_string(value).unwrap_or_else(|_| "null".to_string());
        self.text(name, text)
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[(String, String)] {
        &self.0
    }

    /// The urlencoded body.
    pub fn encode(&self) -> String {
        serde_urlencoded::to_string(&self.0).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_names_fields_but_never_shows_their_values() {
        let form = Form::new()
            .text("To", "+14155550100")
            .text("Code", "123456");
        let shown = format!("{form:?}");
        assert!(shown.contains("To") && shown.contains("Code"), "{shown}");
        assert!(
            !shown.contains("4155550100") && !shown.contains("123456"),
            "{shown}"
        );
        let call = crate::twilio::Call::create(
            url::Url::parse("https://verify.twilio.com/v2").unwrap(),
            form,
        );
        assert!(!format!("{call:?}").contains("4155550100"));
    }

    #[test]
    fn lists_repeat_the_key_objects_are_json_and_booleans_are_words() {
        let form = Form::new()
            .text("To", "+14155550100")
            .bool("RecordParticipantsOnConnect", true)
            .list("AudioSources", ["*"])
            .list("VideoLayout", Vec::<String>::new())
            .json(
                "VideoLayout",
                &serde_json::json!({"grid": {"video_sources": ["*"]}}),
            )
            .num("MaxParticipants", 25);
        assert_eq!(
            form.encode(),
            "To=%2B14155550100&RecordParticipantsOnConnect=true&AudioSources=*\
             &VideoLayout=%7B%22grid%22%3A%7B%22video_sources%22%3A%5B%22*%22%5D%7D%7D&MaxParticipants=25"
        );
        let twice = Form::new().list("Status", ["a", "b"]).encode();
        assert_eq!(twice, "Status=a&Status=b");
    }
}
