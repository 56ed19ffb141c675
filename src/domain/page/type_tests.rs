//! The pages of event types: the list at `/`, each type's form at `/book/<slug>`, and a
//! refused plain form post shown again.

use super::*;
use crate::domain::api_error::{FieldError, FieldErrorKind};
use crate::domain::zoom::HostUser;

const TYPES: &str = r#"[
  {"slug": "intro", "title": "Intro call", "description": "A first talk about your plans.",
   "durations": [15, 30, 45], "default_duration": 30, "topic": "Intro call with {name}",
   "questions": [
     {"id": "company", "label": "Company", "kind": "text", "required": true, "max_length": 80},
     {"id": "plan", "label": "Plan", "kind": "choice", "options": ["Free", "Pro"]},
     {"id": "phone", "label": "Phone", "kind": "phone"},
     {"id": "cc", "label": "Copy to", "kind": "email"},
     {"id": "notes", "label": "Notes", "kind": "long_text", "max_length": 500}
   ]},
  {"slug": "support", "title": "Support session",
   "durations": null, "min_duration": 15, "max_duration": 60, "default_duration": 20}
]"#;

fn types() -> EventTypes {
    types_of(TYPES)
}

/// `json` read as the `BOOKING_TYPES` var of a one-host pool (the picker's tests share it).
pub(super) fn types_of(json: &str) -> EventTypes {
    EventTypes::parse(
        json,
        "BOOKING_TYPES",
        &[HostUser::parse("h@example.com").unwrap()],
    )
    .unwrap()
}

fn page_of(slug: &str) -> Served {
    type_page(&types(), slug, None, "pg_x")
}

fn refused(field: &'static str, message: &str) -> ApiError {
    ApiError::InvalidField(FieldError::new(field, FieldErrorKind::Missing, message))
}

#[test]
fn home_lists_every_type_linking_to_its_form() {
    let home = home(&types(), None, "pg_x");
    assert_eq!(home.status, 200);
    assert!(home.html.contains("<a href=\"/book/intro\">Intro call</a>"));
    assert!(home
        .html
        .contains("<a href=\"/book/support\">Support session</a>"));
    assert!(home.html.contains("A first talk about your plans."));
    assert!(home.html.contains("15, 30 or 45 minutes"));
    assert!(home.html.contains("15 to 60 minutes"));
    // A list, not a form: nothing to submit and no script to allow.
    assert!(!home.html.contains("<form") && !home.html.contains("<script"));
    assert!(content_security_policy(&home.html, false).contains("script-src 'none';"));
}

#[test]
fn home_is_the_form_itself_when_there_is_one_type() {
    let home = home(&EventTypes::implicit(), None, "pg_x");
    assert_eq!(home.status, 200);
    let html = &home.html;
    assert!(html.contains("<h1>Book a meeting</h1>"), "{html}");
    assert!(html.contains("<input type=\"hidden\" id=\"type\" name=\"type\" value=\"meeting\">"));
    assert!(
        html.contains("type=\"number\" value=\"30\"") && html.contains("min=\"5\" max=\"720\"")
    );
    assert!(html.contains("name=\"topic\""));
    assert!(!html.contains("All booking types") && !html.contains("name=\"answers["));
    let one = r#"[{"slug": "only", "title": "Only", "durations": [20], "default_duration": 20}]"#;
    let one = EventTypes::parse(one, "BOOKING_TYPES", &[]).unwrap();
    assert!(home_page_of(&one).contains("<h1>Only</h1>"));
}

fn home_page_of(types: &EventTypes) -> String {
    home(types, None, "pg_x").html
}

#[test]
fn a_type_with_listed_lengths_offers_exactly_them_with_its_default_chosen() {
    let html = page_of("intro").html;
    assert!(
        html.contains(
            "<select id=\"duration\" name=\"duration\" aria-describedby=\"duration-error\">\
         <option value=\"15\">15 minutes</option><option value=\"30\" selected>30 minutes</option>\
         <option value=\"45\">45 minutes</option></select>"
        ),
        "{html}"
    );
    assert!(!html.contains("type=\"number\""));
}

