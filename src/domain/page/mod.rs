//! The HTML side of the booking API: the served booking page, the owner's manage page, and the
//! confirmation and error pages a plain (no-JavaScript) form post gets when its `Accept` prefers
//! HTML.

mod form;
mod types;
mod when;

pub use form::Refill;
pub use types::{home, not_found_page, refused_form, type_page, Served};
pub use when::meeting_time_in_words;

use crate::domain::api_error::ApiError;
use crate::domain::booking::request::KEY_FIELD;
use crate::domain::event_types::{EventType, EventTypes};
use crate::domain::time_zone::ZoneRules;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The booking page: no framework, no external assets; works as a plain form post and, with
/// JavaScript, submits with `fetch` and shows errors next to their fields.
const BOOKING_PAGE: &str = include_str!("booking.html");

/// The manage page: reads `#<booking_id>.<manage_token>` from its own address (a fragment never
/// reaches a server, a log or a `Referer`) and calls the owner API with the token as a bearer.
const MANAGE_PAGE: &str = include_str!("manage.html");

/// The script both pages share to write a meeting's time in words, as `when` does here.
const WHEN_JS: &str = include_str!("when.js");

/// The idempotency key a served booking form carries: fresh random bytes per render, so a
/// double-submitted plain form (no JavaScript) is one keyed submission, and only whoever holds
/// the page can come back for its answer.
pub fn form_idempotency_key(random: [u8; 16]) -> String {
    format!("pg_{}", URL_SAFE_NO_PAD.encode(random))
}

/// Where Turnstile's widget comes from (the one external asset, and only with bot protection on).
const TURNSTILE_ORIGIN: &str = "https://challenges.cloudflare.com";

/// One render of a type's booking form.
pub struct FormPage<'a> {
    pub event_type: &'a EventType,
    /// Whether other types are listed at `/` (the form then links back to the list).
    pub listed: bool,
    /// Turnstile's site key when bot protection is on.
    pub turnstile_site_key: Option<&'a str>,
    /// This render's key (see [`form_idempotency_key`]).
    pub idempotency_key: &'a str,
    /// A refused plain form post shown again.
    pub refill: Option<&'a Refill>,
}

/// The booking page of one type, its form carrying `idempotency_key`; with a Turnstile site
/// key, with the widget in the form (it adds the `cf-turnstile-response` field the worker
/// checks). Every configured string is escaped: the page's one script, whose hash the CSP
/// names, is the same for every type and render.
pub fn booking_page(form: &FormPage<'_>) -> String {
    let ty = form.event_type;
    let heading = escape(&heading(ty));
    let mut intro = String::new();
    if let Some(refill) = form.refill {
        intro += &refill.notice(form::shows_field(ty, refill));
    }
    if let Some(description) = ty.description() {
        intro += &format!("<p id=\"type-description\">{}</p>", escape(description));
    }
    if form.listed {
        intro += "<p><a href=\"/\">All booking types</a></p>";
    }
    // `autocomplete="off"`: a browser restoring the form on Back would reuse a spent key.
    let page = BOOKING_PAGE
        .replace("//when.js", WHEN_JS)
        .replace("<!--title-->", &heading)
        .replace("<!--intro-->", &intro)
        .replace("<!--fields-->", &form::form_fields(ty, form.refill))
        .replace(
            "<!--idempotency_key-->",
            &format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\" autocomplete=\"off\">",
                KEY_FIELD,
                escape(form.idempotency_key)
            ),
        );
    match form.turnstile_site_key {
        None => page,
        Some(key) => page.replace(
            "<!--turnstile-->",
            &format!(
                "<div class=\"cf-turnstile\" data-sitekey=\"{}\"></div>\
                 <script src=\"{TURNSTILE_ORIGIN}/turnstile/v0/api.js\" async defer></script>",
                escape(key)
            ),
        ),
    }
}

/// A form's heading: the type's title, or "Book a meeting" for the implicit type (a
/// deployment without event types keeps the page it had).
fn heading(ty: &EventType) -> String {
    if ty == EventTypes::implicit().default_type() {
        "Book a meeting".to_owned()
    } else {
        ty.title().to_owned()
    }
}

/// The manage page (`GET /manage`): everything it shows comes from the owner API.
pub fn manage_page() -> String {
    MANAGE_PAGE.replace("//when.js", WHEN_JS)
}

