//! Outbound `fetch` with a deadline: a hung Zoom connection must not hold a booking open.

use futures_util::future::{select, Either};
use std::time::Duration;
use worker::{AbortController, Delay, Fetch, Request, Response};

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
