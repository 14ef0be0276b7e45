//! The variants: which app, which path, which credential, and where its Redis is.

/// The credential each request carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Auth {
    /// Nothing.
    None,
    /// A session cookie from the server's `/init`.
    Cookie,
    /// A bearer token from the server's `/token`.
    Bearer,
}

/// Where an app's shared store is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Link {
    /// The app uses no shared store.
    NoRedis,
    /// The harness's own redis-server, on loopback.
    Near,
    /// The same redis-server behind the harness's delaying proxy (~0.5 ms round trip added).
    Far,
    /// The machine's PostgreSQL on loopback, a database of the app's own.
    Postgres,
    /// The same PostgreSQL behind the delaying proxy.
    PostgresFar,
}

impl Link {
    /// Whether the app's store is PostgreSQL.
    pub(crate) fn is_postgres(self) -> bool {
        matches!(self, Self::Postgres | Self::PostgresFar)
    }
}

/// One measured variant.
#[derive(Debug)]
pub(crate) struct Case {
    pub(crate) name: String,
    /// The server kind (see `servers::serve`) and its Redis.
    pub(crate) kind: String,
    pub(crate) link: Link,
    pub(crate) path: &'static str,
    pub(crate) auth: Auth,
}

impl Case {
    fn new(name: impl Into<String>, kind: impl Into<String>, link: Link) -> Self {
        Self {
            name: name.into(),
            kind: kind.into(),
            link,
            path: "/read",
            auth: Auth::Cookie,
        }
    }

    fn at(mut self, path: &'static str, auth: Auth) -> Self {
        self.path = path;
        self.auth = auth;
        self
    }

    /// Whether a request without the credential must be refused (the app enforces auth).
    pub(crate) fn guarded(&self) -> bool {
        self.auth == Auth::Bearer || (self.auth == Auth::Cookie && self.path == "/me")
    }
}

/// The baseline every ratio is taken against; always the first case.
pub(crate) const BASELINE: &str = "no auth";

/// Every variant, in the order each round runs them.
pub(crate) fn all() -> Vec<Case> {
    let mut cases = vec![
        Case::new(BASELINE, "noauth", Link::NoRedis).at("/read", Auth::None),
        Case::new("no-op layer", "noop", Link::NoRedis).at("/read", Auth::None),
        Case::new(
            "ours: session layer, no cookie (memory)",
            "ours-memory",
            Link::NoRedis,
        )
        .at("/plain", Auth::None),
        Case::new("ours: session read (memory)", "ours-memory", Link::NoRedis),
        Case::new(
            "ours: Identity from session (memory)",
            "ours-memory",
            Link::NoRedis,
        )
        .at("/me", Auth::Cookie),
        Case::new(
            "tower-sessions 0.15: session read (memory)",
            "ts-memory",
            Link::NoRedis,
        ),
    ];
    for (link, at) in [(Link::Near, "Redis"), (Link::Far, "Redis +0.5ms")] {
        ours_on_a_shared_store(&mut cases, "redis", at, link);
        for (mode, kind) in [
            ("read-only", "ts-redis-readonly"),
            ("rolling", "ts-redis-rolling"),
        ] {
            cases.push(Case::new(
                format!("tower-sessions 0.14 + redis-store 0.16: read ({at}, {mode})"),
                kind,
                link,
            ));
        }
    }
    for (link, at) in [
        (Link::Postgres, "PostgreSQL"),
        (Link::PostgresFar, "PostgreSQL +0.5ms"),
    ] {
        ours_on_a_shared_store(&mut cases, "pg", at, link);
        cases.push(Case::new(
            format!("tower-sessions 0.14 + sqlx-store 0.15: read ({at})"),
            "ts-pg",
            link,
        ));
    }
    for (alg, label) in [
        ("hs256", "HS256"),
        ("es256", "ES256"),
        ("eddsa", "EdDSA"),
        ("rs256", "RS256"),
    ] {
        let bearer = |name: String, kind: String| {
            Case::new(name, kind, Link::NoRedis).at("/me", Auth::Bearer)
        };
        for cache in ["on", "off"] {
            cases.push(bearer(
                format!("ours: JwtLayer + Identity, {label}, token cache {cache}"),
                format!("ours-jwt-{alg}-cache-{cache}"),
            ));
        }
        cases.push(bearer(
            format!("jsonwebtoken 12 middleware, {label}"),
            format!("jsonwebtoken-{alg}"),
        ));
        cases.push(bearer(
            format!("jwt-authorizer 0.15 (axum 0.7), {label}"),
            format!("jwt-authorizer-{alg}"),
        ));
    }
    cases
}

/// Our session read and `Identity` on a shared store (`store`: the server kind's middle part),
/// with the local session cache on and off.
fn ours_on_a_shared_store(cases: &mut Vec<Case>, store: &str, at: &str, link: Link) {
    for cache in ["on", "off"] {
        let kind = format!("ours-{store}-cache-{cache}");
        cases.push(Case::new(
            format!("ours: session read ({at}, local cache {cache})"),
            &kind,
            link,
        ));
        cases.push(
            Case::new(
                format!("ours: Identity from session ({at}, local cache {cache})"),
                &kind,
                link,
            )
            .at("/me", Auth::Cookie),
        );
    }
}

/// The cases whose name contains `only` (case-insensitive), always with the baseline first.
pub(crate) fn select(only: Option<&str>) -> Vec<Case> {
    let only = only.map(str::to_lowercase);
    let cases: Vec<Case> = all()
        .into_iter()
        .filter(|c| {
            c.name == BASELINE
                || only
                    .as_ref()
                    .is_none_or(|o| c.name.to_lowercase().contains(o))
        })
        .collect();
    assert!(
        cases.len() > 1,
        "--only {:?} matches no variant; the variants are:\n{}",
        only.unwrap_or_default(),
        all()
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    cases
}
