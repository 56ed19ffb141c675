//! The one route table: every public path, the methods it answers and the handler of each.
//! The fetch handler dispatches from it, every `405` and its `Allow` header come from it, and a
//! test holds `openapi.json` to it, so a route cannot exist without being documented.

use crate::domain::api_error::ApiError;
use crate::domain::booking::BookingId;

/// An HTTP method as sent. Methods are case-sensitive; anything the service does not know is
/// `Other` (and so always `405`), never mistaken for `GET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Patch,
    Delete,
    Options,
    Other,
}

impl Method {
    pub fn parse(raw: &str) -> Method {
        match raw {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other => "",
        }
    }
}

/// What answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    BookingPage,
    TypePage,
    ManagePage,
    OpenApi,
    Health,
    CreateBooking,
    ShowBooking,
    RescheduleBooking,
    CancelBooking,
    BookingInvitation,
    ListTypes,
    Availability,
    OperatorStatus,
    ZoomWebhook,
}

pub struct Route {
    /// The path as `openapi.json` writes it; `{booking_id}` matches one valid booking id,
    /// `{slug}` any one non-empty segment (the handler answers an unknown slug).
    pub path: &'static str,
    pub methods: &'static [(Method, Handler)],
}

use Handler::*;
use Method::{Delete, Get, Patch, Post};

pub const ROUTES: &[Route] = &[
    Route {
        path: "/",
        methods: &[(Get, BookingPage)],
    },
    Route {
        path: "/book/{slug}",
        methods: &[(Get, TypePage)],
    },
    Route {
        path: "/manage",
        methods: &[(Get, ManagePage)],
    },
    Route {
        path: "/openapi.json",
        methods: &[(Get, OpenApi)],
    },
    Route {
        path: "/healthz",
        methods: &[(Get, Health)],
    },
    Route {
        path: "/v1/bookings",
        methods: &[(Post, CreateBooking)],
    },
    Route {
        path: "/v1/bookings/{booking_id}",
        methods: &[
            (Get, ShowBooking),
            (Patch, RescheduleBooking),
            (Delete, CancelBooking),
        ],
    },
    Route {
        path: "/v1/bookings/{booking_id}/invitation",
        methods: &[(Get, BookingInvitation)],
    },
    Route {
        path: "/v1/types",
        methods: &[(Get, ListTypes)],
    },
    Route {
        path: "/v1/availability",
        methods: &[(Get, Availability)],
    },
    Route {
        path: "/v1/admin/status",
        methods: &[(Get, OperatorStatus)],
    },
    Route {
        path: "/v1/zoom/webhook",
        methods: &[(Post, ZoomWebhook)],
    },
];

/// How a request is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Handle {
        handler: Handler,
        booking_id: Option<BookingId>,
        /// The `{slug}` segment as sent (not yet known to name a type).
        slug: Option<String>,
    },
    /// `OPTIONS` under the booking routes: the CORS preflight.
    Preflight,
    Refused(ApiError),
}

impl Route {
    /// The path parameters if `path` is this route's (every literal segment equal, the
    /// `{booking_id}` segment a valid booking id, the `{slug}` segment not empty).
    fn matches(&self, path: &str) -> Option<(Option<BookingId>, Option<String>)> {
        let mut wanted = self.path.split('/');
        let mut given = path.split('/');
        let (mut booking_id, mut slug) = (None, None);
        loop {
            match (wanted.next(), given.next()) {
                (None, None) => return Some((booking_id, slug)),
                (Some("{booking_id}"), Some(segment)) => {
                    booking_id = Some(BookingId::parse(segment)?);
                }
                (Some("{slug}"), Some(segment)) if !segment.is_empty() => {
                    slug = Some(segment.to_owned());
                }
                (Some(literal), Some(segment)) if literal == segment => {}
                _ => return None,
            }
        }
    }

    /// The `Allow` header: the route's methods, with `HEAD` beside `GET`.
    pub fn allow(&self) -> String {
        let mut allowed = Vec::new();
        for (method, _) in self.methods {
            allowed.push(method.as_str());
            if *method == Get {
                allowed.push(Method::Head.as_str());
            }
        }
        allowed.join(", ")
    }

    fn handler(&self, method: Method) -> Option<Handler> {
        // A HEAD is answered as its GET (the runtime sends no body).
        let method = if method == Method::Head { Get } else { method };
        self.methods
            .iter()
            .find(|(m, _)| *m == method)
            .map(|(_, handler)| *handler)
    }
}

/// What answers `method` on `path`.
pub fn resolve(method: Method, path: &str) -> Resolved {
    if method == Method::Options && is_cors_path(path) {
        return Resolved::Preflight;
    }
    let Some((route, (booking_id, slug))) = ROUTES
        .iter()
        .find_map(|route| route.matches(path).map(|params| (route, params)))
    else {
        return Resolved::Refused(ApiError::NotFound);
    };
    match route.handler(method) {
        Some(handler) => Resolved::Handle {
            handler,
            booking_id,
            slug,
        },
        None => Resolved::Refused(ApiError::MethodNotAllowed {
            allow: route.allow(),
        }),
    }
}

