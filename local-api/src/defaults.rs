//! The local API's embedded defaults: what a fresh checkout runs with when the environment says
//! nothing. Every value here is a dev value; real ones come from the environment.

/// The HS256 key of the bearer tokens the local API accepts when `LOCAL_AUTH_SECRET` is unset.
pub const DEV_AUTH_SECRET: &str = "local-dev-secret-do-not-use-in-aws";

/// A variable from the environment, else its local default.
pub fn lookup(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| default(name).map(str::to_string))
}

/// `LOCAL_AUTH_SECRET` or its dev default.
pub fn auth_secret() -> String {
    lookup("LOCAL_AUTH_SECRET").unwrap_or_else(|| DEV_AUTH_SECRET.to_string())
}

fn default(name: &str) -> Option<&'static str> {
    Some(match name {
        "PUBLIC_BASE_URL" => "http://127.0.0.1:3000",
        "TWILIO_ACCOUNT_SID" => "AC00000000000000000000000000000000",
        "TWILIO_API_KEY" => "SK00000000000000000000000000000000",
        "TWILIO_API_SECRET" => "local-dev-api-key-secret",
        "TWILIO_AUTH_TOKEN" => "local-dev-auth-token",
        "TWILIO_VERIFY_SERVICE_SID" => "VA00000000000000000000000000000000",
        "TWILIO_MESSAGING_SERVICE_SID" => "MG00000000000000000000000000000000",
        _ => return None,
    })
}