#[test]
fn a_type_with_a_range_of_lengths_takes_a_number_within_it() {
    let html = page_of("support").html;
    assert!(
        html.contains(
            "<input id=\"duration\" name=\"duration\" min=\"15\" max=\"60\" \
         aria-describedby=\"duration-error\" type=\"number\" value=\"20\">"
        ),
        "{html}"
    );
    assert!(html.contains("<input type=\"hidden\" id=\"type\" name=\"type\" value=\"support\">"));
}

#[test]
fn questions_become_fields_named_by_their_id_with_their_limits() {
    let html = page_of("intro").html;
    for wanted in [
        "<label for=\"answers.company\">Company</label>",
        "<input id=\"answers.company\" name=\"answers[company]\" required maxlength=\"80\" \
         aria-describedby=\"answers.company-error\">",
        "<p class=\"error\" id=\"answers.company-error\" role=\"alert\"></p>",
        "<label for=\"answers.plan\">Plan (optional)</label>",
        "<select id=\"answers.plan\" name=\"answers[plan]\" aria-describedby=\"answers.plan-error\">\
         <option value=\"\" selected>—</option><option value=\"Free\">Free</option>\
         <option value=\"Pro\">Pro</option></select>",
        "name=\"answers[phone]\" maxlength=\"16\" aria-describedby=\"answers.phone-error\" \
         type=\"tel\">",
        "name=\"answers[cc]\" maxlength=\"254\" aria-describedby=\"answers.cc-error\" \
         type=\"email\">",
        "<textarea id=\"answers.notes\" name=\"answers[notes]\" maxlength=\"500\" \
         aria-describedby=\"answers.notes-error\" rows=\"4\"></textarea>",
    ] {
        assert!(html.contains(wanted), "{wanted}\n{html}");
    }
    // In the configured order.
    let at = |s: &str| html.find(s).unwrap();
    assert!(
        at("answers[company]") < at("answers[plan]") && at("answers[cc]") < at("answers[notes]")
    );
}

#[test]
fn the_topic_is_asked_only_when_the_type_has_no_template() {
    assert!(!page_of("intro").html.contains("name=\"topic\""));
    assert!(page_of("support").html.contains("name=\"topic\""));
}

#[test]
fn a_type_form_shows_its_title_and_description_and_links_back_to_the_list() {
    let html = page_of("intro").html;
    assert!(html.contains("<title>Intro call</title>") && html.contains("<h1>Intro call</h1>"));
    assert!(html.contains("<p id=\"type-description\">A first talk about your plans.</p>"));
    assert!(html.contains("<a href=\"/\">All booking types</a>"));
}

#[test]
fn an_unknown_slug_is_a_404_page_that_does_not_repeat_it() {
    for slug in ["nope", "INTRO", "%3Cscript%3E", "<b>"] {
        let page = page_of(slug);
        assert_eq!(page.status, 404, "{slug}");
        assert!(page.html.contains("not_found") && page.html.contains("<html"));
        assert!(!page.html.contains(slug), "{slug}");
    }
}

#[test]
fn every_configured_string_is_escaped() {
    let hostile = r#"[{"slug": "x", "title": "<b>T</b>", "description": "\"D\" & <i>",
       "durations": [15], "default_duration": 15,
       "questions": [{"id": "q", "label": "<L>", "kind": "choice", "options": ["<o>", "a\"b"]}]},
      {"slug": "y", "title": "Y&Z", "durations": [15], "default_duration": 15}]"#;
    let types = EventTypes::parse(hostile, "BOOKING_TYPES", &[]).unwrap();
    let form = type_page(&types, "x", None, "pg_x").html;
    let list = home(&types, None, "pg_x").html;
    for page in [&form, &list] {
        assert!(!page.contains("<b>") && !page.contains("<i>"), "{page}");
    }
    assert!(form.contains("<h1>&lt;b&gt;T&lt;/b&gt;</h1>"));
    assert!(form.contains("&quot;D&quot; &amp; &lt;i&gt;"));
    assert!(form.contains("&lt;L&gt; (optional)"));
    assert!(form.contains("<option value=\"&lt;o&gt;\">&lt;o&gt;</option>"));
    assert!(form.contains("<option value=\"a&quot;b\">a&quot;b</option>"));
    assert!(list.contains(">Y&amp;Z</a>"));
}

