//! The Zoom meeting calls the product makes, each with its rate-limit category and (for creates
//! and updates) the host whose daily allowance it uses.

use super::api::{CallError, ZoomApi, ZoomCall, ZoomReply};
use crate::domain::rate_limits::{Category, CREATE_CATEGORY};
use crate::domain::zoom::meetings::{
    create_meeting_path, invitation_path, list_upcoming_path, meeting_path, ListPage,
};
use crate::domain::zoom::HostUser;
use serde_json::Value;
use worker::Method;

impl ZoomApi<'_> {
    async fn call(
        &self,
        method: Method,
        path: String,
        body: Option<&Value>,
        category: Category,
        daily_host: Option<&HostUser>,
    ) -> Result<ZoomReply, CallError> {
        let call = ZoomCall {
            method,
            path,
            body,
            category,
            daily_host,
        };
        self.send(&call).await
    }

    /// `POST /users/{host}/meetings`, in the per-second slot granted with the reservation.
    pub async fn create_meeting(
        &self,
        host: &HostUser,
        body: &Value,
        send_at_ms: i64,
    ) -> Result<ZoomReply, CallError> {
        let call = ZoomCall {
            method: Method::Post,
            path: create_meeting_path(host),
            body: Some(body),
            category: CREATE_CATEGORY,
            daily_host: Some(host),
        };
        self.send_at(&call, send_at_ms).await
    }

    /// One page of `GET /users/{host}/meetings?type=upcoming` (see `search_upcoming`).
    async fn upcoming_page(
        &self,
        host: &HostUser,
        page_token: &str,
    ) -> Result<ZoomReply, CallError> {
        let path = list_upcoming_path(host, page_token);
        self.call(Method::Get, path, None, Category::Medium, None)
            .await
    }

    /// `GET /meetings/{id}`.
    pub async fn get_meeting(&self, meeting_id: u64) -> Result<ZoomReply, CallError> {
        self.call(
            Method::Get,
            meeting_path(meeting_id),
            None,
            Category::Light,
            None,
        )
        .await
    }

    /// `PATCH /meetings/{id}`: counts against `host`'s daily allowance like a create.
    pub async fn update_meeting(
        &self,
        meeting_id: u64,
        host: &HostUser,
        body: &Value,
    ) -> Result<ZoomReply, CallError> {
        let path = meeting_path(meeting_id);
        self.call(Method::Patch, path, Some(body), Category::Light, Some(host))
            .await
    }

    /// `DELETE /meetings/{id}`.
    pub async fn delete_meeting(&self, meeting_id: u64) -> Result<ZoomReply, CallError> {
        let path = meeting_path(meeting_id);
        self.call(Method::Delete, path, None, Category::Light, None)
            .await
    }

    /// `GET /meetings/{id}/invitation`.
    pub async fn invitation(&self, meeting_id: u64) -> Result<ZoomReply, CallError> {
        let path = invitation_path(meeting_id);
        self.call(Method::Get, path, None, Category::Light, None)
            .await
    }
}

/// Why a host's upcoming meetings could not be read to the end.
#[derive(Debug)]
pub enum PagerError {
    Zoom(CallError),
    UnreadablePage,
    TooManyPages,
}

impl From<CallError> for PagerError {
    fn from(err: CallError) -> Self {
        PagerError::Zoom(err)
    }
}

impl ZoomApi<'_> {
    /// Reads `host`'s upcoming meetings a page at a time (Zoom pages with `next_page_token`),
    /// handing each page to `visit` until it returns what it looks for, the last page is read
    /// (`Ok(None)`), or `max_pages` were read: a malformed answer that always names a next page
    /// cannot keep a handler running.
    pub async fn search_upcoming<T>(
        &self,
        host: &HostUser,
        max_pages: usize,
        mut visit: impl FnMut(ListPage) -> Option<T>,
    ) -> Result<Option<T>, PagerError> {
        let mut page_token = String::new();
        for _ in 0..max_pages {
            let reply = self.upcoming_page(host, &page_token).await?;
            let page = ListPage::parse(&reply.body).ok_or(PagerError::UnreadablePage)?;
            let next = page.next_page_token.clone();
            if let Some(found) = visit(page) {
                return Ok(Some(found));
            }
            if next.is_empty() {
                return Ok(None);
            }
            page_token = next;
        }
        Err(PagerError::TooManyPages)
    }
}
