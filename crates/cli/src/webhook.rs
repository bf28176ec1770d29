//! Posting the alert to a chat webhook: a Slack-compatible JSON body, with
//! retries and backoff on a 5xx answer or a network failure, and a time
//! limit on every try, so it ends with an answer or a clear error, never a
//! hang. The URL can hold a secret token, so it is never printed: messages
//! name only its scheme and host.

use std::time::Duration;

use crate::Failure;

/// A URL's host (and port), without a user:password@ part, which is a secret too.
fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    host.rsplit('@').next().unwrap_or(host)
}

/// Where a webhook URL points, without its path and query (they hold the token).
pub fn redacted(url: &str) -> String {
    let scheme = url.split_once("://").map_or("?", |(s, _)| s);
    format!("{scheme}://{}/…", host(url))
}

pub fn check_url(url: &str) -> Result<(), Failure> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(Failure::input(format!(
            "the webhook URL must start with http:// or https:// (got '{}')",
            url.split_once("://").map_or("a URL without a scheme".to_string(), |(s, _)| format!("{s}://…"))
        )));
    }
    if host(url).is_empty() {
        return Err(Failure::input("the webhook URL has no host".into()));
    }
    Ok(())
}

pub struct Sent {
    pub attempts: usize,
    pub status: u16,
}

/// Posts `body`, trying `1 + retries` times with 0.5 s, 1 s, 2 s … between.
pub fn post(url: &str, body: &str, timeout: Duration, retries: usize) -> Result<Sent, Failure> {
    check_url(url)?;
    let agent = ureq::AgentBuilder::new().timeout(timeout).redirects(0).build();
    let mut last = String::new();
    for attempt in 1..=retries + 1 {
        match agent.post(url).set("Content-Type", "application/json").send_string(body) {
            Ok(r) => return Ok(Sent { attempts: attempt, status: r.status() }),
            Err(ureq::Error::Status(code, _)) if code < 500 => {
                return Err(Failure::input(format!(
                    "the webhook at {} refused the alert: HTTP {code} (a 4xx is not retried: check the URL)",
                    redacted(url)
                )))
            }
            Err(ureq::Error::Status(code, _)) => last = format!("HTTP {code}"),
            Err(ureq::Error::Transport(t)) => last = transport_text(&t),
        }
        if attempt <= retries {
            let wait = Duration::from_millis(500 << (attempt - 1).min(6));
            eprintln!("note: webhook try {attempt} failed ({last}); trying again in {:.1} s", wait.as_secs_f64());
            std::thread::sleep(wait);
        }
    }
    Err(Failure::input(format!(
        "the webhook at {} did not take the alert after {} tries: {last}",
        redacted(url),
        retries + 1
    )))
}

/// A transport error in words, without the URL (ureq's message holds it).
fn transport_text(t: &ureq::Transport) -> String {
    use ureq::ErrorKind as K;
    match t.kind() {
        K::Dns => "the host name does not resolve".into(),
        K::ConnectionFailed => "the connection failed".into(),
        K::Io => "no answer in time, or the connection broke".into(),
        K::InvalidUrl => "the URL is not valid".into(),
        K::UnknownScheme => "the URL's scheme is not http or https".into(),
        K::TooManyRedirects => "it redirected".into(),
        K::BadStatus | K::BadHeader => "the answer was not HTTP".into(),
        other => format!("{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_stay_out_of_messages() {
        assert_eq!(redacted("https://hooks.slack.com/services/T0/B0/secret"), "https://hooks.slack.com/…");
        assert_eq!(redacted("http://user:pw@127.0.0.1:9/x?token=1"), "http://127.0.0.1:9/…");
        assert!(check_url("ftp://x/y").is_err());
        assert!(check_url("hooks.slack.com/x").is_err());
        assert!(check_url("https:///x").is_err());
        assert!(check_url("http://127.0.0.1:8/x").is_ok());
    }
}
