//! `GET /openapi.json`: the public API as OpenAPI 3.1. The document is written by hand next to
//! this file; the end-to-end test `openapi::every_documented_status_happens` drives the running
//! worker to every documented route and status, so the document cannot drift from the code.

pub const DOCUMENT: &str = include_str!("openapi.json");

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[test]
    fn the_document_is_openapi_3_1_json() {
        let doc: Value = serde_json::from_str(super::DOCUMENT).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/v1/bookings"]["post"]["responses"]["201"].is_object());
    }
}
