//! The booking form as people use it: the served page (in a real browser, with and without
//! JavaScript), HTML answers for plain form posts, and CORS for forms hosted elsewhere.

use std::process::Command;
use testbed::{root, send_with, unique_email, Stack, StackOptions};
use zoom_emulator::TokenMode;

pub const SHOP: &str = "https://shop.example.com";

pub fn options() -> StackOptions {
    StackOptions::new(TokenMode::Multi).var("ALLOWED_ORIGINS", SHOP)
}

fn future_local(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format("%Y-%m-%dT10:00")
        .to_string()
}

pub fn booking_page_is_served(stack: &Stack) {
    let answer = stack.request("GET", "/", None, b"");
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(answer.body.contains("action=\"/v1/bookings\""));
    let csp = answer.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    // Scripts run by the hash of the page's own script, never any inline script.
    let scripts = |csp: &str| {
        let directive = csp.split(';').find(|d| d.contains("script-src")).unwrap();
        directive.trim().to_owned()
    };
    assert!(scripts(csp).starts_with("script-src 'sha256-"), "{csp}");
    assert!(!scripts(csp).contains("unsafe"), "{csp}");
    // Each render carries a fresh idempotency key for its form.
    let key = |body: &str| {
        let at = body
            .find("name=\"idempotency_key\" value=\"")
            .expect("the form has a key");
        body[at..].split('"').nth(3).unwrap().to_owned()
    };
    let again = stack.request("GET", "/", None, b"");
    assert!(key(&answer.body).starts_with("pg_"));
    assert_ne!(key(&answer.body), key(&again.body));
    // The manage page, under the same policy but for its own script.
    let manage = stack.request("GET", "/manage", None, b"");
    assert_eq!(manage.status, 200);
    let manage_csp = manage.header("content-security-policy").unwrap();
    assert!(
        manage_csp.contains("frame-ancestors 'none'"),
        "{manage_csp}"
    );
    assert!(scripts(manage_csp).starts_with("script-src 'sha256-"));
    assert_ne!(scripts(manage_csp), scripts(csp));
    assert_eq!(manage.header("cache-control"), Some("no-store"));
    assert!(manage.body.contains("location.hash"));
}

/// Where the browser scripts leave their screenshots.
fn screenshots() -> std::path::PathBuf {
    root().join("target/e2e/artifacts")
}

/// Each named screenshot was saved (a PNG of some size, not an empty file).
pub fn assert_screenshots(names: &[&str]) {
    for name in names {
        let file = screenshots().join(format!("{name}.png"));
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "{} is missing or empty", file.display());
    }
}

/// Runs `tests/browser/<script>` in Chromium against the stack's worker (arguments: the
/// worker's URL, the screenshot folder, a suffix unique to this run, the emulator's URL);
/// its standard output once it succeeded.
pub fn run_browser_script(stack: &Stack, script: &str) -> String {
    let suffix = unique_email("browser").replace(['@', '.'], "-");
    let run = Command::new("node")
        .arg(root().join("tests/browser").join(script))
        .arg(&stack.worker)
        .arg(screenshots())
        .arg(&suffix)
        .arg(&stack.emulator.base_url)
        .current_dir(root())
        .output()
        .expect("node runs");
    let out = String::from_utf8_lossy(&run.stdout).into_owned();
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{script} failed:\n{out}\n{err}");
    out
}

pub fn browser_books_with_and_without_javascript(stack: &Stack) {
    let out = run_browser_script(stack, "booking_page.mjs");
    // Two bookings went through (with and without JavaScript); the past times made nothing;
    // the manage page moved the first once and cancelled it.
    let stats = stack.stats();
    assert_eq!(stats["meetings_created"], 2, "{out}");
    assert_eq!(stats["meetings_updated"], 1, "{out}");
    assert_eq!(stats["meetings_deleted"], 1, "{out}");
    assert_screenshots(&[
        "booking-page-booked",
        "booking-page-error",
        "booking-page-no-js",
        "manage-page-moved",
        "manage-page-cancelled",
    ]);
}

