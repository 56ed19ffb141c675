//! The one place that calls Zoom's token endpoint. Only the coordinator uses it.

use crate::domain::config::Config;
use crate::domain::coordinator::TokenGrantError;
use crate::domain::token_policy::IssuedToken;
use crate::domain::zoom::oauth::{basic_authorization, read_token_response, token_url};
use crate::edge::{clock, outbound};
use std::time::Duration;
use worker::{console_warn, Headers, Method};

const TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn issue_token(config: &Config) -> Result<IssuedToken, TokenGrantError> {
    let headers = Headers::new();
    headers
        .set("authorization", &basic_authorization(&config.credentials))
        .map_err(|_| TokenGrantError::Rejected)?;
    let request = outbound::request(&token_url(config, None), Method::Post, Some(&headers), None)
        .map_err(|_| TokenGrantError::Unavailable)?;
    let mut response = outbound::send(request, TOKEN_TIMEOUT).await.map_err(|e| {
        console_warn!("zoom token request failed: {e:?}");
        TokenGrantError::Unavailable
    })?;
    let status = response.status_code();
    let body = response.text().await.unwrap_or_default();
    let token = read_token_response(status, &body).map_err(|failure| {
        // The body of a failed token answer holds no secret; the status is enough to act on.
        console_warn!("zoom token request answered {status}: {failure:?}");
        TokenGrantError::from(failure)
    })?;
    Ok(IssuedToken::from_response(token, clock::now_ms()))
}
