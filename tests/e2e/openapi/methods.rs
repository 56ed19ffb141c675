//! Methods the document does not list for a path are refused with 405 and an `Allow` header that
//! lists exactly the documented ones (GET routes also HEAD). OPTIONS is the CORS preflight on the
//! booking routes, `/v1/types` and `/v1/availability`, so it is probed only elsewhere.

use super::document::operations;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use testbed::{send_with, Stack};

/// Methods probed on every documented path (QUERY: the safe method with a body, which a
/// router must not mistake for GET).
const PROBED: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY",
];
/// A well-formed booking id, so the path reaches its route.
const SOME_BOOKING_ID: &str = "bk_AAAAAAAAAAAAAAAAAAAAAA";

pub fn every_undocumented_method_is_405_with_the_documented_allow_list(stack: &Stack) {
    let doc = stack.request("GET", "/openapi.json", None, b"").json();
    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in operations(&doc) {
        documented.entry(op.path).or_default().insert(op.method);
    }
    let mut failures = Vec::new();
    for (template, methods) in &documented {
        let mut allowed = methods.clone();
        if allowed.contains("GET") {
            allowed.insert("HEAD".to_owned());
        }
        let path = template
            .replace("{booking_id}", SOME_BOOKING_ID)
            .replace("{slug}", "meeting");
        let preflight_route = path == "/v1/bookings"
            || path.starts_with("/v1/bookings/")
            || path == "/v1/types"
            || path == "/v1/availability";
        let url = format!("{}{path}", stack.worker);
        for method in PROBED {
            if allowed.contains(method) || (method == "OPTIONS" && preflight_route) {
                continue;
            }
            let answer = send_with(&stack.agent, method, &url, &[], b"");
            let allow: BTreeSet<String> = answer
                .header("allow")
                .unwrap_or_default()
                .split(',')
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect();
            let code_ok = method == "HEAD"
                || serde_json::from_str::<Value>(&answer.body)
                    .is_ok_and(|body| body["error"]["code"] == "method_not_allowed");
            if answer.status != 405 || allow != allowed || !code_ok {
                let body: String = answer.body.chars().take(120).collect();
                failures.push(format!(
                    "{method} {path}: {} allow {allow:?} (documented {allowed:?}) {body}",
                    answer.status
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
