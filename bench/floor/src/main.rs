//! The floor of `scripts/bench`: the emptiest Lambda function Rust can have (the runtime and
//! nothing else), built with the product's release profile. Every function's cold start is
//! given as a ratio to this one's.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| async {
        Ok::<_, Error>(json!({ "statusCode": 200, "body": "" }))
    }))
    .await
}
