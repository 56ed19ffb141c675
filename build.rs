//! Stamps the build with the crate version and the git commit it was built from, so `/healthz`
//! tells an operator exactly which code a deployment runs; checks and embeds the event types
//! file (`booking-types.json`), so a bad file fails the build instead of a deployment.
use std::process::Command;

// The same reader the worker uses for the `BOOKING_TYPES` var: the same path-named messages.
#[allow(dead_code)]
#[path = "src/domain/event_types/schema.rs"]
mod schema;

/// Checks `booking-types.json` when there is one and copies it where the crate embeds it (an
/// empty file when there is none: the worker then has its implicit type or the var).
fn embed_event_types() {
    const FILE: &str = "booking-types.json";
    println!("cargo:rerun-if-changed={FILE}");
    println!("cargo:rerun-if-changed=src/domain/event_types/schema.rs");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let text = match std::fs::read_to_string(FILE) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => panic!("{FILE}: cannot be read ({e})"),
    };
    if !text.trim().is_empty() {
        if let Err(problems) = schema::read(&text, FILE) {
            for problem in &problems {
                println!("cargo:warning={problem}");
            }
            panic!("{FILE} is not valid:\n{}", problems.join("\n"));
        }
    }
    std::fs::write(out.join(FILE), text).expect("OUT_DIR is writable");
}

fn main() {
    embed_event_types();
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .is_some_and(|out| !out.stdout.is_empty());
    let stamp = match commit {
        Some(c) if dirty => format!("{version}+{c}.dirty"),
        Some(c) => format!("{version}+{c}"),
        None => version,
    };
    println!("cargo:rustc-env=BUILD_VERSION_STAMP={stamp}");
    // Re-stamp when the checked-out commit moves.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-changed=build.rs");
}
