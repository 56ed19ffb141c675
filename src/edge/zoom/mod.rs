//! Talking to Zoom: the REST API behind coordinator permits (`api`), the meeting calls the
//! product makes (`meetings`) and the token endpoint (`oauth`). Mirrors `domain::zoom`, which
//! builds the requests and reads the answers.

pub mod api;
pub mod meetings;
pub mod oauth;
