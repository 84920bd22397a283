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

fn decode_component(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "the body is not form data: a bad percent escape".to_string())?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "the body's form fields are not UTF-8".to_string())
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
