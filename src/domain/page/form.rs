//! The booking form of one event type: its fields, built from the type (its lengths as a
//! choice, its questions, the topic only when the type has no template), and — when a plain
//! form post was refused — the values as typed with the refusal next to its field.

use super::escape;
use crate::domain::api_error::ApiError;
use crate::domain::event_types::schema::QuestionSpec;
use crate::domain::event_types::{EventType, QuestionKind};
use std::collections::HashMap;

/// What a refused plain form post brings back to its form: what was typed, and the refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refill {
    values: HashMap<String, String>,
    /// The refused field as the API names it (`email`, `answers.company`); it is also the id
    /// of the field's input, so the refusal lands next to it.
    field: String,
    message: String,
    code: String,
}

impl Refill {
    /// The refill of a form body refused with `err`, or `None` when the refusal is not about
    /// one field (a key already used, a slot taken, Zoom down): those keep their own page,
    /// which says what to do, rather than a form that invites a second booking.
    pub fn of(form_body: &[u8], err: &ApiError) -> Option<Refill> {
        let body = err.body();
        let field = body["error"]["field"].as_str()?.to_owned();
        let mut values = HashMap::new();
        for (name, value) in form_urlencoded::parse(form_body) {
            // The first occurrence wins, as when the API read it.
            values
                .entry(name.into_owned())
                .or_insert_with(|| value.into_owned());
        }
        Some(Refill {
            values,
            field,
            message: err.message(),
            code: err.code().to_owned(),
        })
    }

    /// The type the form was for, as sent.
    pub fn type_slug(&self) -> Option<&str> {
        self.values
            .get("type")
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// The line above a form shown again: the refusal, pointing at its field when the form
    /// has one.
    pub(super) fn notice(&self, at_a_field: bool) -> String {
        let what = if at_a_field {
            "The booking did not go through: see the field marked below.".to_owned()
        } else {
            format!("The booking did not go through: {}", escape(&self.message))
        };
        format!(
            "<p class=\"error\" id=\"form-error\" role=\"alert\">{what} \
             <small>(error code: <code>{}</code>)</small></p>",
            escape(&self.code)
        )
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }
}

/// One field of the form: its label, its control and the slot its refusal is shown in.
struct Field {
    /// The input's id, which is also the API's name for the field in a refusal.
    id: String,
    /// The form field's name.
    name: String,
    label: String,
    control: Control,
    /// Attributes added to the control (`required`, `maxlength`, …), already escaped.
    attributes: String,
}

enum Control {
    Input {
        kind: &'static str,
        value: String,
    },
    TextArea {
        value: String,
    },
    /// The options as (value, text); `selected` is the value chosen.
    Select {
        options: Vec<(String, String)>,
        selected: String,
    },
}

impl Field {
    fn render(&self, refill: Option<&Refill>) -> String {
        let (id, name) = (escape(&self.id), escape(&self.name));
        let refused = refill.filter(|r| r.field == self.id);
        let invalid = if refused.is_some() {
            " aria-invalid=\"true\""
        } else {
            ""
        };
        let common = format!(
            "id=\"{id}\" name=\"{name}\"{}{invalid} aria-describedby=\"{id}-error\"",
            self.attributes
        );
        let control = match &self.control {
            Control::Input { kind, value } => {
                let kind = match *kind {
                    "text" => String::new(),
                    kind => format!(" type=\"{kind}\""),
                };
                let value = match value.is_empty() {
                    true => String::new(),
                    false => format!(" value=\"{}\"", escape(value)),
                };
                format!("<input {common}{kind}{value}>")
            }
            Control::TextArea { value } => {
                format!("<textarea {common} rows=\"4\">{}</textarea>", escape(value))
            }
            Control::Select { options, selected } => {
                let options: String = options
                    .iter()
                    .map(|(value, text)| {
                        let chosen = if value == selected { " selected" } else { "" };
                        format!(
                            "<option value=\"{}\"{chosen}>{}</option>",
                            escape(value),
                            escape(text)
                        )
                    })
                    .collect();
                format!("<select {common}>{options}</select>")
            }
        };
        let error = refused.map(|r| escape(&r.message)).unwrap_or_default();
        format!(
            "<label for=\"{id}\">{}</label>\n{control}\n\
             <p class=\"error\" id=\"{id}-error\" role=\"alert\">{error}</p>\n",
            escape(&self.label)
        )
    }
}

/// Whether `refill`'s refusal names a field this type's form shows.
pub(super) fn shows_field(ty: &EventType, refill: &Refill) -> bool {
    refill.field == "type" || fields(ty, None).iter().any(|f| f.id == refill.field)
}

/// The form's fields, in order, with `refill`'s values; the hidden `type` and its refusal
/// slot first.
pub(super) fn form_fields(ty: &EventType, refill: Option<&Refill>) -> String {
    let type_refused = refill
        .filter(|r| r.field == "type")
        .map(|r| escape(&r.message))
        .unwrap_or_default();
    let mut html = format!(
        "<input type=\"hidden\" id=\"type\" name=\"type\" value=\"{}\">\n\
         <p class=\"error\" id=\"type-error\" role=\"alert\">{type_refused}</p>\n",
        escape(ty.slug())
    );
    for field in fields(ty, refill) {
        html += &field.render(refill);
        if field.id == "duration" && ty.availability().is_some() {
            html += PICKER;
        }
    }
    html
}

/// The slot picker of a type with hours, after the zone and length it lists times for. Hidden:
/// only the page's script shows it (hiding the date-and-time field), so without JavaScript the
/// form is the one it was. The script fills `days` with one radio, named `start_time`, per free
/// time.
const PICKER: &str =
    "<fieldset id=\"picker\" hidden><legend id=\"picker-zone\">Free times</legend>\n\
    <p><button type=\"button\" id=\"prev\">Earlier week</button> \
    <button type=\"button\" id=\"next\">Later week</button></p>\n\
    <p id=\"slots-note\" role=\"status\"></p>\n<div id=\"days\"></div></fieldset>\n";

fn fields(ty: &EventType, refill: Option<&Refill>) -> Vec<Field> {
    let typed = |name: &str| {
        refill
            .and_then(|r| r.value(name))
            .unwrap_or_default()
            .to_owned()
    };
    let input = |id: &str, label: &str, kind: &'static str, attributes: &str| Field {
        id: id.to_owned(),
        name: id.to_owned(),
        label: label.to_owned(),
        control: Control::Input {
            kind,
            value: typed(id),
        },
        attributes: attributes.to_owned(),
    };
    let mut fields = vec![
        input(
            "name",
            "Your name",
            "text",
            " required maxlength=\"200\" autocomplete=\"name\"",
        ),
        input(
            "email",
            "Email",
            "email",
            " required maxlength=\"254\" autocomplete=\"email\"",
        ),
        input("start_time", "Date and time", "datetime-local", " required"),
        input(
            "timezone",
            "Time zone",
            "text",
            " placeholder=\"e.g. Europe/Berlin\"",
        ),
        duration_field(ty, refill.and_then(|r| r.value("duration"))),
    ];
    if !ty.has_topic_template() {
        fields.push(input(
            "topic",
            "Topic (optional)",
            "text",
            " maxlength=\"200\"",
        ));
    }
    for question in ty.questions() {
        let name = format!("answers[{}]", question.id);
        fields.push(question_field(question, &typed(&name), name));
    }
    fields
}

