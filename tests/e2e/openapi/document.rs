//! What `openapi.json` says a request may carry: its operations and, for each, the values it
//! constrains (parameters and body fields) with the refusal it promises for a value that
//! breaks its schema.

use serde_json::Value;

/// `value`, or what its local `$ref` points at.
pub fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local $ref");
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} points at nothing"));
            resolve(doc, target)
        }
        None => value,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    Header,
    Query,
    Body,
}

/// The answer the document promises for a value that breaks its schema.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// 422 whose `error.field` is one of these (the document's rule for body fields).
    Field(Vec<String>),
    /// `x-refused-with`: this status, with one of these `error.code`s.
    Status { status: u16, codes: Vec<String> },
}

impl Refusal {
    /// `x-refused-with` of the first of `places` that has one.
    fn declared(places: &[&Value]) -> Option<Refusal> {
        let given = places.iter().find_map(|p| p.get("x-refused-with"))?;
        Some(Refusal::Status {
            status: given["status"].as_u64().expect("x-refused-with.status") as u16,
            codes: given["codes"]
                .as_array()
                .expect("x-refused-with.codes")
                .iter()
                .map(|c| c.as_str().expect("a code").to_owned())
                .collect(),
        })
    }
}

/// One constrained value of a request.
pub struct Target {
    pub place: Place,
    pub name: String,
    /// Its schema, `$ref` resolved.
    pub schema: Value,
    pub required: bool,
    pub refusal: Refusal,
}

pub struct Operation {
    pub id: String,
    pub method: String,
    /// The path template (`/v1/bookings/{booking_id}`).
    pub path: String,
    pub targets: Vec<Target>,
    /// Body fields of which at least one must be sent (an `anyOf` of `required`).
    pub one_of_these: Vec<String>,
    /// The request body's media types, in the document's order (none without a body).
    pub media_types: Vec<String>,
    /// Documented response statuses.
    pub statuses: Vec<u16>,
}

impl Operation {
    /// The one 2xx status the operation documents.
    pub fn success(&self) -> u16 {
        let ok: Vec<u16> = self
            .statuses
            .iter()
            .copied()
            .filter(|s| (200..300).contains(s))
            .collect();
        assert_eq!(ok.len(), 1, "{}: one documented 2xx", self.id);
        ok[0]
    }
}

/// Every operation of the document, in the document's order.
pub fn operations(doc: &Value) -> Vec<Operation> {
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for (method, operation) in item.as_object().expect("a path item") {
            if method == "parameters" {
                continue;
            }
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let mut targets = Vec::new();
            let own = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for parameter in shared.iter().chain(own.iter()) {
                let resolved = resolve(doc, parameter);
                let place = match resolved["in"].as_str() {
                    Some("path") => Place::Path,
                    Some("header") => Place::Header,
                    Some("query") => Place::Query,
                    other => panic!("{id}: parameters in {other:?} are not derived"),
                };
                targets.push(Target {
                    place,
                    name: resolved["name"].as_str().expect("a name").to_owned(),
                    schema: resolve(doc, &resolved["schema"]).clone(),
                    required: resolved["required"] == true,
                    refusal: Refusal::declared(&[resolved]).unwrap_or_else(|| {
                        panic!("{id}: parameter {} has no x-refused-with", resolved["name"])
                    }),
                });
            }
            let content = &resolve(doc, &operation["requestBody"])["content"];
            let media_types: Vec<String> = content
                .as_object()
                .map(|c| c.keys().cloned().collect())
                .unwrap_or_default();
            let mut one_of_these = Vec::new();
            if let Some(first) = media_types.first() {
                let schema = resolve(doc, &content[first]["schema"]);
                for media in &media_types {
                    assert_eq!(
                        resolve(doc, &content[media]["schema"]),
                        schema,
                        "{id}: every media type has the same schema"
                    );
                }
                let required: Vec<&str> = schema["required"]
                    .as_array()
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (name, property) in schema["properties"].as_object().expect("properties") {
                    let resolved = resolve(doc, property);
                    targets.push(Target {
                        place: Place::Body,
                        name: name.clone(),
                        schema: resolved.clone(),
                        required: required.contains(&name.as_str()),
                        refusal: Refusal::declared(&[property, resolved])
                            .unwrap_or_else(|| Refusal::Field(vec![name.clone()])),
                    });
                }
                for alternative in schema["anyOf"].as_array().into_iter().flatten() {
                    for name in alternative["required"]
                        .as_array()
                        .expect("anyOf of required")
                    {
                        one_of_these.push(name.as_str().expect("a name").to_owned());
                    }
                }
            }
            all.push(Operation {
                id: id.to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                targets,
                one_of_these,
                media_types,
                statuses: operation["responses"]
                    .as_object()
                    .expect("responses")
                    .keys()
                    .map(|s| s.parse().expect("a status"))
                    .collect(),
            });
        }
    }
    all
}
