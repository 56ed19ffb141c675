//! Outbound `fetch` with a deadline: a hung Zoom connection must not hold a booking open.

use futures_util::future::{select, Either};
use std::time::Duration;
use worker::{web_sys, AbortController, Delay, Error, Fetch, Headers, Method, Request, Response};

#[derive(Debug)]
pub enum SendError {
    TimedOut,
    Network,
}

pub async fn send(request: Request, timeout: Duration) -> Result<Response, SendError> {
    let controller = AbortController::default();
    let signal = controller.signal();
    let fetch = Fetch::Request(request);
    let response = Box::pin(fetch.send_with_signal(&signal));
    let deadline = Box::pin(Delay::from(timeout));
    let finished = match select(response, deadline).await {
        Either::Left((result, _)) => Some(result),
        Either::Right(_) => None,
    };
    match finished {
        Some(result) => result.map_err(|_| SendError::Network),
        None => {
            controller.abort();
            Err(SendError::TimedOut)
        }
    }
}

/// The request `Request::new_with_init` makes of a `RequestInit` with this method, these headers
/// (set only when there are some) and this body, redirects followed: built on the runtime's init
/// directly, because worker's `RequestInit` also carries the `cf` options (image resizing and
/// more) whose converter would come along although nothing here sets them (2 KiB compressed).
pub fn request(
    url: &str,
    method: Method,
    headers: Option<&Headers>,
    body: Option<String>,
) -> Result<Request, Error> {
    let init = web_sys::RequestInit::new();
    if let Some(headers) = headers.filter(|h| !h.is_empty()) {
        init.set_headers(headers.as_ref());
    }
    init.set_method(method.as_ref());
    init.set_redirect(web_sys::RequestRedirect::Follow);
    if let Some(body) = body {
        init.set_body(&body.into());
    }
    match web_sys::Request::new_with_str_and_init(url, &init) {
        Ok(request) => Ok(request.into()),
        Err(e) => {
            Err(Error::JsError(e.as_string().unwrap_or_else(|| {
                "invalid URL or options for Request".to_string()
            })))
        }
    }
}
