//! Which page `/` and `/book/<slug>` serve: the list of event types, or one type's form (`/`
//! goes straight to the form when there is one type), and what a refused plain form post gets.

use super::form::Refill;
use super::{booking_page, document, escape, FormPage};
use crate::domain::api_error::ApiError;
use crate::domain::event_types::{EventType, EventTypes};

/// A page to serve: its status, its HTML, and whether it carries Turnstile's widget (its
/// Content-Security-Policy then allows Turnstile's script and frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub status: u16,
    pub html: String,
    pub turnstile: bool,
}

/// `GET /`: the one type's form, or the list of types.
pub fn home(types: &EventTypes, turnstile_site_key: Option<&str>, key: &str) -> Served {
    match types.len() {
        1 => form(
            types,
            types.default_type(),
            turnstile_site_key,
            key,
            None,
            200,
        ),
        _ => Served {
            status: 200,
            html: list_page(types, None),
            turnstile: false,
        },
    }
}

/// `GET /book/<slug>`: that type's form, or a 404 page when no type has that slug.
pub fn type_page(
    types: &EventTypes,
    slug: &str,
    turnstile_site_key: Option<&str>,
    key: &str,
) -> Served {
    match types.get(slug) {
        Some(ty) => form(types, ty, turnstile_site_key, key, None, 200),
        None => Served {
            status: 404,
            html: not_found_page(),
            turnstile: false,
        },
    }
}

/// What a plain form post refused with `err` gets: its form again, with the values as typed
/// and the refusal next to its field (a new `key`: each render has its own); the list of
/// types when the form's type no longer exists. `None` when the refusal is not about a
/// field: the error page says what to do then.
pub fn refused_form(
    types: &EventTypes,
    form_body: &[u8],
    err: &ApiError,
    turnstile_site_key: Option<&str>,
    key: &str,
) -> Option<Served> {
    let refill = Refill::of(form_body, err)?;
    let ty = match refill.type_slug() {
        None => Some(types.default_type()),
        Some(slug) => types.get(slug),
    };
    Some(match ty {
        Some(ty) => form(
            types,
            ty,
            turnstile_site_key,
            key,
            Some(&refill),
            err.status(),
        ),
        None => Served {
            status: err.status(),
            html: list_page(types, Some(&refill)),
            turnstile: false,
        },
    })
}

fn form(
    types: &EventTypes,
    ty: &EventType,
    turnstile_site_key: Option<&str>,
    key: &str,
    refill: Option<&Refill>,
    status: u16,
) -> Served {
    Served {
        status,
        html: booking_page(&FormPage {
            event_type: ty,
            listed: types.len() > 1,
            turnstile_site_key,
            idempotency_key: key,
            refill,
        }),
        turnstile: turnstile_site_key.is_some(),
    }
}

/// The list of types: each its title (linking to its form), description and lengths. No
/// script.
fn list_page(types: &EventTypes, refill: Option<&Refill>) -> String {
    let mut body = refill.map(|r| r.notice(false)).unwrap_or_default();
    body += "<ul id=\"types\">";
    for ty in types.iter() {
        body += &format!(
            "<li><h2><a href=\"/book/{}\">{}</a></h2>",
            escape(ty.slug()),
            escape(ty.title())
        );
        if let Some(description) = ty.description() {
            body += &format!("<p>{}</p>", escape(description));
        }
        body += &format!(
            "<p class=\"lengths\">{} minutes</p></li>",
            escape(&ty.durations_in_words())
        );
    }
    body += "</ul>";
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Book a meeting</title><style>body{{font:16px/1.5 system-ui,sans-serif;\
         max-width:32rem;margin:2rem auto;padding:0 1rem}}ul{{list-style:none;padding:0}}\
         h2{{font-size:1.25rem;margin:1.5rem 0 .25rem}}.error{{color:#b00020}}</style></head>\
         <body><main><h1>Book a meeting</h1>{body}</main></body></html>"
    )
}

/// `/book/<slug>` for a slug no type has (the slug itself is not shown).
pub fn not_found_page() -> String {
    document(
        "No such booking page",
        "<p role=\"alert\">There is no booking page at this address.</p>\
         <p><small>Error code: <code>not_found</code></small></p>",
    )
}