#[test]
fn every_form_runs_the_same_one_script_whatever_its_type() {
    let csp = |html: &str| content_security_policy(html, false);
    let intro = csp(&page_of("intro").html);
    assert_eq!(intro.matches("'sha256-").count(), 1, "{intro}");
    assert_eq!(csp(&page_of("support").html), intro);
    assert_eq!(
        csp(&home(&EventTypes::implicit(), None, "pg_y").html),
        intro
    );
}

#[test]
fn a_refused_form_comes_back_with_what_was_typed_and_the_refusal_at_its_field() {
    let body = b"type=intro&name=Ada+%3CL%3E&email=ada%40example.com&start_time=2030-01-01T10%3A00\
        &timezone=Europe%2FBerlin&duration=45&answers%5Bplan%5D=Pro&answers%5Bcompany%5D=\
        &idempotency_key=pg_old&cf-turnstile-response=spent";
    let err = refused("answers.company", "Company is required.");
    let page = refused_form(&types(), body, &err, None, "pg_new").unwrap();
    assert_eq!(page.status, 422);
    let html = &page.html;
    assert!(html.contains("<h1>Intro call</h1>"));
    assert!(
        html.contains(
            "<input id=\"answers.company\" name=\"answers[company]\" required maxlength=\"80\" \
         aria-invalid=\"true\" aria-describedby=\"answers.company-error\">"
        ),
        "{html}"
    );
    assert!(html.contains(
        "<p class=\"error\" id=\"answers.company-error\" role=\"alert\">Company is required.</p>"
    ));
    assert!(html.contains("see the field marked below") && html.contains("missing_field"));
    assert!(html.contains("value=\"Ada &lt;L&gt;\"") && html.contains("value=\"ada@example.com\""));
    assert!(
        html.contains("value=\"2030-01-01T10:00\"") && html.contains("value=\"Europe/Berlin\"")
    );
    assert!(html.contains("<option value=\"45\" selected>"));
    assert!(html.contains("<option value=\"Pro\" selected>"));
    // A fresh key for the new render; the spent Turnstile token is not carried over.
    assert!(html.contains("value=\"pg_new\"") && !html.contains("pg_old"));
    assert!(!html.contains("spent"));
}

#[test]
fn a_refused_type_or_length_is_shown_at_the_top_of_the_form() {
    let err = refused("duration", "Choose 15, 30 or 45 minutes.");
    let page = refused_form(&types(), b"type=intro&duration=20", &err, None, "pg_n").unwrap();
    assert!(page
        .html
        .contains("id=\"duration-error\" role=\"alert\">Choose 15, 30 or 45"));
    // A length the type does not offer is not kept: the default stays chosen.
    assert!(page.html.contains("<option value=\"30\" selected>"));
    let err = refused("type", "No such booking type.");
    let page = refused_form(&types(), b"type=support", &err, None, "pg_n").unwrap();
    assert!(page
        .html
        .contains("id=\"type-error\" role=\"alert\">No such booking type.</p>"));
}

#[test]
fn a_form_whose_type_no_longer_exists_comes_back_as_the_list() {
    let err = refused("type", "No such booking type.");
    let page = refused_form(&types(), b"type=gone&name=Ada", &err, None, "pg_n").unwrap();
    assert_eq!(page.status, 422);
    assert!(page.html.contains("No such booking type.") && page.html.contains("/book/intro"));
    assert!(!page.html.contains("<form"));
}

#[test]
fn a_refusal_at_a_field_the_form_lacks_is_named_above_it() {
    let err = refused("agenda", "The agenda is too long.");
    let page = refused_form(&types(), b"type=intro", &err, None, "pg_n").unwrap();
    assert!(page
        .html
        .contains("did not go through: The agenda is too long."));
}

