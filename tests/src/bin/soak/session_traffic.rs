//! One client of the `session` example, until the deadline: logs in (right passwords from its
//! own address, wrong ones from the attacker's), reads pages and JSON, bumps the counter,
//! posts cross-site (403), sends garbage, truncated and logged-out cookies (401), logs out,
//! logs out everywhere, or just walks away from a session and lets it expire.
//!
//! A session is only used while it is certainly alive for the server (within the idle timeout
//! less the touch interval of its last use, and well inside the absolute timeout), so every
//! answer has an exact expectation; the only 401 allowed on a live session is one a "log out
//! everywhere" of bob's in flight or finished since his login explains (see
//! [`crate::accounts`]; sessions carry no `iat`, so nothing is excused by the same second).

use crate::accounts::{Dice, Ending, LOGS_OUT_EVERYWHERE, Mark, USERS};
use crate::forge;
use crate::http::{expect, send};
use crate::settings::{SESSION_ABSOLUTE, SESSION_IDLE, SESSION_TOUCH};
use crate::target::{Clients, Target};
use std::time::{Duration, Instant};

/// Every request the mix sends (each must have run for the soak to pass).
pub(crate) const ACTIONS: &[&str] = &[
    "POST /login",
    "POST /login, wrong password",
    "GET /api/me",
    "GET / (signed in)",
    "GET /sessions",
    "POST /api/counter (signed in)",
    "POST /api/counter (anonymous)",
    "POST /logout",
    "POST /logout-everywhere",
    "POST /logout, cross-site",
    "GET /api/me, no cookie",
    "GET /api/me, garbage cookie",
    "GET /api/me, truncated cookie",
    "GET /api/me, logged-out cookie",
];

/// Every status the mix must have seen: pages and JSON, redirects after a form, refusals of
/// bad cookies and wrong passwords, cross-site refusals, throttling.
pub(crate) const STATUSES: &[u16] = &[200, 303, 401, 403, 429];

/// A session the client holds.
struct Held {
    cookie: String,
    mark: Mark,
    /// When the last request that found it alive was sent (the server touched it then, or
    /// at most a touch interval before).
    last_used: Instant,
}

impl Held {
    /// Whether the server certainly still has it.
    fn alive(&self) -> bool {
        let margin = Duration::from_secs(1);
        self.last_used.elapsed() + SESSION_TOUCH + margin < SESSION_IDLE
            && self.mark.elapsed() + margin < SESSION_ABSOLUTE
    }
}

/// Run one client until `deadline`.
pub(crate) async fn run(target: &Target, seed: u64, deadline: Instant) {
    let clients = Clients::new();
    let mut dice = Dice::new(seed);
    let mut held: Option<Held> = None;
    while Instant::now() < deadline {
        if held.as_ref().is_some_and(|h| !h.alive()) {
            target
                .tally
                .event("session: left to expire (idle or absolute timeout)");
            held = None;
        }
        held = match held.take() {
            None => anonymous(target, &clients, &mut dice).await,
            Some(h) => signed_in(target, &clients, &mut dice, h).await,
        };
    }
}

/// Whether a "log out everywhere" may have ended the session obtained at `mark`.
fn ended(target: &Target, mark: &Mark) -> bool {
    target.accounts.ending(mark) == Ending::LoggedOutEverywhere
}

