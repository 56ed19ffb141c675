//! The HTML side of the booking API: the served booking page, and the confirmation and error
//! pages a plain (no-JavaScript) form post gets when its `Accept` prefers HTML.

use crate::domain::api_error::ApiError;
use serde_json::Value;

/// The booking page: no framework, no external assets; works as a plain form post and, with
/// JavaScript, submits with `fetch` and shows errors next to their fields.
const BOOKING_PAGE: &str = include_str!("booking.html");

/// Where Turnstile's widget comes from (the one external asset, and only with bot protection on).
const TURNSTILE_ORIGIN: &str = "https://challenges.cloudflare.com";

/// The booking page; with a Turnstile site key, with the widget in the form (it adds the
/// `cf-turnstile-response` field the worker checks).
pub fn booking_page(turnstile_site_key: Option<&str>) -> String {
    match turnstile_site_key {
        None => BOOKING_PAGE.to_owned(),
        Some(key) => BOOKING_PAGE.replace(
            "<!--turnstile-->",
            &format!(
                "<div class=\"cf-turnstile\" data-sitekey=\"{}\"></div>\
                 <script src=\"{TURNSTILE_ORIGIN}/turnstile/v0/api.js\" async defer></script>",
                escape(key)
            ),
        ),
    }
}

/// The Content-Security-Policy of the pages: their own inline scripts and styles, requests to
/// this worker only, never framed; plus Turnstile's script and frame when it is on.
pub fn content_security_policy(turnstile: bool) -> String {
    let (script, frame) = if turnstile {
        (
            format!("'unsafe-inline' {TURNSTILE_ORIGIN}"),
            TURNSTILE_ORIGIN,
        )
    } else {
        ("'unsafe-inline'".to_owned(), "'none'")
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

/// The page a no-JavaScript form post gets for a booking (the 201 body, or its replay).
pub fn confirmation_page(answer: &Value) -> String {
    let text = |v: &Value| escape(v.as_str().unwrap_or_default());
    let meeting = &answer["meeting"];
    let join = text(&meeting["join_url"]);
    let body = format!(
        "<p>Your meeting is booked for <time datetime=\"{start}\">{start}</time> (UTC), \
         {minutes} minutes.</p>\
         <p><a id=\"join-link\" href=\"{join}\">Join the meeting</a></p>\
         <p>Passcode: <code>{password}</code></p>\
         <p>Keep this booking reference and key to change or cancel the booking:<br>\
         <code>{booking_id}</code><br><code>{token}</code></p>",
        start = text(&meeting["start_time"]),
        minutes = meeting["duration"].as_u64().unwrap_or_default(),
        password = text(&meeting["password"]),
        booking_id = text(&answer["booking_id"]),
        token = text(&answer["manage_token"]),
    );
    document("Booked", &body)
}

/// The page a no-JavaScript form post gets when the booking was refused.
pub fn error_page(err: &ApiError) -> String {
    let body = format!(
        "<p role=\"alert\">{}</p><p><small>Error code: <code>{}</code></small></p>",
        escape(&err.message()),
        err.code()
    );
    document("The booking did not go through", &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[test]
    fn pages_escape_what_they_show() {
        let answer = json!({"booking_id": "bk_1", "manage_token": "mt_x",
            "meeting": {"join_url": "https://zoom.us/j/1?pwd=a&b=<c>", "password": "1\"2",
                        "start_time": "2030-01-01T09:00:00Z", "duration": 30}});
        let page = confirmation_page(&answer);
        assert!(page.contains("href=\"https://zoom.us/j/1?pwd=a&amp;b=&lt;c&gt;\""));
        assert!(page.contains("1&quot;2") && page.contains("mt_x") && page.contains("30 minutes"));
        let refused = error_page(&ApiError::SlotUnavailable);
        assert!(refused.contains("slot_unavailable") && refused.contains("No host is free"));
    }

    #[test]
    fn the_booking_page_is_a_plain_form_to_the_api() {
        let page = booking_page(None);
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
        assert!(!content_security_policy(false).contains("challenges"));
        assert!(content_security_policy(false).contains("frame-src 'none';"));
    }

    #[test]
    fn turnstile_adds_its_widget_and_origin_only_when_on() {
        let page = booking_page(Some("1x00000000000000000000AA\"><script>"));
        assert!(page.contains("data-sitekey=\"1x00000000000000000000AA&quot;&gt;&lt;script&gt;\""));
        assert!(page.contains("https://challenges.cloudflare.com/turnstile/v0/api.js"));
        let csp = content_security_policy(true);
        assert!(csp.contains("script-src 'unsafe-inline' https://challenges.cloudflare.com;"));
        assert!(csp.contains("frame-src https://challenges.cloudflare.com;"));
    }
}