/// The Content-Security-Policy of a served `page`: scripts only by the SHA-256 of the page's own
/// inline `<script>` elements (no `'unsafe-inline'`: markup that ever slipped into a page could
/// not run script, and a confirmation, which has none, runs none), its inline styles, requests
/// to this worker only, never framed; plus Turnstile's script and frame when it is on.
pub fn content_security_policy(page: &str, turnstile: bool) -> String {
    let mut script: Vec<String> = page
        .split("<script>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</script>"))
        .map(|(inline, _)| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(inline))))
        .collect();
    if turnstile {
        script.push(TURNSTILE_ORIGIN.to_owned());
    }
    let script = match script.is_empty() {
        true => "'none'".to_owned(),
        false => script.join(" "),
    };
    let frame = if turnstile {
        TURNSTILE_ORIGIN
    } else {
        "'none'"
    };
    format!(
        "default-src 'none'; script-src {script}; style-src 'unsafe-inline'; \
         frame-src {frame}; connect-src 'self'; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    )
}

/// Whether a client's `Accept` header prefers `text/html` to JSON: a browser's own form post
/// does (`text/html,…,*/*;q=0.8`); `fetch` (`*/*`) and API clients do not.
pub fn prefers_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let quality = |wanted: &[&str]| {
        accept
            .split(',')
            .filter_map(|range| {
                let mut parts = range.split(';').map(str::trim);
                let media = parts.next()?.to_ascii_lowercase();
                let q = parts
                    .find_map(|p| p.strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                wanted.contains(&media.as_str()).then_some(q)
            })
            .fold(0.0f32, f32::max)
    };
    let html = quality(&["text/html", "application/xhtml+xml"]);
    html > 0.0 && html > quality(&["application/json"]).max(quality(&["*/*"]))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font:16px/1.5 system-ui,sans-serif;max-width:32rem;\
         margin:2rem auto;padding:0 1rem}}code{{word-break:break-all}}</style></head>\
         <body><main><h1>{title}</h1>{body}<p><a href=\"/\">Back to the booking form</a></p>\
         </main></body></html>"
    )
}

/// Where the owner manages a booking: the manage page, with the booking and its token in the
/// fragment.
pub fn manage_link(booking_id: &str, manage_token: &str) -> String {
    format!("/manage#{booking_id}.{manage_token}")
}

/// The page a no-JavaScript form post gets for a booking (the 201 body, or its replay): the time
/// in words in the booking's zone, the join link, and the manage link — or, for a replay that
/// withholds the token, where the link was given. A replay is the answer as first given, so it
/// says so: the booking may have moved or been cancelled since.
pub fn confirmation_page(answer: &Value, replayed: bool, zones: &dyn ZoneRules) -> String {
    let meeting = &answer["meeting"];
    let start = meeting["start_time"].as_str().unwrap_or_default();
    let when = DateTime::parse_from_rfc3339(start).map(|t| {
        let minutes = meeting["duration"].as_u64().unwrap_or_default();
        let zone = meeting["timezone"].as_str().unwrap_or("UTC");
        meeting_time_in_words(t.with_timezone(&Utc), minutes as u32, zone, zones)
    });
    let lead = if replayed {
        "This booking was already made, and first confirmed for"
    } else {
        "Your meeting is booked:"
    };
    let mut body = format!(
        "<p id=\"booked-when\">{lead} <time datetime=\"{}\">{}</time>.</p>\
         <p><a id=\"join-link\" href=\"{}\" rel=\"noreferrer\">Join the meeting</a></p>",
        escape(start),
        escape(&when.unwrap_or_else(|_| start.to_owned())),
        escape(web_link(meeting["join_url"].as_str().unwrap_or_default())),
    );
    if let Some(password) = meeting["password"].as_str() {
        body += &format!("<p>Passcode: <code>{}</code></p>", escape(password));
    }
    match (
        answer["booking_id"].as_str(),
        answer["manage_token"].as_str(),
    ) {
        (Some(id), Some(token)) => {
            body += &format!(
                "<p><a id=\"manage-link\" href=\"{}\">Change or cancel this booking</a></p>\
                 <p>Keep this link (bookmark it): it is how you change or cancel the booking, \
                 and anyone who has it can.</p>",
                escape(&manage_link(id, token))
            );
        }
        _ if answer["manage_token_withheld"] == Value::Bool(true) => {
            body += "<p id=\"manage-withheld\">This booking was already made. The link to \
                     change or cancel it was given when it was first made.</p>";
        }
        _ => {}
    }
    document("Booked", &body)
}

/// `url` if it is a web address; anything else (a `javascript:` link) becomes an inert `#`.
fn web_link(url: &str) -> &str {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        url
    } else {
        "#"
    }
}

