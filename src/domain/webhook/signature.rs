//! Zoom webhook authenticity: `x-zm-signature = "v0=" + hex(HMAC-SHA256(secret,
//! "v0:" + x-zm-request-timestamp + ":" + raw body))`, and the URL-validation challenge
//! `encryptedToken = hex(HMAC-SHA256(secret, plainToken))`.
//!
//! Verification works on the raw bytes as received (re-serialized JSON would not match for
//! non-ASCII text or different key order) and compares in constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "v0=";
const DIGEST_HEX_LEN: usize = 64;
/// Longest timestamp accepted: epoch seconds have 10 digits until the year 2286.
const MAX_TIMESTAMP_DIGITS: usize = 12;
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    MissingSignature,
    MissingTimestamp,
    /// Not `v0=` followed by exactly 64 hex digits.
    MalformedSignature,
    /// Not a plain decimal number of seconds.
    MalformedTimestamp,
    /// Further than the tolerance from now, in either direction.
    StaleTimestamp,
    /// Well-formed, but made with none of the configured secrets (or for other bytes).
    Mismatch,
}

fn mac(secret: &str) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length")
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn signed_message_mac(secret: &str, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac = mac(secret);
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

/// The `x-zm-signature` value Zoom sends for `body` at `timestamp`.
pub fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let digest = signed_message_mac(secret, timestamp, body)
        .finalize()
        .into_bytes();
    format!("{PREFIX}{}", to_hex(&digest))
}

/// `encryptedToken` for the `endpoint.url_validation` challenge.
pub fn url_validation_token(secret: &str, plain_token: &str) -> String {
    let mut mac = mac(secret);
    mac.update(plain_token.as_bytes());
    to_hex(&mac.finalize().into_bytes())
}