#[test]
fn a_refusal_not_about_a_field_keeps_its_own_page() {
    for err in [
        ApiError::SlotUnavailable,
        ApiError::IdempotencyKeyReused,
        ApiError::RequestInProgress { retry_after: 1 },
        ApiError::BotCheckFailed,
    ] {
        assert_eq!(
            refused_form(&types(), b"type=intro", &err, None, "pg_n"),
            None
        );
    }
}

#[test]
fn a_form_without_a_type_is_the_default_types() {
    let err = refused("email", "Enter a valid email address.");
    let page = refused_form(&EventTypes::implicit(), b"email=x", &err, None, "pg_n").unwrap();
    assert!(page.html.contains("<h1>Book a meeting</h1>") && page.html.contains("value=\"x\""));
    let turnstile = refused_form(&types(), b"email=x", &err, Some("site"), "pg_n").unwrap();
    assert!(turnstile.turnstile && turnstile.html.contains("<h1>Intro call</h1>"));
}

/// What a refused plain form post echoes is escaped in every context it
/// lands in (attribute values, textarea content, a chosen option), and a forged type, a forged
/// answer id or a forged option value adds no markup.
#[test]
fn a_hostile_refill_is_escaped_in_every_context() {
    let evil = "\"><script>alert(1)</script><!--fields-->";
    let encoded: String = form_urlencoded::byte_serialize(evil.as_bytes()).collect();
    let body = format!(
        "type=intro&name={encoded}&email={encoded}&start_time={encoded}&timezone={encoded}\
         &duration={encoded}&answers%5Bcompany%5D={encoded}&answers%5Bplan%5D={encoded}\
         &answers%5Bnotes%5D=%3C%2Ftextarea%3E{encoded}&answers%5B{encoded}%5D={encoded}\
         &{encoded}={encoded}&idempotency_key={encoded}"
    );
    let err = ApiError::InvalidField(FieldError::new(
        "answers.company",
        FieldErrorKind::InvalidAnswer,
        format!("'answers.company' ({evil}) is wrong."),
    ));
    let page = refused_form(&types(), body.as_bytes(), &err, None, "pg_new").unwrap();
    let html = &page.html;
    assert_eq!(html.matches("<script>").count(), 1, "{html}");
    assert!(!html.contains("alert(1)</script>"), "{html}");
    assert!(!html.contains("</textarea><"), "{html}");
    assert!(
        html.contains("&lt;/textarea&gt;&quot;&gt;&lt;script&gt;"),
        "{html}"
    );
    assert!(html.contains("value=\"&quot;&gt;&lt;script&gt;"), "{html}");
    // A forged option is not offered, and not chosen: the blank, first, is what shows.
    let plan = html.split("name=\"answers[plan]\"").nth(1).unwrap();
    let plan = plan.split("</select>").next().unwrap();
    assert!(plan.contains("<option value=\"\">—</option>") && !plan.contains(" selected"));
    // The refusal's message, which quotes the label, is escaped at its field.
    assert!(html.contains(
        "(&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--fields--&gt;) is wrong."
    ));
    // The spent key is not carried over, the fresh one is.
    assert_eq!(html.matches("name=\"idempotency_key\"").count(), 1);
    assert!(html.contains("value=\"pg_new\""));
    // The same one script as any form: its hash is the one the CSP names.
    assert_eq!(
        content_security_policy(html, false),
        content_security_policy(&page_of("intro").html, false)
    );

    // A forged type no form has: the list, which repeats none of it.
    let body = format!("type={encoded}&name={encoded}");
    let err = refused("type", "'type' must be one of: intro, support.");
    let list = refused_form(&types(), body.as_bytes(), &err, None, "pg_n").unwrap();
    assert!(
        !list.html.contains("<script") && !list.html.contains("alert(1)"),
        "{}",
        list.html
    );
}

