//! Sending one request and reading its whole answer, counted in a [`Tally`].

use crate::tally::Tally;
use std::time::Duration;

/// The longest a request may take before it counts as unanswered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A status, the first `Set-Cookie` (`name=value`) and the body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) cookie: Option<String>,
    pub(crate) body: String,
}

impl Reply {
    /// The body as JSON (`Null` when it is not).
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }

    /// The start of the body, for a report line.
    pub(crate) fn excerpt(&self) -> String {
        self.body.chars().take(120).collect()
    }
}

/// Send `req`; `None` (counted as unexpected) if it got no answer.
pub(crate) async fn send(
    tally: &Tally,
    action: &'static str,
    req: reqwest::RequestBuilder,
) -> Option<Reply> {
    let res = match req.timeout(REQUEST_TIMEOUT).send().await {
        Ok(res) => res,
        Err(e) => {
            tally.transport_error(action, &e.to_string());
            return None;
        }
    };
    let status = res.status().as_u16();
    let cookie = res
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    match res.text().await {
        Ok(body) => Some(Reply {
            status,
            cookie,
            body,
        }),
        Err(e) => {
            tally.transport_error(action, &format!("{status}, body cut short: {e}"));
            None
        }
    }
}

/// Send `req` and count its answer as expected when its status is one of `expected`.
pub(crate) async fn expect(
    tally: &Tally,
    action: &'static str,
    req: reqwest::RequestBuilder,
    expected: &[u16],
) -> Option<Reply> {
    let reply = send(tally, action, req).await?;
    let ok = expected.contains(&reply.status);
    tally.answer(action, reply.status, ok, || {
        format!("expected {expected:?}: {}", reply.excerpt())
    });
    Some(reply)
}
