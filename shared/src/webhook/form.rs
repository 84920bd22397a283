//! Strict parsing of `application/x-www-form-urlencoded` bodies.

/// Parses an `application/x-www-form-urlencoded` body strictly: every field is `name=value`,
/// percent escapes are complete, and the decoded text is UTF-8. Twilio never sends anything
/// else, so anything else is a 400 rather than a guess.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the body is not UTF-8 text".to_string())?;
    let mut params = Vec::new();
    for field in text.split('&').filter(|f| !f.is_empty()) {
        let (name, value) = field
            .split_once('=')
            .ok_or_else(|| "the body is not form data: a field lacks '='".to_string())?;
        let name = decode_component(name)?;
        if name.is_empty() {
            return Err("the body is not form data: a field has no name".into());
        }
        params.push((name, decode_component(value)?));
    }
    Ok(params)
}

/// One name or value: `+` is a space, then percent escapes are decoded (by `percent-encoding`,
/// which leaves an incomplete escape as it is, so that is checked first).
fn decode_component(s: &str) -> Result<String, String> {
    let complete = s.split('%').skip(1).all(|after| {
        after
            .as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !complete {
        return Err("the body is not form data: a bad percent escape".into());
    }
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8()
        .map(|text| text.into_owned())
        .map_err(|_| "the body's form fields are not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_are_parsed_strictly() {
        assert_eq!(
            parse_form(b"RoomSid=RM1&RoomName=acme%3Aclass%3A1&Note=a+b&Empty=").unwrap(),
            vec![
                ("RoomSid".to_string(), "RM1".to_string()),
                ("RoomName".to_string(), "acme:class:1".to_string()),
                ("Note".to_string(), "a b".to_string()),
                ("Empty".to_string(), String::new()),
            ]
        );
        assert!(parse_form(b"").unwrap().is_empty());
        assert_eq!(
            parse_form(b"x=a%2Bb+c").unwrap(),
            vec![("x".to_string(), "a+b c".to_string())],
            "an escaped '+' stays a '+'"
        );
        for bad in [
            &b"{\"RoomSid\":\"RM1\"}"[..],
            b"RoomSid=%ZZ",
            b"RoomSid=%4",
            b"=x",
            b"a=%FF",
            b"a=\xff",
        ] {
            assert!(
                parse_form(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