/// Checks a delivery against every accepted secret (current first, then the previous one during
/// a rotation). `now_secs` is injected; the tolerance applies both ways.
pub fn verify(
    secrets: &[&str],
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let signature = signature.ok_or(SignatureError::MissingSignature)?.trim();
    let timestamp = timestamp.ok_or(SignatureError::MissingTimestamp)?.trim();
    let digest = signature
        .strip_prefix(PREFIX)
        .filter(|hex| hex.len() == DIGEST_HEX_LEN)
        .and_then(from_hex)
        .ok_or(SignatureError::MalformedSignature)?;
    if timestamp.is_empty()
        || timestamp.len() > MAX_TIMESTAMP_DIGITS
        || !timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SignatureError::MalformedTimestamp);
    }
    let sent_at: i64 = timestamp
        .parse()
        .map_err(|_| SignatureError::MalformedTimestamp)?;
    if (now_secs - sent_at).abs() > tolerance_secs {
        return Err(SignatureError::StaleTimestamp);
    }
    let matches = secrets.iter().filter(|s| !s.is_empty()).any(|secret| {
        // verify_slice compares in constant time.
        signed_message_mac(secret, timestamp, body)
            .verify_slice(&digest)
            .is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "hy2hW8aMTp6vbM4wJ0e5Kw";
    const TS: &str = "1700000000";
    const NOW: i64 = 1_700_000_000;
    const BODY: &[u8] = r#"{"event":"meeting.started","event_ts":1700000000123,"payload":{"account_id":"a","object":{"id":"86220627999","topic":"Café 会議"}}}"#.as_bytes();

    // Fixed vectors (the body holds raw UTF-8), computed independently with Python's hmac module:
    //   hmac.new(SECRET, b"v0:" + TS + b":" + BODY, sha256).hexdigest()
    //   hmac.new(SECRET, b"qgg8vlvZRS6UYooatFL8Aw", sha256).hexdigest()
    const EXPECTED_SIGNATURE: &str =
        "v0=74b6edf8b5cf9872463e636ca82fb851f4b4f30d847fccec824d8b0086999e96";
    const EXPECTED_CHALLENGE: &str =
        "4677a925456a8c4bd83d49b32f6bc76ffefc24846269a077b8fd9ce8070c5193";

    #[test]
    fn signatures_match_independently_computed_hmac_vectors() {
        assert_eq!(sign(SECRET, TS, BODY), EXPECTED_SIGNATURE);
        assert_eq!(
            url_validation_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw"),
            EXPECTED_CHALLENGE
        );
        assert_eq!(
            verify(
                &[SECRET],
                Some(EXPECTED_SIGNATURE),
                Some(TS),
                BODY,
                NOW,
                300
            ),
            Ok(())
        );
    }

    #[test]
    fn tolerance_is_inclusive_both_ways() {
        for (now, ok) in [
            (NOW + 300, true),
            (NOW - 300, true),
            (NOW + 301, false),
            (NOW - 301, false),
        ] {
            let result = verify(
                &[SECRET],
                Some(EXPECTED_SIGNATURE),
                Some(TS),
                BODY,
                now,
                300,
            );
            assert_eq!(result.is_ok(), ok, "now {now}");
            if !ok {
                assert_eq!(result, Err(SignatureError::StaleTimestamp));
            }
        }
    }

    #[test]
    fn previous_secret_is_accepted_during_rotation() {
        let old_signed = sign("old-secret", TS, BODY);
        assert_eq!(
            verify(
                &[SECRET, "old-secret"],
                Some(&old_signed),
                Some(TS),
                BODY,
                NOW,
                300
            ),
            Ok(())
        );
        assert_eq!(
            verify(&[SECRET], Some(&old_signed), Some(TS), BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );
        // An empty configured secret never matches anything.
        let empty_signed = sign("", TS, BODY);
        assert_eq!(
            verify(&["", SECRET], Some(&empty_signed), Some(TS), BODY, NOW, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn malformed_headers_are_refused_without_panic() {
        let hex = &EXPECTED_SIGNATURE[3..];
        let cases: Vec<(Option<String>, Option<&str>, SignatureError)> = vec![
            (None, Some(TS), SignatureError::MissingSignature),
            (
                Some(EXPECTED_SIGNATURE.into()),
                None,
                SignatureError::MissingTimestamp,
            ),
            (
                Some("v0=".into()),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(hex.into()),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(format!("v1={hex}")),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(format!("v0={}", &hex[..63])),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(format!("v0={hex}0")),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(format!("v0={hex}{hex}")),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(format!("v0={}zz", &hex[..62])),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(format!("v0={}é", &hex[..62])),
                Some(TS),
                SignatureError::MalformedSignature,
            ),
            (
                Some(EXPECTED_SIGNATURE.into()),
                Some(""),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some(EXPECTED_SIGNATURE.into()),
                Some("-1700000000"),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some(EXPECTED_SIGNATURE.into()),
                Some("1700000000.5"),
                SignatureError::MalformedTimestamp,
            ),
            (
                Some(EXPECTED_SIGNATURE.into()),
                Some("99999999999999999999"),
                SignatureError::MalformedTimestamp,
            ),
        ];
        for (signature, timestamp, expected) in cases {
            assert_eq!(
                verify(&[SECRET], signature.as_deref(), timestamp, BODY, NOW, 300),
                Err(expected),
                "{signature:?} {timestamp:?}"
            );
        }
    }

    /// Property: flipping any single byte of the body, the timestamp or the signature's digest
    /// makes verification fail (exhaustive over positions, several flips per position).
    #[test]
    fn any_single_byte_change_fails() {
        for i in 0..BODY.len() {
            for flip in [0x01u8, 0x20, 0x80] {
                let mut body = BODY.to_vec();
                body[i] ^= flip;
                assert!(
                    verify(
                        &[SECRET],
                        Some(EXPECTED_SIGNATURE),
                        Some(TS),
                        &body,
                        NOW,
                        300
                    )
                    .is_err(),
                    "body byte {i}"
                );
            }
        }
        for i in 0..TS.len() {
            let mut ts = TS.as_bytes().to_vec();
            // Stay a digit (and within tolerance for the last digits) so only the MAC can fail.
            ts[i] = if ts[i] == b'9' { b'8' } else { ts[i] + 1 };
            let ts = String::from_utf8(ts).unwrap();
            let now: i64 = ts.parse().unwrap();
            assert_eq!(
                verify(
                    &[SECRET],
                    Some(EXPECTED_SIGNATURE),
                    Some(&ts),
                    BODY,
                    now,
                    300
                ),
                Err(SignatureError::Mismatch),
                "timestamp byte {i}"
            );
        }
        let hex = &EXPECTED_SIGNATURE[3..];
        for i in 0..hex.len() {
            let mut sig = hex.as_bytes().to_vec();
            sig[i] = if sig[i] == b'0' { b'1' } else { b'0' };
            let sig = format!("v0={}", String::from_utf8(sig).unwrap());
            assert_eq!(
                verify(&[SECRET], Some(&sig), Some(TS), BODY, NOW, 300),
                Err(SignatureError::Mismatch),
                "signature hex digit {i}"
            );
        }
    }
}
