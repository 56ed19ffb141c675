//! `zoom-emulator`: serve the emulated Zoom API on loopback.
//!
//! ```text
//! zoom-emulator [--port 8788] [--token-mode multi|legacy] [--token-ttl SECS]
//!               [--account-id ID] [--client-id ID] [--client-secret SECRET]
//!               [--users a@x.io,b@x.io] [--rate-limits free|pro|business|off] [--daily-limit N]
//!               [--webhook-secret S] [--webhook-url URL] [--webhook-retry-scale N]
//! ```

use std::process::ExitCode;
use zoom_emulator::{serve, Settings};

const USAGE: &str =
    "usage: zoom-emulator [--port N] [--token-mode multi|legacy] [--token-ttl SECS] \
[--account-id ID] [--client-id ID] [--client-secret SECRET] [--users a,b] \
[--rate-limits free|pro|business|off] [--daily-limit N] [--webhook-secret S] [--webhook-url URL] \
[--webhook-retry-scale N]";

fn parse(args: &[String]) -> Result<(Settings, u16), String> {
    let mut settings = Settings::default();
    let mut port = 8788;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--port" => port = number(value()?)? as u16,
            "--token-mode" => settings.token_mode = value()?.parse()?,
            "--token-ttl" => settings.token_ttl_secs = number(value()?)?,
            "--account-id" => settings.account_id = value()?,
            "--client-id" => settings.client_id = value()?,
            "--client-secret" => settings.client_secret = value()?,
            "--users" => settings.users = value()?.split(',').map(str::to_owned).collect(),
            "--webhook-secret" => settings.webhook_secret = value()?,
            "--webhook-url" => settings.webhook_url = Some(value()?),
            // Zoom redelivers after 5, 20 and 60 minutes; N divides those gaps.
            "--webhook-retry-scale" => {
                settings = settings.webhook_retries_scaled(number(value()?)?);
            }
            "--daily-limit" => settings.daily_create_limit = number(value()?)? as u32,
            "--rate-limits" => {
                settings.per_second = match value()?.as_str() {
                    "free" => Some([4, 2, 1]),
                    "pro" => Some([30, 20, 10]),
                    "business" => Some([80, 60, 40]),
                    "off" => None,
                    other => return Err(format!("unknown rate-limit plan '{other}'")),
                }
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    Ok((settings, port))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (settings, port) = match parse(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mode = settings.token_mode;
    let account = settings.account_id.clone();
    match serve(settings, &format!("127.0.0.1:{port}")) {
        Ok(running) => {
            println!(
                "zoom-emulator listening on {} (account {account}, token mode {mode:?})",
                running.base_url
            );
            loop {
                std::thread::park();
            }
        }
        Err(err) => {
            eprintln!("zoom-emulator: cannot listen on port {port}: {err}");
            ExitCode::FAILURE
        }
    }
}
