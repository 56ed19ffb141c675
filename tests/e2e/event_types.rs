//! Event types (issue 14): a stack with two types configured through `BOOKING_TYPES`, each with
//! its own lengths, hosts, topic template, Zoom settings, passcode policy and questions.

use testbed::StackOptions;
use zoom_emulator::TokenMode;

/// The three hosts of the pool; `intro` takes only the second, `support` the first and third.
pub const HOSTS: [&str; 3] = [
    "types-a@example.com",
    "types-b@example.com",
    "types-c@example.com",
];

/// Two types: `intro` sets every Zoom setting it may and generates its passcode; `support`
/// takes a range of lengths and leaves the passcode to Zoom.
pub const BOOKING_TYPES: &str = r#"[
  {"slug": "intro", "title": "Intro call", "description": "A first talk about your plans.",
   "durations": [15, 30, 45], "default_duration": 30,
   "hosts": ["types-b@example.com"],
   "topic": "Intro call with {name}",
   "zoom_settings": {
     "host_video": true, "participant_video": false, "join_before_host": true, "jbh_time": 10,
     "mute_upon_entry": true, "waiting_room": false, "approval_type": 0, "audio": "voip",
     "auto_recording": "cloud", "meeting_authentication": false, "private_meeting": true,
     "watermark": false, "email_notification": false,
     "alternative_hosts": "types-c@example.com"
   },
   "passcode": "generate",
   "questions": [
     {"id": "company", "label": "Company", "kind": "text", "required": true, "max_length": 80},
     {"id": "plan", "label": "Plan", "kind": "choice", "options": ["Free", "Pro", "Enterprise"]},
     {"id": "phone", "label": "Phone", "kind": "phone"},
     {"id": "cc", "label": "Copy to", "kind": "email"}
   ]},
  {"slug": "support", "title": "Support session",
   "durations": null, "min_duration": 15, "max_duration": 60, "default_duration": 20,
   "hosts": ["types-a@example.com", "types-c@example.com"],
   "topic": "{title} for {name}",
   "zoom_settings": {"auto_recording": "none", "waiting_room": true},
   "questions": [
     {"id": "details", "label": "What do you need help with?", "kind": "long_text",
      "required": true, "max_length": 1500}
   ]}
]"#;

pub fn options() -> StackOptions {
    let mut options = StackOptions::new(TokenMode::Multi)
        .var("ZOOM_HOST_USER", &HOSTS.join(","))
        .var("BOOKING_TYPES", BOOKING_TYPES);
    // The emulator's account has these users (Zoom answers 1001 for any other).
    options.emulator.users = HOSTS.iter().map(|h| h.to_string()).collect();
    options
}
