//! The emulator's view of an HTTP exchange, independent of the server library so every route
//! can be unit-tested without sockets.

use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct EmuRequest {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl EmuRequest {
    pub fn new(method: &str, url: &str) -> Self {
        let (path, query) = url.split_once('?').unwrap_or((url, ""));
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            query: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            ..Self::default()
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .insert(name.to_ascii_lowercase(), value.to_owned());
        self
    }

    pub fn json_body(mut self, body: &Value) -> Self {
        self.body = body.to_string().into_bytes();
        self
    }

    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Held back this long before it is sent (an injected slow answer; the work is done).
    pub delay_ms: u64,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Some(body),
            delay_ms: 0,
        }
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: None,
            delay_ms: 0,
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Zoom's REST error shape: `{"code":…, "message":…}`.
    pub fn zoom_error(status: u16, code: i64, message: impl Into<String>) -> Self {
        Self::json(
            status,
            serde_json::json!({ "code": code, "message": message.into() }),
        )
    }
}
