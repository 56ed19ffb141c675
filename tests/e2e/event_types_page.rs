//! The booking pages of event types (issue 14), on the `types` stack (`event_types.rs`): the
//! list at `/`, each type's form at `/book/<slug>`, a browser booking `intro` through its page,
//! and a refused plain form post shown again with the refusal at its field.

use crate::page::{assert_screenshots, run_browser_script};
use serde_json::Value;
use testbed::{send_with, unique_email, Answer, Stack};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn future_local(days: i64, hour: u32) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .format(&format!("%Y-%m-%dT{hour:02}:00"))
        .to_string()
}

/// A browser's plain form post of `form` (already URL-encoded).
fn post_form(stack: &Stack, form: &str) -> Answer {
    let url = format!("{}/v1/bookings", stack.worker);
    let headers = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", BROWSER_ACCEPT),
    ];
    send_with(&stack.agent, "POST", &url, &headers, form.as_bytes())
}

pub fn the_home_page_lists_both_types_and_links_to_their_forms(stack: &Stack) {
    let home = stack.request("GET", "/", None, b"");
    assert_eq!(home.status, 200, "{}", home.body);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    for wanted in [
        "<a href=\"/book/intro\">Intro call</a>",
        "A first talk about your plans.",
        "15, 30 or 45 minutes",
        "<a href=\"/book/support\">Support session</a>",
        "15 to 60 minutes",
    ] {
        assert!(home.body.contains(wanted), "{wanted}\n{}", home.body);
    }
    // Hosts and Zoom settings are never shown.
    assert!(!home.body.contains("types-b@") && !home.body.contains("auto_recording"));
    let csp = home.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'none';"), "{csp}");
}

pub fn the_intro_page_offers_its_lengths_and_asks_its_questions(stack: &Stack) {
    let intro = stack.request("GET", "/book/intro", None, b"");
    assert_eq!(intro.status, 200, "{}", intro.body);
    let page = &intro.body;
    for wanted in [
        "<h1>Intro call</h1>",
        "<input type=\"hidden\" id=\"type\" name=\"type\" value=\"intro\">",
        "<select id=\"duration\" name=\"duration\"",
        "<option value=\"15\">15 minutes</option><option value=\"30\" selected>30 minutes</option>\
         <option value=\"45\">45 minutes</option></select>",
        "name=\"answers[company]\" required maxlength=\"80\"",
        "<select id=\"answers.plan\" name=\"answers[plan]\"",
        "<option value=\"Enterprise\">Enterprise</option>",
        "name=\"answers[phone]\" maxlength=\"16\" aria-describedby=\"answers.phone-error\" \
         type=\"tel\"",
        "name=\"answers[cc]\" maxlength=\"254\" aria-describedby=\"answers.cc-error\" \
         type=\"email\"",
        "name=\"idempotency_key\" value=\"pg_",
    ] {
        assert!(page.contains(wanted), "{wanted}\n{page}");
    }
    // Its topic comes from its template.
    assert!(!page.contains("name=\"topic\""));
    let csp = intro.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    let support = stack.request("GET", "/book/support", None, b"");
    assert!(support.body.contains("min=\"15\" max=\"60\""));
    assert!(support
        .body
        .contains("<textarea id=\"answers.details\" name=\"answers[details]\""));
}

pub fn an_unknown_type_page_is_a_404_page(stack: &Stack) {
    for path in ["/book/nope", "/book/Intro", "/book/%3Cscript%3E"] {
        let answer = stack.request("GET", path, None, b"");
        assert_eq!(answer.status, 404, "{path}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert!(answer.body.contains("not_found"), "{}", answer.body);
    }
    assert_eq!(stack.request("GET", "/book/", None, b"").status, 404);
}

pub fn a_browser_books_the_intro_type_through_its_page(stack: &Stack) {
    let out = run_browser_script(stack, "event_type_page.mjs");
    let joined: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("joined: "))
        .collect();
    assert_eq!(joined.len(), 2, "{out}");
    // Two meetings, each of the type: its host, its topic template, the length chosen (the
    // first booked for 45 minutes, then moved to 30 on the manage page's choice of lengths).
    assert_eq!(stack.stats()["meetings_created"], 2, "{out}");
    assert_eq!(stack.stats()["meetings_updated"], 1, "{out}");
    let meetings = stack.meetings();
    let made = |join: &str| -> Value {
        meetings
            .iter()
            .find(|m| m["join_url"] == join)
            .unwrap_or_else(|| panic!("{join} is not at Zoom: {meetings:?}"))
            .clone()
    };
    let (with_js, without_js) = (made(joined[0]), made(joined[1]));
    assert_eq!(
        with_js["topic"], "Intro call with Ada Lovelace",
        "{with_js}"
    );
    assert_eq!(with_js["duration"], 30, "{with_js}");
    assert_eq!(without_js["topic"], "Intro call with Grace Hopper");
    assert_eq!(without_js["duration"], 15, "{without_js}");
    assert_screenshots(&[
        "type-page-booked",
        "type-manage-moved",
        "type-page-refused-no-js",
        "type-page-booked-no-js",
    ]);
    // The answers reach the agenda under their labels (the booking path's part of issue 14).
    for (meeting, company) in [
        (&with_js, "Analytical Engines Ltd"),
        (&without_js, "Compilers Inc"),
    ] {
        let agenda = meeting["agenda"].as_str().unwrap_or_default();
        assert!(
            agenda.contains("Company") && agenda.contains(company),
            "{agenda:?}"
        );
    }
    assert!(with_js["agenda"]
        .as_str()
        .unwrap_or_default()
        .contains("Pro"));
}

