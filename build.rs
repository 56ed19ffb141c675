//! Stamps the build with the crate version and the git commit it was built from, so `/healthz`
//! tells an operator exactly which code a deployment runs.
use std::process::Command;

fn main() {
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
