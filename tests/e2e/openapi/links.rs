//! The flow a generic OpenAPI client follows: from a real 201 of `POST /v1/bookings`, every
//! link of that answer leads to an operation that succeeds for the new booking.

use super::derived::{send, Bases, Call};
use super::document::{operations, resolve, Operation};
use super::patterns::Patterns;
use serde_json::Value;
use std::collections::BTreeMap;
use testbed::Stack;

/// The value of a runtime expression; only `$response.body#<JSON pointer>` is used here.
fn evaluate(expression: &str, body: &Value) -> Value {
    let pointer = expression
        .strip_prefix("$response.body#")
        .unwrap_or_else(|| panic!("{expression}: only $response.body# expressions are followed"));
    body.pointer(pointer)
        .unwrap_or_else(|| panic!("{expression} is not in {body}"))
        .clone()
}

pub fn every_link_of_a_new_booking_leads_to_an_operation_that_succeeds(stack: &Stack) {
    let doc = stack.request("GET", "/openapi.json", None, b"").json();
    let patterns = Patterns::start();
    let bases = Bases::new(stack);
    let all = operations(&doc);
    let by_id = |id: &str| -> &Operation {
        all.iter()
            .find(|op| op.id == id)
            .unwrap_or_else(|| panic!("no operation {id}"))
    };
    let create = by_id("createBooking");
    let created = &doc["paths"][&create.path][create.method.to_lowercase()]["responses"]["201"];
    let links = created["links"].as_object().expect("the 201 has links");
    assert!(!links.is_empty());
    let schema = resolve(&doc, &created["content"]["application/json"]["schema"]);
    for (name, link) in links {
        // A booking of its own per link: one link (cancel) ends what another (invitation) needs.
        let answer = send(
            stack,
            create,
            &bases.of(&create.id).unwrap(),
            Some("application/json"),
        );
        assert_eq!(answer.status, 201, "{}", answer.body);
        let booking = answer.json();
        for (field, property) in schema["properties"].as_object().unwrap() {
            if let Some(pattern) = resolve(&doc, property)["pattern"].as_str() {
                let value = booking[field].as_str().expect("a patterned field is text");
                assert!(
                    patterns.matches(pattern, value),
                    "201 {field} {value:?} breaks its documented pattern"
                );
            }
        }
        let target = by_id(
            link["operationId"]
                .as_str()
                .expect("links name an operationId"),
        );
        let mut call = Call {
            bearer: Some(booking["manage_token"].as_str().unwrap().to_owned()),
            ..Call::default()
        };
        let parameters = link["parameters"].as_object().expect("link parameters");
        call.path = parameters
            .iter()
            .map(|(p, expression)| {
                let value = evaluate(expression.as_str().expect("an expression"), &booking);
                (p.clone(), value.as_str().expect("a text value").to_owned())
            })
            .collect::<BTreeMap<_, _>>();
        let media = target.media_types.first().map(String::as_str);
        if let Some(media) = media {
            let operation = &doc["paths"][&target.path][target.method.to_lowercase()];
            let example = &resolve(&doc, &operation["requestBody"])["content"][media]["example"];
            call.body = example
                .as_object()
                .unwrap_or_else(|| panic!("{}: its {media} body needs an example", target.id))
                .clone();
        }
        let followed = send(stack, target, &call, media);
        assert_eq!(
            followed.status,
            target.success(),
            "link {name} -> {} {}: {}",
            target.method,
            target.path,
            followed.body
        );
        let answered = followed.json();
        if let Some(id) = answered.get("booking_id") {
            assert_eq!(id, &booking["booking_id"], "link {name}");
        }
    }
}