/// A slug no type has (as the router hands it over: one raw segment, not
/// decoded) is a 404 page that repeats none of it, however long or strange.
#[test]
fn a_hostile_slug_is_a_404_page_that_repeats_none_of_it() {
    let long = "a".repeat(10_000);
    for slug in [
        long.as_str(),
        "..",
        "%2E%2E",
        "intro%2Fx",
        "%F0%9F%98%80",
        "😀",
        "intro\u{0}",
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "<script>alert(1)</script>",
        " intro",
    ] {
        let page = page_of(slug);
        assert_eq!(page.status, 404, "{slug}");
        assert!(!page.html.contains(slug), "{slug}");
        assert!(!page.html.contains("<script") && !page.turnstile);
    }
}

/// A broken configuration on `/` or `/book/<slug>` is a page (a browser
/// opened it), naming what is wrong, escaped.
#[test]
fn a_broken_configuration_is_an_unavailable_page() {
    let err = ApiError::NotConfigured {
        problems: vec!["BOOKING_TYPES[0].title: expected \"<text>\"".into()],
    };
    let page = unavailable_page(&err);
    assert!(page.contains("not_configured") && page.contains("BOOKING_TYPES[0].title"));
    assert!(page.contains("&quot;&lt;text&gt;&quot;") && !page.contains("<text>"));
    assert!(content_security_policy(&page, false).contains("script-src 'none';"));
}

/// The fields of the booking form as they were before event types (commit 46793a8's
/// `booking.html`).
const FIELDS_BEFORE_TYPES: &str = r#"<label for="name">Your name</label>
<input id="name" name="name" required maxlength="200" autocomplete="name" aria-describedby="name-error">
<p class="error" id="name-error" role="alert"></p>
<label for="email">Email</label>
<input id="email" name="email" type="email" required maxlength="254" autocomplete="email" aria-describedby="email-error">
<p class="error" id="email-error" role="alert"></p>
<label for="start_time">Date and time</label>
<input id="start_time" name="start_time" type="datetime-local" required aria-describedby="start_time-error">
<p class="error" id="start_time-error" role="alert"></p>
<label for="timezone">Time zone</label>
<input id="timezone" name="timezone" placeholder="e.g. Europe/Berlin" aria-describedby="timezone-error">
<p class="error" id="timezone-error" role="alert"></p>
<label for="duration">Length in minutes</label>
<input id="duration" name="duration" type="number" min="5" max="720" value="30" aria-describedby="duration-error">
<p class="error" id="duration-error" role="alert"></p>
<label for="topic">Topic (optional)</label>
<input id="topic" name="topic" maxlength="200" aria-describedby="topic-error">
<p class="error" id="topic-error" role="alert"></p>
"#;

/// Each line of `fields`, an `<input>`'s words (its attributes) sorted: the order of a tag's
/// attributes changes nothing.
fn normalized(fields: &str) -> Vec<String> {
    fields
        .lines()
        .map(|line| match line.strip_prefix("<input ") {
            Some(rest) => {
                let mut words: Vec<&str> = rest.trim_end_matches('>').split_whitespace().collect();
                words.sort_unstable();
                format!("<input {}>", words.join(" "))
            }
            None => line.to_owned(),
        })
        .collect()
}

/// With no event types, `/` is the form it was, apart from the hidden
/// `type` (and its refusal slot): the same fields, labels and attributes (their order within a
/// tag aside), in the same order.
#[test]
fn without_types_the_form_keeps_its_fields_apart_from_the_hidden_type() {
    let now = form::form_fields(EventTypes::implicit().default_type(), None);
    let (type_field, rest) = now.split_at(now.find("<label").unwrap());
    assert_eq!(
        type_field,
        "<input type=\"hidden\" id=\"type\" name=\"type\" value=\"meeting\">\n\
         <p class=\"error\" id=\"type-error\" role=\"alert\"></p>\n"
    );
    assert_eq!(
        normalized(rest).join("\n"),
        normalized(FIELDS_BEFORE_TYPES).join("\n")
    );
    let html = home(&EventTypes::implicit(), None, "pg_x").html;
    assert!(
        html.contains("<title>Book a meeting</title>") && html.contains("<h1>Book a meeting</h1>")
    );
    // Every slot is filled (the Turnstile one stays empty, as before, with bot protection off).
    assert_eq!(html.matches("<!--").count(), 1, "{html}");
    assert!(html.contains("<!--turnstile-->"));
}