/// The length: a choice of the type's listed lengths (the default chosen), or a number within
/// its range.
fn duration_field(ty: &EventType, typed: Option<&str>) -> Field {
    let typed = typed.map(str::trim).filter(|t| !t.is_empty());
    let default = ty.default_duration().to_string();
    let (label, control, attributes) = match ty.listed_durations() {
        Some(listed) => {
            let options: Vec<(String, String)> = listed
                .iter()
                .map(|m| (m.to_string(), format!("{m} minutes")))
                .collect();
            let selected = typed
                .filter(|t| options.iter().any(|(v, _)| v == t))
                .map_or(default, str::to_owned);
            (
                "Length",
                Control::Select { options, selected },
                String::new(),
            )
        }
        None => {
            let (min, max) = ty.duration_bounds();
            let value = typed.map_or(default, str::to_owned);
            (
                "Length in minutes",
                Control::Input {
                    kind: "number",
                    value,
                },
                format!(" min=\"{min}\" max=\"{max}\""),
            )
        }
    };
    Field {
        id: "duration".to_owned(),
        name: "duration".to_owned(),
        label: label.to_owned(),
        control,
        attributes,
    }
}

/// A question's field: named `answers[<id>]`, with the id the API's refusal names
/// (`answers.<id>`).
fn question_field(q: &QuestionSpec, typed: &str, name: String) -> Field {
    let label = match q.required {
        true => q.label.clone(),
        false => format!("{} (optional)", q.label),
    };
    let mut attributes = String::new();
    if q.required {
        attributes += " required";
    }
    if q.kind != QuestionKind::Choice {
        attributes += &format!(" maxlength=\"{}\"", q.max_length);
    }
    let value = typed.to_owned();
    let control = match q.kind {
        QuestionKind::Text => Control::Input {
            kind: "text",
            value,
        },
        QuestionKind::LongText => Control::TextArea { value },
        QuestionKind::Email => Control::Input {
            kind: "email",
            value,
        },
        QuestionKind::Phone => Control::Input { kind: "tel", value },
        QuestionKind::Choice => {
            // A first, empty choice: no answer until one is picked (and none for an optional
            // question left alone).
            let blank = if q.required { "Choose one" } else { "—" };
            let options = std::iter::once((String::new(), blank.to_owned()))
                .chain(q.options.iter().map(|o| (o.clone(), o.clone())))
                .collect();
            Control::Select {
                options,
                selected: value,
            }
        }
    };
    Field {
        id: format!("answers.{}", q.id),
        name,
        label,
        control,
        attributes,
    }
}
