//! Running a script of `tests/python/` under `$TEST_PYTHON`, the interpreter with Twilio's own
//! helper library that `scripts/test` sets up: the differential tests compare our output with
//! that library's.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// The property tests' configuration for a differential test: one run of a batch of cases, so
/// Python starts once, and a failure names its case (no shrinking, which would start it again per
/// step; nothing persisted).
pub fn one_python_run() -> proptest::prelude::ProptestConfig {
    proptest::prelude::ProptestConfig {
        cases: 1,
        max_shrink_iters: 0,
        failure_persistence: None,
        ..Default::default()
    }
}

/// Runs `tests/python/{script}` with `input` as JSON on its standard input, and returns what it
/// prints, as JSON. Panics, with the script's standard error, if it fails (a script that checks
/// our output fails when Twilio's library rejects it).
pub fn run(script: &str, input: &Value) -> Value {
    let python = std::env::var("TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "TEST_PYTHON is not set: run the tests with ./scripts/test, which points it at a \
             Python with Twilio's helper library (pip install twilio)"
        )
    });
    let path = format!("{}/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(&python)
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run TEST_PYTHON={python}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "tests/python/{script}: Twilio's helper library rejected our input or failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("tests/python/{script} printed no JSON: {e}"))
}
