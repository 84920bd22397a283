//! How a function's release binary is linked (the `build` script of every function, and of the
//! bench's floor): its symbol table stripped, position-dependent, and the code its cold start
//! runs laid out together.
//!
//! - **Stripped here**, by the linker, rather than by `strip` in the release profile: a profile
//!   setting is part of every crate's `-C metadata`, hence of every symbol's name, and the names
//!   in `functions/cold-start.order` must be those of the deployed build. `COLD_START_SYMBOLS=1`
//!   keeps the symbols (what `scripts/bench --order` builds with, to name what a cold start
//!   runs); it changes the link only, not one symbol.
//! - **Cold-start code first.** `functions/cold-start.order` names the functions each function's
//!   cold start and first requests run (`scripts/bench --order` records them with Valgrind); lld
//!   places them together at the start of the code. Without it, the ~1,800 functions a first
//!   request runs lie scattered over most of a 4.7 MB text, and the kernel maps (and counts as
//!   resident) nearly all of it (README, Performance). A function missing from the list is placed
//!   with the rest of the code and can make another 64-KB window resident; the names move with
//!   any change to the code, a dependency or the toolchain, so `scripts/bench --order` is run
//!   after one and CI's `--check-order` fails when the list is stale (README, Performance).
//!   Only lld reads the list: on another target, or through another linker (cargo-zigbuild's
//!   zig, for arm64 built on x86_64, refuses the flag), the code keeps the compiler's order.

use std::env;
use std::path::Path;

const ORDER: &str = "functions/cold-start.order";

fn main() {
    println!("cargo:rerun-if-env-changed=COLD_START_SYMBOLS");
    if env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    if env::var("COLD_START_SYMBOLS").as_deref() != Ok("1") {
        println!("cargo:rustc-link-arg-bins=-Wl,--strip-all");
    }
    let target = env::var("TARGET").unwrap_or_default();
    let linker = format!(
        "CARGO_TARGET_{}_LINKER",
        target.to_uppercase().replace(['-', '.'], "_")
    );
    println!("cargo:rerun-if-env-changed={linker}");
    let custom_linker = env::var_os(&linker).is_some()
        || env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|flags| flags.contains("linker"));
    // rust-lld links x86_64-unknown-linux-gnu by default from Rust 1.90; before, `cc` with the
    // system's ld, which does not take the flag.
    if target != "x86_64-unknown-linux-gnu" || custom_linker || !rustc_links_with_lld() {
        return;
    }
    // Position-dependent: the loader relocates nothing of ours. A position-independent binary
    // has ~12,700 pointers (vtables, static tables) that the loader rewrites at every start,
    // reading 297 KB of relocations and dirtying the 196 KB of pages they lie on; `-no-pie`
    // (after rustc's `-pie`, so it wins) has lld resolve them at the link instead: token's
    // peak RSS 0.4 MB lower. The price: the binary's own code and data are not randomized
    // (libc, stack, heap and mmaps still are); RELRO, BIND_NOW and a non-executable stack
    // are kept and checked by scripts/check_bootstraps.py (README, Security).
    println!("cargo:rustc-link-arg-bins=-no-pie");
    let manifest = env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let Some(order) = Path::new(&manifest)
        .ancestors()
        .map(|dir| dir.join(ORDER))
        .find(|path| path.is_file())
    else {
        println!("cargo:warning={ORDER} not found: the binary keeps the compiler's code order");
        return;
    };
    println!("cargo:rerun-if-changed={}", order.display());
    println!(
        "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
        order.display()
    );
    println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
}

/// Whether the compiler is Rust 1.90 or later (`rustc -V`: "rustc 1.95.0 (…)").
fn rustc_links_with_lld() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(out) = std::process::Command::new(rustc).arg("-V").output() else {
        return false;
    };
    let version = String::from_utf8_lossy(&out.stdout);
    let mut parts = version
        .split_whitespace()
        .nth(1)
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 90)
}