/// The form of `/book/intro` as a browser posts it, with `company` as given.
fn intro_form(email: &str, company: &str, start: &str) -> String {
    format!(
        "type=intro&name=Grace+Hopper&email={}&start_time={start}&timezone=Europe%2FBerlin\
         &duration=45&answers%5Bcompany%5D={company}&answers%5Bplan%5D=Pro\
         &answers%5Bphone%5D=&answers%5Bcc%5D=",
        email.replace('@', "%40")
    )
}

pub fn a_refused_plain_form_post_comes_back_filled_in_with_the_refusal_at_its_field(stack: &Stack) {
    let refused = post_form(
        stack,
        &intro_form("not-an-email", "Compilers+Inc", &future_local(15, 9)),
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    let page = &refused.body;
    for wanted in [
        "<h1>Intro call</h1>",
        "<input id=\"email\" name=\"email\" required maxlength=\"254\" autocomplete=\"email\" \
         aria-invalid=\"true\"",
        "value=\"not-an-email\"",
        "value=\"Grace Hopper\"",
        "value=\"Compilers Inc\"",
        "<option value=\"45\" selected>",
        "<option value=\"Pro\" selected>",
        "invalid_email",
        "name=\"idempotency_key\" value=\"pg_",
    ] {
        assert!(page.contains(wanted), "{wanted}\n{page}");
    }
    let slot = page
        .split("id=\"email-error\" role=\"alert\">")
        .nth(1)
        .unwrap();
    assert!(
        !slot.starts_with("</p>"),
        "the refusal is at the email field: {page}"
    );
    let csp = refused.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'sha256-"), "{csp}");

    // Past the 16 KB cap: the cap's own page, not a form refilled from a second read.
    let big = format!(
        "{}&answers%5Bnotes%5D={}",
        intro_form("not-an-email", "X", &future_local(15, 9)),
        "a".repeat(17 * 1024)
    );
    let too_big = post_form(stack, &big);
    assert_eq!(too_big.status, 413, "{}", too_big.body);
    assert!(too_big.body.contains("payload_too_large") && !too_big.body.contains("<form"));
    // A JSON body from a browser-like client refused at a field: the error page (a JSON body
    // is not a form to show again), never a 500.
    let url = format!("{}/v1/bookings", stack.worker);
    let headers = [
        ("content-type", "application/json"),
        ("accept", BROWSER_ACCEPT),
    ];
    let json = br#"{"type": "intro", "name": "Ada", "email": "not-an-email"}"#;
    let refused_json = send_with(&stack.agent, "POST", &url, &headers, json);
    assert_eq!(refused_json.status, 422, "{}", refused_json.body);
    assert!(refused_json.body.contains("<html") && !refused_json.body.contains("<form"));
    assert_eq!(stack.stats()["meetings_created"], 0);
}

pub fn a_plain_form_post_missing_a_required_answer_comes_back_with_the_refusal_at_it(
    stack: &Stack,
) {
    let email = unique_email("types-missing");
    let refused = post_form(stack, &intro_form(&email, "", &future_local(15, 11)));
    assert_eq!(refused.status, 422, "{}", refused.body);
    let page = &refused.body;
    assert!(page.contains("<h1>Intro call</h1>"), "{page}");
    assert!(page.contains("invalid_answer"), "{page}");
    assert!(
        page.contains("aria-invalid=\"true\" aria-describedby=\"answers.company-error\""),
        "{page}"
    );
    let slot = page
        .split("id=\"answers.company-error\" role=\"alert\">")
        .nth(1)
        .unwrap();
    assert!(
        !slot.starts_with("</p>"),
        "the refusal is at the question: {page}"
    );
    assert!(page.contains(&format!("value=\"{email}\"")));
    assert_eq!(stack.stats()["meetings_created"], 0);
}