/// The page a no-JavaScript form post gets when the booking was refused.
pub fn error_page(err: &ApiError) -> String {
    let body = format!(
        "<p role=\"alert\">{}</p>{}<p><small>Error code: <code>{}</code></small></p>",
        escape(&err.message()),
        form_hint(err),
        err.code()
    );
    document("The booking did not go through", &body)
}

/// The page `/` and `/book/<slug>` answer when they cannot show a form (the settings or the
/// event types are broken): what is wrong, and its code, as the booking API says it.
pub fn unavailable_page(err: &ApiError) -> String {
    let body = format!(
        "<p role=\"alert\">Booking is not available right now: {}</p>\
         <p><small>Error code: <code>{}</code></small></p>",
        escape(&err.message()),
        escape(err.code())
    );
    document("Booking is not available", &body)
}

/// What a person at the form does about the refusals its hidden `idempotency_key` causes (the
/// API's messages speak of keys, which a form's user never saw): a double click's second post
/// answers while the first is still booking, and a form brought back with Back still holds the
/// key of the booking it made.
fn form_hint(err: &ApiError) -> &'static str {
    match err {
        ApiError::RequestInProgress { .. } => {
            "<p id=\"hint\">If you pressed the button twice, your booking is being made: in a \
             moment, reload this page (and confirm sending the form again) to see it, with its \
             link to change or cancel it.</p>"
        }
        ApiError::IdempotencyKeyReused => {
            "<p id=\"hint\">This form was already used for a booking (perhaps you came back \
             to it with your browser's Back button). <a href=\"/\">Open the booking page \
             again</a> to make another booking.</p>"
        }
        _ => "",
    }
}

#[cfg(test)]
mod type_tests;

