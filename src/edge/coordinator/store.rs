//! The coordinator's reads of what it stores (key-value values, SQLite rows), as JSON text read
//! by serde_json: the one reader every other JSON in the worker uses. `Storage::get` and
//! `SqlCursor::to_array` read through serde-wasm-bindgen instead, a second reader per type whose
//! error path also brings core's float printer (about 8 KiB compressed in all).
//!
//! `JSON.stringify` of what storage holds (numbers, strings, booleans, the token object, rows of
//! numbers, text and nulls) is exactly the value: what reads the same through both.

use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Result, SqlCursor, Storage};

/// `Storage::read`, in place of `Storage::get`.
pub(super) trait Read {
    /// The value stored under `key`, `None` when there is none (`Storage::get`'s contract).
    async fn read<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>>;
}

impl Read for Storage {
    async fn read<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        let value = JsFuture::from(self.as_raw().get(key)?).await?;
        if value.is_undefined() {
            return Ok(None);
        }
        read(&value).map(Some)
    }
}

/// A cursor's rows (objects keyed by column name).
pub(super) fn rows<T: DeserializeOwned>(cursor: SqlCursor) -> Result<Vec<T>> {
    let rows = worker::js_sys::Array::new();
    for row in cursor {
        rows.push(&row?);
    }
    read(&rows)
}

fn read<T: DeserializeOwned>(value: &JsValue) -> Result<T> {
    let text = String::from(worker::js_sys::JSON::stringify(value)?);
    Ok(serde_json::from_str(&text)?)
}
