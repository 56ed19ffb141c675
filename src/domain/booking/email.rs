//! A guest's email address. An `EmailAddress` exists only through [`EmailAddress::parse`]: the
//! address a booking names, the per-email limit counts and the keyless-replay key derives from
//! has passed the same conservative check.

use crate::domain::api_error::{FieldError, FieldErrorKind};
use serde::{Deserialize, Serialize};

pub const MAX_EMAIL_CHARS: usize = 254;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

fn invalid_email(message: &str) -> FieldError {
    FieldError::new("email", FieldErrorKind::InvalidEmail, message)
}

impl EmailAddress {
    /// A deliberately conservative address check: Zoom and mail systems reject what this rejects.
    pub fn parse(email: &str) -> Result<EmailAddress, FieldError> {
        if email.chars().count() > MAX_EMAIL_CHARS {
            return Err(FieldError::new(
                "email",
                FieldErrorKind::TooLong,
                format!("'email' must be at most {MAX_EMAIL_CHARS} characters."),
            ));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(invalid_email("'email' must look like name@example.com."));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if local_ok && domain_ok {
            Ok(EmailAddress(email.to_owned()))
        } else {
            Err(invalid_email("'email' must look like name@example.com."))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as keys compare it: mail systems treat the case of an address as one.
    pub fn normalized(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// The mailbox the per-email limit counts: the whole address case-folded and a `+tag`
    /// dropped from the local part, for every domain (most providers deliver `ada+1@` to `ada@`;
    /// dots are kept, as only some providers ignore them). For limits only: replay matching and
    /// the stored booking keep the address as given.
    pub fn limit_key(&self) -> String {
        let folded = self.normalized();
        let Some((local, domain)) = folded.rsplit_once('@') else {
            return folded;
        };
        match local.split_once('+') {
            // `+tag@…` alone has no mailbox before the tag: counted as written.
            Some((mailbox, _)) if !mailbox.is_empty() => format!("{mailbox}@{domain}"),
            _ => folded,
        }
    }
}

/// Test fixtures name addresses literally; a malformed one is a broken test.
#[cfg(test)]
impl From<&str> for EmailAddress {
    fn from(value: &str) -> Self {
        EmailAddress::parse(value).expect("a test email address")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass_and_compare_without_case() {
        let ada = EmailAddress::parse("Ada.Lovelace+books@Example.co.uk").unwrap();
        assert_eq!(ada.as_str(), "Ada.Lovelace+books@Example.co.uk");
        assert_eq!(ada.normalized(), "ada.lovelace+books@example.co.uk");
    }

    #[test]
    fn the_limit_counts_one_mailbox_whatever_its_case_or_plus_tag() {
        let key = |raw: &str| EmailAddress::parse(raw).unwrap().limit_key();
        assert_eq!(key("ada+1@x.io"), "ada@x.io");
        assert_eq!(key("Ada+Books+2@X.IO"), "ada@x.io");
        assert_eq!(key("ADA@x.io"), "ada@x.io");
        // Dots are kept: only some providers ignore them.
        assert_eq!(key("a.da+1@x.io"), "a.da@x.io");
        assert_ne!(key("a.da@x.io"), key("ada@x.io"));
        // No mailbox before the tag: the address as written.
        assert_eq!(key("+tag@x.io"), "+tag@x.io");
        // The address itself is untouched.
        assert_eq!(
            EmailAddress::parse("Ada+1@x.io").unwrap().as_str(),
            "Ada+1@x.io"
        );
    }

    #[test]
    fn addresses_mail_systems_reject_are_refused_as_the_email_field() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "not-an-email",
            "a@localhost",
            "a b@x.io",
            ".a@x.io",
            "a..b@x.io",
            "a@-x.io",
            "a@x.i0",
            &long,
        ] {
            let err = EmailAddress::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad}");
        }
    }
}