pub fn plain_form_posts_get_html(stack: &Stack) {
    let url = format!("{}/v1/bookings", stack.worker);
    let browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", browser_accept),
    ];
    let email = unique_email("plain").replace('@', "%40");
    let form = format!(
        "name=Grace&email={email}&start_time={}&timezone=Europe%2FBerlin",
        future_local(5)
    );
    let booked = send_with(&stack.agent, "POST", &url, &headers, form.as_bytes());
    assert_eq!(booked.status, 201, "{}", booked.body);
    assert!(booked
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let join = stack.meetings()[0]["join_url"].as_str().unwrap().to_owned();
    assert!(
        booked.body.contains(&join.replace('&', "&amp;")),
        "{}",
        booked.body
    );
    // The time in words in the booking's zone, and the manage link instead of raw identifiers.
    assert!(
        booked.body.contains(", 10:00–10:30, Berlin time"),
        "{}",
        booked.body
    );
    assert!(
        booked.body.contains("href=\"/manage#bk_"),
        "{}",
        booked.body
    );
    assert_eq!(booked.body.matches("mt_").count(), 1, "{}", booked.body);
    // A confirmation has no script, so it may run none.
    let csp = booked.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'none';"), "{csp}");
    let refused = send_with(
        &stack.agent,
        "POST",
        &url,
        &headers,
        b"name=Grace&email=not-an-email&start_time=2030-01-01T10:00",
    );
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("invalid_email") && refused.body.contains("<html"));
    assert_eq!(stack.stats()["meetings_created"], 1);
}

fn preflight(stack: &Stack, path: &str, origin: &str) -> testbed::Answer {
    let url = format!("{}{path}", stack.worker);
    send_with(
        &stack.agent,
        "OPTIONS",
        &url,
        &[
            ("origin", origin),
            ("access-control-request-method", "POST"),
            (
                "access-control-request-headers",
                "content-type, idempotency-key",
            ),
        ],
        b"",
    )
}

pub fn cors_for_allowed_origins_only(stack: &Stack) {
    let allowed = preflight(stack, "/v1/bookings", SHOP);
    assert_eq!(allowed.status, 204);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(SHOP));
    let methods = allowed.header("access-control-allow-methods").unwrap();
    assert!(
        methods.contains("POST") && methods.contains("DELETE"),
        "{methods}"
    );
    let headers = allowed.header("access-control-allow-headers").unwrap();
    assert!(headers.contains("idempotency-key") && headers.contains("content-type"));
    assert!(allowed.header("vary").unwrap().contains("Origin"));

    let refused = preflight(stack, "/v1/bookings", "https://evil.example.com");
    assert_eq!(refused.header("access-control-allow-origin"), None);
    assert_eq!(refused.header("access-control-allow-methods"), None);
    // The webhook and operator routes never take part.
    let webhook = preflight(stack, "/v1/zoom/webhook", SHOP);
    assert_eq!(webhook.header("access-control-allow-origin"), None);

    let book = |origin: &str| {
        let body = serde_json::json!({"name": "Ada", "email": unique_email("cors"),
            "start_time": format!("{}:00Z", future_local(6))});
        let url = format!("{}/v1/bookings", stack.worker);
        send_with(
            &stack.agent,
            "POST",
            &url,
            &[("origin", origin), ("content-type", "application/json")],
            body.to_string().as_bytes(),
        )
    };
    let from_shop = book(SHOP);
    assert_eq!(from_shop.status, 201, "{}", from_shop.body);
    assert_eq!(from_shop.header("access-control-allow-origin"), Some(SHOP));
    let exposed = from_shop.header("access-control-expose-headers").unwrap();
    assert!(exposed.contains("location") && exposed.contains("idempotent-replayed"));
    assert!(from_shop.header("vary").unwrap().contains("Origin"));
    // A disallowed origin's request is still answered (CORS is the browser's rule), but
    // without the headers that would let its page read the answer.
    let from_elsewhere = book("https://evil.example.com");
    assert_eq!(from_elsewhere.header("access-control-allow-origin"), None);
    assert!(from_elsewhere.header("vary").unwrap().contains("Origin"));
}
