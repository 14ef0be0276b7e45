//! One client of the `jwt-api` example, until the deadline: logs in (right passwords from its
//! own address, wrong ones from the attacker's), reads `/api/me` and `/api/reports`, refreshes,
//! logs out (then replays the dead tokens), logs out everywhere, sends forged tokens (altered
//! signature, `alg: none`, garbage, expired) or walks away from its tokens.
//!
//! An access token is used only well inside its lifetime and a refresh token only well inside
//! its family's, so every answer has an exact expectation; the only refusal allowed on a live
//! credential is one a "log out everywhere" of bob's may explain (see [`crate::accounts`]).

use crate::accounts::{Dice, Ending, LOGS_OUT_EVERYWHERE, Mark, USERS};
use crate::forge;
use crate::http::{Reply, expect, send};
use crate::settings::{ACCESS_TTL, REFRESH_FAMILY};
use crate::target::{Clients, Target};
use std::time::{Duration, Instant};

/// Every request the mix sends (each must have run for the soak to pass; the expired-token
/// probe needs a run longer than a token's lifetime plus the verifier's leeway).
pub(crate) const ACTIONS: &[&str] = &[
    "POST /auth/login",
    "POST /auth/login, wrong password",
    "GET /api/me",
    "GET /api/reports",
    "POST /auth/refresh",
    "POST /auth/logout",
    "POST /auth/logout-everywhere",
    "GET /api/me, no token",
    "GET /api/me, garbage token",
    "GET /api/me, altered signature",
    "GET /api/me, alg none",
    "GET /api/me, refresh token as bearer",
    "GET /api/me, expired token",
    "GET /api/me, logged-out token",
    "POST /auth/refresh, logged-out token",
];

/// Every status the mix must have seen: answers, token pairs, logouts (204), refused grants
/// (400), refused tokens (401), bob's missing scope (403), throttling (429).
pub(crate) const STATUSES: &[u16] = &[200, 204, 400, 401, 403, 429];

/// The tokens the client holds.
struct Held {
    access: String,
    refresh: String,
    mark: Mark,
    /// When the current access token was asked for (it expires at most its lifetime later).
    access_at: Instant,
}

/// Run one client until `deadline`.
pub(crate) async fn run(target: &Target, seed: u64, deadline: Instant) {
    let clients = Clients::new();
    let mut dice = Dice::new(seed);
    let mut held: Option<Held> = None;
    while Instant::now() < deadline {
        if held
            .as_ref()
            .is_some_and(|h| h.mark.elapsed() + Duration::from_secs(3) > REFRESH_FAMILY)
        {
            target.tally.event("tokens: family left to expire");
            held = None;
        }
        held = match held.take() {
            None => anonymous(target, &clients, &mut dice).await,
            Some(h) if h.access_at.elapsed() + Duration::from_secs(1) > ACCESS_TTL => {
                refresh(target, &clients.user, h).await
            }
            Some(h) => signed_in(target, &clients, &mut dice, h).await,
        };
    }
}

fn post_json(
    c: &reqwest::Client,
    target: &Target,
    path: &str,
    body: &serde_json::Value,
) -> reqwest::RequestBuilder {
    c.post(target.url(path))
        .header("content-type", "application/json")
        .body(body.to_string())
}

fn bearer(
    c: &reqwest::Client,
    target: &Target,
    path: &str,
    token: &str,
) -> reqwest::RequestBuilder {
    c.get(target.url(path))
        .header("authorization", format!("Bearer {token}"))
}

/// The pair in a 200 token response.
fn pair(reply: &Reply) -> Option<(String, String)> {
    let v = reply.json();
    Some((
        v["access_token"].as_str()?.to_owned(),
        v["refresh_token"].as_str()?.to_owned(),
    ))
}

async fn anonymous(target: &Target, clients: &Clients, dice: &mut Dice) -> Option<Held> {
    let tally = &target.tally;
    let c = &clients.user;
    match dice.weighted(&[70, 6, 6, 6, 12]) {
        0 => return login(target, c, dice).await,
        1 => {
            expect(
                tally,
                "GET /api/me, no token",
                c.get(target.url("/api/me")),
                &[401],
            )
            .await;
        }
        2 => {
            let req = bearer(c, target, "/api/me", &forge::garbage(dice.below(1000)));
            expect(tally, "GET /api/me, garbage token", req, &[401]).await;
        }
        3 => expired(target, c).await,
        _ => wrong_password(target, clients, dice).await,
    }
    None
}

/// Wrong passwords for accounts nobody uses, from the attacker's address: refused (400
/// `invalid_grant`) or throttled (429).
async fn wrong_password(target: &Target, clients: &Clients, dice: &mut Dice) {
    let body =
        serde_json::json!({"username": format!("mallory-{}", dice.below(4)), "password": "guess"});
    let req = post_json(&clients.attacker, target, "/auth/login", &body);
    expect(
        &target.tally,
        "POST /auth/login, wrong password",
        req,
        &[400, 429],
    )
    .await;
}

/// An access token past its lifetime and the verifier's leeway, when one is old enough.
async fn expired(target: &Target, c: &reqwest::Client) {
    if let Some(token) = target.expired_token() {
        let req = bearer(c, target, "/api/me", &token);
        expect(&target.tally, "GET /api/me, expired token", req, &[401]).await;
    }
}

