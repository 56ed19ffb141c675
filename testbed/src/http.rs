//! One HTTP exchange over a pooled `ureq` agent, read into an `Answer` whatever its status: the
//! tests assert on 4xx and 5xx answers as often as on 2xx ones.

use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;

#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

pub fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Answer {
    let headers: Vec<(&str, &str)> = content_type
        .map(|ct| ("content-type", ct))
        .into_iter()
        .collect();
    send_with(agent, method, url, &headers, body)
}

pub fn send_with(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut request = agent.request(method, url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = if body.is_empty() && method == "GET" {
        request.call()
    } else {
        request.send_bytes(body)
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: transport error {e}"),
    };
    let status = response.status();
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|n| Some((n.to_ascii_lowercase(), response.header(&n)?.to_owned())))
        .collect();
    let mut text = String::new();
    let _ = response
        .into_reader()
        .take(10 << 20)
        .read_to_string(&mut text);
    Answer {
        status,
        headers,
        body: text,
    }
}