/// A same-origin form POST, as the browser sends it from the app's own page.
fn form(
    target: &Target,
    client: &reqwest::Client,
    path: &str,
    body: String,
) -> reqwest::RequestBuilder {
    client
        .post(target.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("origin", &target.base)
        .body(body)
}

async fn anonymous(target: &Target, clients: &Clients, dice: &mut Dice) -> Option<Held> {
    let tally = &target.tally;
    let c = &clients.user;
    match dice.weighted(&[70, 8, 6, 6, 10]) {
        0 => return login(target, c, dice).await,
        1 => {
            // An anonymous visitor's counter: a session without a user, left to expire.
            expect(
                tally,
                "POST /api/counter (anonymous)",
                form(target, c, "/api/counter", String::new()),
                &[200],
            )
            .await;
        }
        2 => {
            let req = c.get(target.url("/api/me")).header(
                "cookie",
                format!("session={}", forge::garbage(dice.below(1000))),
            );
            expect(tally, "GET /api/me, garbage cookie", req, &[401]).await;
        }
        3 => {
            expect(
                tally,
                "GET /api/me, no cookie",
                c.get(target.url("/api/me")),
                &[401],
            )
            .await;
        }
        _ => wrong_password(target, clients, dice).await,
    }
    None
}

/// Wrong passwords for accounts nobody uses, from the attacker's address: refused (401) or
/// throttled (429, once an account or the address is locked).
async fn wrong_password(target: &Target, clients: &Clients, dice: &mut Dice) {
    let user = format!("mallory-{}", dice.below(4));
    let req = form(
        target,
        &clients.attacker,
        "/login",
        format!("username={user}&password=guess"),
    );
    expect(
        &target.tally,
        "POST /login, wrong password",
        req,
        &[401, 429],
    )
    .await;
}

async fn login(target: &Target, c: &reqwest::Client, dice: &mut Dice) -> Option<Held> {
    let user = usize::try_from(dice.below(2)).unwrap_or(0);
    let (name, password) = USERS[user];
    let mark = target.accounts.mark(user);
    let req = form(
        target,
        c,
        "/login",
        format!("username={name}&password={password}"),
    );
    let sent = Instant::now();
    let reply = expect(&target.tally, "POST /login", req, &[303]).await?;
    let cookie = reply.cookie.filter(|_| reply.status == 303)?;
    Some(Held {
        cookie,
        mark,
        last_used: sent,
    })
}

/// A request on the held session that answers `ok` while the session lives; a 401 is
/// expected only if a "log out everywhere" of its user may have ended it. Returns the reply
/// and whether the session is still held.
async fn on_session(
    target: &Target,
    held: &mut Held,
    action: &'static str,
    req: reqwest::RequestBuilder,
    ok: u16,
) -> (Option<crate::http::Reply>, bool) {
    let sent = Instant::now();
    let Some(reply) = send(&target.tally, action, req.header("cookie", &held.cookie)).await else {
        return (None, false);
    };
    if reply.status == ok {
        held.last_used = sent;
        target.tally.answer(action, reply.status, true, String::new);
        return (Some(reply), true);
    }
    let ended = reply.status == 401 && ended(target, &held.mark);
    if ended {
        target
            .tally
            .event("session: ended by another client's logout everywhere");
    }
    target.tally.answer(action, reply.status, ended, || {
        format!("expected {ok}: {}", reply.excerpt())
    });
    (Some(reply), false)
}

async fn signed_in(
    target: &Target,
    clients: &Clients,
    dice: &mut Dice,
    mut held: Held,
) -> Option<Held> {
    let tally = &target.tally;
    let c = &clients.user;
    let user = held.mark.user();
    let (name, _) = USERS[user];
    let mut choice = dice.weighted(&[250, 100, 40, 200, 60, 50, 60, 2, 30, 50, 30]);
    if choice == 7 && user != LOGS_OUT_EVERYWHERE {
        choice = 0;
    }
    match choice {
        0 => {
            let (reply, still) = on_session(
                target,
                &mut held,
                "GET /api/me",
                c.get(target.url("/api/me")),
                200,
            )
            .await;
            if let Some(r) = reply.filter(|r| r.status == 200) {
                let subject = r.json()["subject"].as_str().map(str::to_owned);
                if subject.as_deref() != Some(name) {
                    tally.wrong_content("GET /api/me", &format!("subject {subject:?}, not {name}"));
                }
            }
            still.then_some(held)
        }
        1 => {
            // The home page answers 200 either way; signed in, it names the user.
            let sent = Instant::now();
            let r = send(
                tally,
                "GET / (signed in)",
                c.get(target.url("/")).header("cookie", &held.cookie),
            )
            .await?;
            let named = r.body.contains(&format!("<b>{name}</b>"));
            let ok = r.status == 200 && (named || ended(target, &held.mark));
            tally.answer("GET / (signed in)", r.status, ok, || {
                format!("200 naming {name}: {}", r.excerpt())
            });
            held.last_used = sent;
            (named && r.status == 200).then_some(held)
        }
        2 => {
            let (_, still) = on_session(
                target,
                &mut held,
                "GET /sessions",
                c.get(target.url("/sessions")),
                200,
            )
            .await;
            still.then_some(held)
        }
        3 => {
            // The counter writes to the session on every call.
            let sent = Instant::now();
            let r = send(
                tally,
                "POST /api/counter (signed in)",
                form(target, c, "/api/counter", String::new()).header("cookie", &held.cookie),
            )
            .await?;
            let v = r.json();
            let mine = v["subject"].as_str() == Some(name)
                && v["counter"].as_u64().is_some_and(|n| n >= 1);
            let ok = r.status == 200 && (mine || ended(target, &held.mark));
            tally.answer("POST /api/counter (signed in)", r.status, ok, || {
                format!("200 with subject {name}: {}", r.excerpt())
            });
            held.last_used = sent;
            (mine && r.status == 200).then_some(held)
        }
        4 => {
            // A form on another site posting to our logout, with and without fetch metadata.
            let mut req = c
                .post(target.url("/logout"))
                .header("origin", "https://evil.example")
                .header("cookie", &held.cookie);
            if dice.below(2) == 0 {
                req = req.header("sec-fetch-site", "cross-site");
            }
            expect(tally, "POST /logout, cross-site", req, &[403]).await;
            Some(held)
        }
        5 => {
            let req = c
                .get(target.url("/api/me"))
                .header("cookie", forge::truncated_cookie(&held.cookie));
            expect(tally, "GET /api/me, truncated cookie", req, &[401]).await;
            Some(held)
        }
        6 => {
            let req = form(target, c, "/logout", String::new()).header("cookie", &held.cookie);
            expect(tally, "POST /logout", req, &[303]).await;
            let req = c.get(target.url("/api/me")).header("cookie", &held.cookie);
            expect(tally, "GET /api/me, logged-out cookie", req, &[401]).await;
            None
        }
        7 => {
            let req =
                form(target, c, "/logout-everywhere", String::new()).header("cookie", &held.cookie);
            let action = "POST /logout-everywhere";
            let reply = target
                .accounts
                .logging_out_everywhere(user, send(tally, action, req))
                .await;
            if let Some(r) = reply {
                // Answered 303; or 401 if another client's logout everywhere got there first.
                let ok = r.status == 303 || (r.status == 401 && ended(target, &held.mark));
                tally.answer(action, r.status, ok, || {
                    format!("expected 303: {}", r.excerpt())
                });
            }
            None
        }
        8 => {
            tally.event("session: walked away from (expires by the idle timeout)");
            None
        }
        9 => {
            wrong_password(target, clients, dice).await;
            Some(held)
        }
        _ => {
            let req = c.get(target.url("/api/me")).header(
                "cookie",
                format!("session={}", forge::garbage(dice.below(1000))),
            );
            expect(tally, "GET /api/me, garbage cookie", req, &[401]).await;
            Some(held)
        }
    }
}