async fn login(target: &Target, c: &reqwest::Client, dice: &mut Dice) -> Option<Held> {
    let user = usize::try_from(dice.below(2)).unwrap_or(0);
    let (name, password) = USERS[user];
    let mark = target.accounts.mark(user);
    let access_at = Instant::now();
    let body = serde_json::json!({"username": name, "password": password});
    let reply = expect(
        &target.tally,
        "POST /auth/login",
        post_json(c, target, "/auth/login", &body),
        &[200],
    )
    .await?;
    let (access, refresh) = pair(&reply)?;
    target.keep_token(Instant::now(), &access);
    Some(Held {
        access,
        refresh,
        mark,
        access_at,
    })
}

/// Judge an answer on a live credential: `ok`, or `refused` if a "log out everywhere" of
/// its user may have ended it. Returns whether the credential is still good.
fn judge(
    target: &Target,
    held: &Held,
    action: &'static str,
    reply: &Reply,
    ok: u16,
    refused: u16,
) -> bool {
    if reply.status == ok {
        target.tally.answer(action, reply.status, true, String::new);
        return true;
    }
    let ended = reply.status == refused
        && match target.accounts.ending(&held.mark) {
            Ending::Live => false,
            Ending::LoggedOutEverywhere => {
                target
                    .tally
                    .event("tokens: ended by a logout everywhere since the login");
                true
            }
        };
    target.tally.answer(action, reply.status, ended, || {
        format!("expected {ok}: {}", reply.excerpt())
    });
    false
}

async fn refresh(target: &Target, c: &reqwest::Client, mut held: Held) -> Option<Held> {
    let action = "POST /auth/refresh";
    let access_at = Instant::now();
    let body = serde_json::json!({"refresh_token": held.refresh});
    let reply = send(
        &target.tally,
        action,
        post_json(c, target, "/auth/refresh", &body),
    )
    .await?;
    if !judge(target, &held, action, &reply, 200, 400) {
        return None;
    }
    let (access, refresh) = pair(&reply)?;
    target.keep_token(Instant::now(), &access);
    held.access = access;
    held.refresh = refresh;
    held.access_at = access_at;
    Some(held)
}

async fn signed_in(
    target: &Target,
    clients: &Clients,
    dice: &mut Dice,
    held: Held,
) -> Option<Held> {
    let tally = &target.tally;
    let c = &clients.user;
    let user = held.mark.user();
    let (name, _) = USERS[user];
    let mut choice = dice.weighted(&[300, 120, 80, 40, 2, 50, 30, 30, 30, 50, 20]);
    if choice == 4 && user != LOGS_OUT_EVERYWHERE {
        choice = 0;
    }
    match choice {
        0 => {
            let action = "GET /api/me";
            let reply = send(tally, action, bearer(c, target, "/api/me", &held.access)).await?;
            let good = judge(target, &held, action, &reply, 200, 401);
            if good && reply.json()["subject"].as_str() != Some(name) {
                tally.wrong_content(action, &format!("not {name}: {}", reply.excerpt()));
            }
            good.then_some(held)
        }
        1 => {
            // alice has the reports:read scope, bob does not.
            let action = "GET /api/reports";
            let ok = if name == "alice" { 200 } else { 403 };
            let reply = send(
                tally,
                action,
                bearer(c, target, "/api/reports", &held.access),
            )
            .await?;
            judge(target, &held, action, &reply, ok, 401).then_some(held)
        }
        2 => refresh(target, c, held).await,
        3 => {
            let action = "POST /auth/logout";
            let body = serde_json::json!({"refresh_token": held.refresh});
            let reply = send(tally, action, post_json(c, target, "/auth/logout", &body)).await?;
            if judge(target, &held, action, &reply, 204, 400) {
                // Both tokens are dead now, on the next request.
                let req = bearer(c, target, "/api/me", &held.access);
                expect(tally, "GET /api/me, logged-out token", req, &[401]).await;
                let body = serde_json::json!({"refresh_token": held.refresh});
                let req = post_json(c, target, "/auth/refresh", &body);
                expect(tally, "POST /auth/refresh, logged-out token", req, &[400]).await;
            }
            None
        }
        4 => {
            let action = "POST /auth/logout-everywhere";
            let req = c
                .post(target.url("/auth/logout-everywhere"))
                .header("authorization", format!("Bearer {}", held.access));
            let reply = target
                .accounts
                .logging_out_everywhere(user, send(tally, action, req))
                .await?;
            judge(target, &held, action, &reply, 204, 401);
            None
        }
        5 => {
            let req = bearer(c, target, "/api/me", &forge::wrong_signature(&held.access));
            expect(tally, "GET /api/me, altered signature", req, &[401]).await;
            Some(held)
        }
        6 => {
            let req = bearer(c, target, "/api/me", &forge::alg_none(&held.access));
            expect(tally, "GET /api/me, alg none", req, &[401]).await;
            Some(held)
        }
        7 => {
            // The refresh token is no access token (and vice versa).
            let req = bearer(c, target, "/api/me", &held.refresh);
            expect(tally, "GET /api/me, refresh token as bearer", req, &[401]).await;
            Some(held)
        }
        8 => {
            expired(target, c).await;
            Some(held)
        }
        9 => {
            wrong_password(target, clients, dice).await;
            Some(held)
        }
        _ => {
            tally.event("tokens: walked away from (the family expires)");
            None
        }
    }
}
