//! `GET /openapi.json`: the public API as OpenAPI 3.1. The document is written by hand next to
//! this file and kept true by end-to-end tests against the running worker:
//! `openapi::every_documented_status_happens` drives every documented route and status,
//! `openapi::derived` sends a just-valid and a just-invalid value for every constraint on a
//! request value, and `openapi::links` follows every link of a new booking's 201 answer.

pub const DOCUMENT: &str = include_str!("openapi.json");

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value};
    use std::collections::BTreeSet;

    /// Constraints the end-to-end test derives cases for (`required` too, at the object level).
    const VARIED: [&str; 6] = [
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "enum",
        "pattern",
    ];
    /// Keywords that constrain nothing.
    const ANNOTATIONS: [&str; 6] = [
        "type",
        "description",
        "examples",
        "default",
        "$ref",
        "x-refused-with",
    ];

    fn doc() -> Value {
        serde_json::from_str(super::DOCUMENT).unwrap()
    }

    fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let target = doc.pointer(reference.trim_start_matches('#'));
                resolve(
                    doc,
                    target.unwrap_or_else(|| panic!("{reference} resolves")),
                )
            }
            None => value,
        }
    }

    /// (path, method, operation) for every operation.
    fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                if method != "parameters" {
                    all.push((path.clone(), method.clone(), operation));
                }
            }
        }
        all
    }

    /// The resolved parameters of an operation, its path's included.
    fn parameters<'a>(doc: &'a Value, path: &str, operation: &'a Value) -> Vec<&'a Value> {
        let shared = doc["paths"][path]["parameters"].as_array();
        let own = operation["parameters"].as_array();
        shared
            .into_iter()
            .chain(own)
            .flatten()
            .map(|p| resolve(doc, p))
            .collect()
    }

    /// The body's object schema (the first media type's; the end-to-end test checks they agree).
    fn body_schema<'a>(doc: &'a Value, operation: &'a Value) -> Option<&'a Value> {
        let content = resolve(doc, &operation["requestBody"])["content"].as_object()?;
        let first = content.values().next()?;
        Some(resolve(doc, &first["schema"]))
    }

    fn keys(object: &Value) -> BTreeSet<&str> {
        object
            .as_object()
            .map(Map::keys)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn the_document_is_openapi_3_1_json() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        assert!(doc["paths"]["/v1/bookings"]["post"]["responses"]["201"].is_object());
    }

    #[test]
    fn every_operation_has_an_operation_id_of_its_own() {
        let doc = doc();
        let mut seen = BTreeSet::new();
        for (path, method, operation) in operations(&doc) {
            let id = operation["operationId"].as_str();
            let id = id.unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(seen.insert(id), "{id} twice");
        }
    }

    #[test]
    fn every_link_names_an_operation_and_fills_its_path_from_the_answer() {
        let doc = doc();
        let all = operations(&doc);
        let mut links = 0;
        for (_, _, operation) in &all {
            for response in operation["responses"].as_object().unwrap().values() {
                let response = resolve(&doc, response);
                let answer = resolve(&doc, &response["content"]["application/json"]["schema"]);
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    links += 1;
                    let id = link["operationId"].as_str().unwrap();
                    let (path, _, _) = all
                        .iter()
                        .find(|(_, _, op)| op["operationId"] == id)
                        .unwrap_or_else(|| panic!("link {name}: no operation {id}"));
                    let in_path: BTreeSet<&str> = path
                        .split('{')
                        .skip(1)
                        .map(|rest| rest.split('}').next().unwrap())
                        .collect();
                    let given = keys(&link["parameters"]);
                    assert_eq!(given, in_path, "link {name} fills {path}");
                    for expression in link["parameters"].as_object().unwrap().values() {
                        let pointer = expression.as_str().unwrap();
                        let field = pointer.strip_prefix("$response.body#/").unwrap();
                        assert!(
                            answer["required"]
                                .as_array()
                                .unwrap()
                                .contains(&Value::from(field)),
                            "link {name}: {field} is not always in the answer"
                        );
                    }
                }
            }
        }
        assert_eq!(links, 4, "read, reschedule, cancel, invitation");
    }

    #[test]
    fn every_request_constraint_is_one_the_end_to_end_test_derives_cases_for() {
        let doc = doc();
        let known: BTreeSet<&str> = VARIED.iter().chain(&ANNOTATIONS).copied().collect();
        for (path, method, operation) in operations(&doc) {
            let at = format!("{method} {path}");
            for parameter in parameters(&doc, &path, operation) {
                let name = &parameter["name"];
                assert!(
                    matches!(parameter["in"].as_str(), Some("path" | "header" | "query")),
                    "{at} {name}: only path, header and query parameters are derived"
                );
                assert!(
                    parameter["x-refused-with"].is_object(),
                    "{at} {name}: say how a bad value is refused"
                );
                let schema = resolve(&doc, &parameter["schema"]);
                let unknown: Vec<_> = keys(schema).difference(&known).copied().collect();
                assert!(unknown.is_empty(), "{at} {name}: no cases for {unknown:?}");
            }
            let Some(body) = body_schema(&doc, operation) else {
                continue;
            };
            let object: BTreeSet<&str> =
                BTreeSet::from(["type", "required", "properties", "anyOf", "description"]);
            let unknown: Vec<_> = keys(body).difference(&object).copied().collect();
            assert!(unknown.is_empty(), "{at} body: no cases for {unknown:?}");
            for alternative in body["anyOf"].as_array().into_iter().flatten() {
                assert_eq!(keys(alternative), BTreeSet::from(["required"]), "{at}");
            }
            for (name, property) in body["properties"].as_object().unwrap() {
                let mut used = keys(property);
                used.extend(keys(resolve(&doc, property)));
                let unknown: Vec<_> = used.difference(&known).copied().collect();
                assert!(unknown.is_empty(), "{at} {name}: no cases for {unknown:?}");
            }
        }
    }

    #[test]
    fn every_refusal_a_request_value_can_meet_is_a_documented_status_of_its_operation() {
        let doc = doc();
        for (path, method, operation) in operations(&doc) {
            let documented = keys(&operation["responses"]);
            let mut refusals: Vec<String> = parameters(&doc, &path, operation)
                .iter()
                .map(|p| p["x-refused-with"]["status"].to_string())
                .collect();
            if let Some(body) = body_schema(&doc, operation) {
                let required = body["required"].as_array().cloned().unwrap_or_default();
                for (name, property) in body["properties"].as_object().unwrap() {
                    let schema = resolve(&doc, property);
                    let constrained = VARIED.iter().any(|k| schema.get(*k).is_some());
                    if !constrained && !required.contains(&Value::from(name.as_str())) {
                        continue;
                    }
                    let declared = [property, schema]
                        .iter()
                        .find_map(|p| p.get("x-refused-with"))
                        .map(|r| r["status"].to_string());
                    refusals.push(declared.unwrap_or_else(|| "422".to_owned()));
                }
            }
            for status in refusals {
                assert!(
                    documented.contains(status.as_str()),
                    "{method} {path} refuses with {status}, which it does not document"
                );
            }
        }
    }

    #[test]
    fn every_pattern_is_anchored_at_both_ends() {
        // JSON Schema patterns match anywhere in the value: without ^…$ a pattern admits any
        // text that merely contains a valid one.
        fn visit(value: &Value, found: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (key, inner) in map {
                        match (key.as_str(), inner) {
                            ("pattern", Value::String(p)) => found.push(p.clone()),
                            _ => visit(inner, found),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| visit(v, found)),
                _ => {}
            }
        }
        let mut patterns = Vec::new();
        visit(&doc(), &mut patterns);
        assert!(patterns.len() >= 10);
        for pattern in patterns {
            assert!(
                pattern.starts_with('^') && pattern.ends_with('$'),
                "{pattern}"
            );
        }
    }
}