/// Whether `path` is one of the public API routes a booking form on another site calls (the
/// booking routes, `/v1/types` and `/v1/availability`), which take part in CORS: `OPTIONS` there is the preflight
/// (for any path below the booking routes, so a browser gets the same answer whether or not it
/// exists).
pub fn is_cors_path(path: &str) -> bool {
    path == "/v1/bookings"
        || path.starts_with("/v1/bookings/")
        || path == "/v1/types"
        || path == "/v1/availability"
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOKING: &str = "/v1/bookings/bk_0123456789abcdefghijkl";

    fn refused(method: &str, path: &str) -> ApiError {
        match resolve(Method::parse(method), path) {
            Resolved::Refused(err) => err,
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn every_documented_method_reaches_its_handler() {
        assert_eq!(
            resolve(Method::Patch, BOOKING),
            Resolved::Handle {
                handler: RescheduleBooking,
                booking_id: BookingId::parse("bk_0123456789abcdefghijkl"),
                slug: None,
            }
        );
        assert_eq!(
            resolve(Method::Get, "/book/intro"),
            Resolved::Handle {
                handler: TypePage,
                booking_id: None,
                slug: Some("intro".into()),
            }
        );
        let invitation = format!("{BOOKING}/invitation");
        assert!(matches!(
            resolve(Method::Get, &invitation),
            Resolved::Handle {
                handler: BookingInvitation,
                ..
            }
        ));
        assert!(matches!(
            resolve(Method::Post, "/v1/zoom/webhook"),
            Resolved::Handle {
                handler: ZoomWebhook,
                booking_id: None,
                slug: None
            }
        ));
    }

    #[test]
    fn head_is_answered_as_get_wherever_get_is() {
        for route in ROUTES {
            let path = route.path.replace("{booking_id}", &BOOKING[13..]);
            let get = resolve(Method::Get, &path);
            if matches!(get, Resolved::Handle { .. }) {
                assert_eq!(resolve(Method::Head, &path), get, "{path}");
            }
        }
    }

    #[test]
    fn an_unknown_method_is_405_never_get() {
        for method in ["QUERY", "get", "PUT", "TRACE", "CONNECT", ""] {
            assert_eq!(
                refused(method, "/"),
                ApiError::MethodNotAllowed {
                    allow: "GET, HEAD".into()
                },
                "{method}"
            );
        }
        assert_eq!(
            refused("QUERY", "/healthz"),
            ApiError::MethodNotAllowed {
                allow: "GET, HEAD".into()
            }
        );
    }

    #[test]
    fn allow_lists_exactly_the_route_methods_with_head_beside_get() {
        assert_eq!(
            refused("PUT", BOOKING),
            ApiError::MethodNotAllowed {
                allow: "GET, HEAD, PATCH, DELETE".into()
            }
        );
        assert_eq!(
            refused("GET", "/v1/bookings"),
            ApiError::MethodNotAllowed {
                allow: "POST".into()
            }
        );
    }

    #[test]
    fn options_is_the_preflight_on_booking_routes_and_405_elsewhere() {
        assert_eq!(
            resolve(Method::Options, "/v1/bookings"),
            Resolved::Preflight
        );
        assert_eq!(resolve(Method::Options, BOOKING), Resolved::Preflight);
        assert_eq!(resolve(Method::Options, "/v1/types"), Resolved::Preflight);
        for path in ["/", "/healthz", "/v1/admin/status", "/v1/zoom/webhook"] {
            assert!(matches!(
                refused("OPTIONS", path),
                ApiError::MethodNotAllowed { .. }
            ));
        }
    }

    #[test]
    fn openapi_documents_exactly_the_routes_and_methods_of_the_table() {
        let doc: serde_json::Value =
            serde_json::from_str(crate::domain::openapi::DOCUMENT).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let documented = |item: &serde_json::Value| {
            let mut methods: Vec<String> = ["get", "head", "post", "patch", "delete", "put"]
                .into_iter()
                .filter(|m| item.get(*m).is_some())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            methods.sort();
            methods
        };
        for route in ROUTES {
            let item = paths
                .get(route.path)
                .unwrap_or_else(|| panic!("{} is not in openapi.json", route.path));
            let mut served: Vec<String> = route
                .methods
                .iter()
                .map(|(m, _)| m.as_str().to_owned())
                .collect();
            served.sort();
            assert_eq!(documented(item), served, "{}", route.path);
        }
        for path in paths.keys() {
            assert!(
                ROUTES.iter().any(|r| r.path == path),
                "openapi.json documents {path}, which no route serves"
            );
        }
    }

    #[test]
    fn a_path_outside_the_table_or_with_a_bad_booking_id_is_404() {
        for path in [
            "/nope",
            "/v1/bookings/",
            "/v1/bookings/not-an-id",
            "/v1/bookings/bk_0123456789abcdefghijkl/other",
            "/v1/bookings/bk_0123456789abcdefghijkl/invitation/x",
            "/healthz/",
            "/book",
            "/book/",
            "/book/intro/x",
        ] {
            assert_eq!(refused("GET", path), ApiError::NotFound, "{path}");
        }
    }

    /// Review of issue 14: any one segment under `/book/` reaches the type page as sent (not
    /// decoded: `%2F` stays in the segment), which answers an unknown slug with its 404 page.
    #[test]
    fn a_hostile_slug_reaches_the_type_page_as_sent() {
        let long = format!("/book/{}", "x".repeat(10_000));
        for path in [
            "/book/%2F",
            "/book/..",
            "/book/%2E%2E",
            "/book/%F0%9F%98%80",
            "/book/%3Cscript%3E",
            long.as_str(),
        ] {
            let slug = path.strip_prefix("/book/").map(str::to_owned);
            assert_eq!(
                resolve(Method::Get, path),
                Resolved::Handle {
                    handler: TypePage,
                    booking_id: None,
                    slug,
                },
                "{path}"
            );
        }
    }
}