#[cfg(test)]
mod picker_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time_zone::CompiledZones;
    use serde_json::json;

    /// The page of a deployment without event types.
    fn implicit_page(turnstile_site_key: Option<&str>, key: &str) -> String {
        booking_page(&FormPage {
            event_type: EventTypes::implicit().default_type(),
            listed: false,
            turnstile_site_key,
            idempotency_key: key,
            refill: None,
        })
    }

    #[test]
    fn browsers_form_posts_prefer_html_fetch_does_not() {
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(prefers_html(Some(browser)));
        assert!(prefers_html(Some("text/html")));
        for other in [
            None,
            Some("*/*"),
            Some("application/json"),
            Some("application/json, text/html;q=0.5"),
            Some("text/html;q=0"),
            Some("text/html;q=0.5, */*"),
        ] {
            assert!(!prefers_html(other), "{other:?}");
        }
    }

    fn booked(extra: Value) -> Value {
        let mut answer = json!({"booking_id": "bk_1", "status": "scheduled",
            "meeting": {"join_url": "https://zoom.us/j/1?pwd=a&b=<c>", "password": "1\"2",
                        "start_time": "2026-11-26T10:00:00Z", "duration": 30,
                        "timezone": "Europe/London"}});
        for (k, v) in extra.as_object().unwrap() {
            answer[k] = v.clone();
        }
        answer
    }

    #[test]
    fn pages_escape_what_they_show() {
        let page = confirmation_page(
            &booked(json!({"manage_token": "mt_x"})),
            false,
            &CompiledZones,
        );
        assert!(page.contains("href=\"https://zoom.us/j/1?pwd=a&amp;b=&lt;c&gt;\""));
        assert!(page.contains("1&quot;2"));
        let script = json!({"meeting": {"join_url": "JavaScript:alert(1)"}});
        assert!(confirmation_page(&booked(script), false, &CompiledZones).contains("href=\"#\""));
        let refused = error_page(&ApiError::SlotUnavailable);
        assert!(refused.contains("slot_unavailable") && refused.contains("No host is free"));
        assert!(!refused.contains("id=\"hint\""));
    }

    #[test]
    fn a_form_refused_for_its_key_tells_its_user_what_to_do() {
        let double_click = error_page(&ApiError::RequestInProgress { retry_after: 1 });
        assert!(double_click.contains("reload this page"), "{double_click}");
        let came_back = error_page(&ApiError::IdempotencyKeyReused);
        assert!(came_back.contains("<a href=\"/\">"), "{came_back}");
    }

    #[test]
    fn a_confirmation_states_the_time_in_words_and_links_to_the_manage_page() {
        let page = confirmation_page(
            &booked(json!({"manage_token": "mt_x"})),
            false,
            &CompiledZones,
        );
        assert!(page.contains("Thursday 26 November 2026, 10:00–10:30, London time"));
        assert!(page.contains("<a id=\"manage-link\" href=\"/manage#bk_1.mt_x\">"));
        // The link, not the raw identifiers, is what the owner keeps.
        assert_eq!(page.matches("mt_x").count(), 1);
        assert_eq!(page.matches("bk_1").count(), 1);
        assert!(!page.contains("(UTC)"));
    }

    #[test]
    fn a_replay_without_the_token_says_where_the_link_was_given() {
        let page = confirmation_page(
            &booked(json!({"manage_token_withheld": true})),
            true,
            &CompiledZones,
        );
        assert!(page.contains("London time") && page.contains("given when it was first made"));
        // The time is the one first confirmed: the booking may have moved since.
        assert!(page.contains("first confirmed for") && !page.contains("is booked"));
        assert!(!page.contains("/manage#") && !page.contains("bk_1"));
    }

    #[test]
    fn the_manage_link_carries_the_booking_and_token_in_the_fragment_only() {
        assert_eq!(manage_link("bk_abc", "mt_def"), "/manage#bk_abc.mt_def");
    }

    #[test]
    fn each_served_form_gets_its_own_key() {
        let (one, two) = (form_idempotency_key([1; 16]), form_idempotency_key([2; 16]));
        assert_ne!(one, two);
        assert!(one.starts_with("pg_") && one.len() == 25, "{one}");
        let page = implicit_page(None, &one);
        assert!(page.contains(&format!(
            "<input type=\"hidden\" name=\"idempotency_key\" value=\"{one}\" autocomplete=\"off\">"
        )));
        assert!(!implicit_page(None, "\"><script>").contains("\"><script>"));
    }

    #[test]
    fn both_pages_carry_the_time_in_words_script() {
        for page in [implicit_page(None, "pg_x"), manage_page()] {
            assert!(page.contains("function meetingTimeInWords("));
            assert!(!page.contains("//when.js"));
        }
    }

    #[test]
    fn the_manage_page_reads_its_fragment_and_keeps_the_token_out_of_urls() {
        let page = manage_page();
        assert!(page.contains("location.hash"));
        assert!(page.contains("\"authorization\": \"Bearer \" + token"));
        assert!(page.contains("<meta name=\"referrer\" content=\"no-referrer\">"));
        for leak in [
            "localStorage",
            "sessionStorage",
            "console.",
            "?token",
            "document.cookie",
        ] {
            assert!(!page.contains(leak), "{leak}");
        }
    }

    #[test]
    fn scripts_run_only_by_the_hash_of_the_pages_own_script() {
        let page = "<p>x</p><script>alert(1)</script><script src=\"https://a\"></script>";
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        let hash = "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='";
        let csp = content_security_policy(page, false);
        assert!(csp.contains(&format!("script-src {hash};")), "{csp}");
        let scripts = csp.split(';').find(|d| d.contains("script-src")).unwrap();
        assert!(!scripts.contains("unsafe"), "{csp}");
        for served in [implicit_page(Some("k"), "pg_x"), manage_page()] {
            let csp = content_security_policy(&served, true);
            assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        }
        let confirmation = confirmation_page(
            &booked(json!({"manage_token": "mt_x"})),
            false,
            &CompiledZones,
        );
        let csp = content_security_policy(&confirmation, false);
        assert!(csp.contains("script-src 'none';"), "{csp}");
    }

    #[test]
    fn the_booking_page_is_a_plain_form_to_the_api() {
        let page = implicit_page(None, "pg_x");
        assert!(page.contains("<form id=\"booking\" method=\"post\" action=\"/v1/bookings\""));
        for field in [
            "name",
            "email",
            "start_time",
            "timezone",
            "duration",
            "topic",
        ] {
            assert!(page.contains(&format!("name=\"{field}\"")), "{field}");
            assert!(page.contains(&format!("<label for=\"{field}\"")), "{field}");
        }
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
        assert!(!content_security_policy(&page, false).contains("challenges"));
        assert!(content_security_policy(&page, false).contains("frame-src 'none';"));
    }

    #[test]
    fn turnstile_adds_its_widget_and_origin_only_when_on() {
        let page = implicit_page(Some("1x00000000000000000000AA\"><script>"), "pg_x");
        assert!(page.contains("data-sitekey=\"1x00000000000000000000AA&quot;&gt;&lt;script&gt;\""));
        assert!(page.contains("https://challenges.cloudflare.com/turnstile/v0/api.js"));
        let csp = content_security_policy(&page, true);
        assert!(csp.contains(" https://challenges.cloudflare.com;"), "{csp}");
        assert!(csp.contains("frame-src https://challenges.cloudflare.com;"));
    }
}
