//! A stack whose coordinator runs in its own `wrangler dev` session, so a test can stop it and
//! start it again: the honest form of "the coordinator is unavailable" (a deploy restarting the
//! object, an overloaded object), with no fault switch in the worker under test.
//!
//! wrangler's local dev registry lets a Durable Object binding with `script_name` reach the class
//! served by another `wrangler dev` process on the same machine; while that process is stopped,
//! every call to the object fails. Both sessions run the same built worker with the same vars
//! and `--persist-to` (one KV for the token cache; the object's SQLite storage survives a
//! restart). Their configs are `wrangler.toml` rewritten: the coordinator session under its own
//! name with the class and its migration, the front session with the binding pointed at it.
//! `WRANGLER_REGISTRY_PATH` is the stack's own directory, so parallel stacks never see each other.

use std::path::Path;

/// The coordinator session's worker name.
pub fn coordinator_name(stack: &str) -> String {
    format!("zbe-coordinator-{stack}")
}

/// The front session's worker name.
pub fn front_name(stack: &str) -> String {
    format!("zbe-front-{stack}")
}

/// `wrangler.toml` as a generated config: `name`, an absolute `main`, no `[build]` (the worker
/// is built already, and a build section would make wrangler watch `src/`).
fn rewritten(root: &Path, name: &str, keep_migrations: bool, script_name: Option<&str>) -> String {
    let original =
        std::fs::read_to_string(root.join("wrangler.toml")).expect("wrangler.toml is readable");
    let main = root.join("build/index.js");
    let mut out = String::new();
    let mut skipping = false;
    let (mut named, mut mained, mut bound) = (false, false, script_name.is_none());
    for line in original.lines() {
        if line.starts_with('[') {
            skipping = line == "[build]" || (!keep_migrations && line == "[[migrations]]");
        }
        if skipping {
            continue;
        }
        if line.starts_with("name = ") && !named {
            out.push_str(&format!("name = \"{name}\"\n"));
            named = true;
        } else if line.starts_with("main = ") {
            out.push_str(&format!("main = \"{}\"\n", main.display()));
            mained = true;
        } else {
            out.push_str(line);
            out.push('\n');
            if let (Some(script), "class_name = \"ZoomCoordinator\"") = (script_name, line) {
                out.push_str(&format!("script_name = \"{script}\"\n"));
                bound = true;
            }
        }
    }
    assert!(
        named && mained && bound,
        "wrangler.toml changed shape: cannot derive the split-coordinator configs"
    );
    out
}

/// Writes the two configs into `dir`; returns (coordinator config, front config).
pub fn write_configs(root: &Path, dir: &Path, stack: &str) -> (String, String) {
    let coordinator = rewritten(root, &coordinator_name(stack), true, None);
    let front = rewritten(
        root,
        &front_name(stack),
        false,
        Some(&coordinator_name(stack)),
    );
    let write = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::write(&path, text).expect("config written");
        path.to_str().expect("a UTF-8 path").to_owned()
    };
    (
        write("coordinator.wrangler.toml", &coordinator),
        write("front.wrangler.toml", &front),
    )
}
