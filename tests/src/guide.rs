//! The guide's Rust snippets (`docs/*.md`, `docs/decisions/*.md`, and the contributor files at
//! the root), compiled (and, unless marked `no_run`, run) as this crate's doctests, so they
//! keep compiling as the API changes: `cargo test -p e2e --doc --all-features`.
//!
//! One empty module per file; each exists only under `cfg(doctest)`.

macro_rules! chapters {
    ($($name:ident => $path:literal),* $(,)?) => {
        $(
            #[cfg(doctest)]
            #[doc = include_str!($path)]
            mod $name {}
        )*
    };
}

chapters! {
    index => "../../docs/README.md",
    sessions => "../../docs/sessions.md",
    jwt_api => "../../docs/jwt-api.md",
    hybrid => "../../docs/hybrid.md",
    grpc => "../../docs/grpc.md",
    identity_providers => "../../docs/identity-providers.md",
    stores => "../../docs/stores.md",
    revocation => "../../docs/revocation.md",
    throttling => "../../docs/throttling.md",
    operations => "../../docs/operations.md",
    security => "../../docs/security.md",
    testing => "../../docs/testing.md",
    architecture => "../../docs/architecture.md",
    decision_0001 => "../../docs/decisions/0001-revocable-jwts-carry-sid.md",
    decision_0002 => "../../docs/decisions/0002-fail-closed-on-a-stale-revocation-feed.md",
    decision_0003 => "../../docs/decisions/0003-local-cache-trusts-redis-tracking.md",
    decision_0004 => "../../docs/decisions/0004-field-level-session-saves.md",
    decision_0005 => "../../docs/decisions/0005-strict-at-jwt-for-our-own-issuer.md",
    decision_0006 => "../../docs/decisions/0006-throttle-books-the-attempt-at-check-time.md",
    decision_0007 => "../../docs/decisions/0007-per-subject-revocation-collapse.md",
    contributing => "../../CONTRIBUTING.md",
    benchmarks => "../../BENCHMARKS.md",
    changelog => "../../CHANGELOG.md",
}
