//! "Chrome on Linux": a user agent summed up by substring tests, no database.
//!
//! Order matters: browsers built on Chrome also say `Chrome/` (so Edge, Opera and Samsung
//! Internet are asked first), and everything says `Safari/` (so Safari is asked last); iOS
//! says "like Mac OS X" and Android says "Linux", so each is asked before the system it
//! imitates.

/// Command-line tools and HTTP libraries, recognised by the token the user agent starts with.
const TOOLS: &[(&str, &str)] = &[
    ("curl/", "curl"),
    ("Wget/", "Wget"),
    ("HTTPie/", "HTTPie"),
    ("python-requests/", "Python Requests"),
    ("python-httpx/", "Python HTTPX"),
    ("Go-http-client/", "Go HTTP client"),
    ("okhttp/", "OkHttp"),
    ("PostmanRuntime/", "Postman"),
    ("node-fetch", "node-fetch"),
];

/// Browsers, first match wins: a browser is named when any of its markers appears.
const BROWSERS: &[(&[&str], &str)] = &[
    (&["Edg/", "EdgA/", "EdgiOS/", "Edge/"], "Edge"),
    (&["OPR/", "Opera"], "Opera"),
    (&["SamsungBrowser/"], "Samsung Internet"),
    (&["Vivaldi/"], "Vivaldi"),
    (&["YaBrowser/"], "Yandex Browser"),
    (&["Firefox/", "FxiOS/"], "Firefox"),
    (&["CriOS/", "Chrome/", "Chromium/"], "Chrome"),
    (&["Safari/"], "Safari"),
];

/// Operating systems, first match wins.
const SYSTEMS: &[(&[&str], &str)] = &[
    (&["iPhone", "iPad", "iPod"], "iOS"),
    (&["Android"], "Android"),
    (&["Windows"], "Windows"),
    (&["CrOS"], "ChromeOS"),
    (&["Macintosh", "Mac OS X"], "macOS"),
    (&["Linux", "X11", "Ubuntu", "Fedora"], "Linux"),
];

fn find(user_agent: &str, table: &[(&[&str], &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(markers, _)| markers.iter().any(|m| user_agent.contains(m)))
        .map(|(_, name)| *name)
}

/// "browser on system", "browser", or "unknown browser[ on system]".
pub(super) fn describe(user_agent: &str) -> String {
    if let Some((_, tool)) = TOOLS
        .iter()
        .find(|(token, _)| user_agent.starts_with(token))
    {
        return (*tool).to_owned();
    }
    let browser = find(user_agent, BROWSERS).unwrap_or("unknown browser");
    match find(user_agent, SYSTEMS) {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    /// Real user agents (as sent by the browsers and tools named), and what a devices page
    /// should call them.
    const CASES: &[(&str, &str)] = &[
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome on Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox on Windows",
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox on Linux",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.2; rv:121.0) Gecko/20100101 Firefox/121.0",
            "Firefox on macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
            "Chrome on iOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15",
            "Firefox on iOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Linux; Android 13; SM-S901B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
            "Opera on Windows",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("curl/8.5.0", "curl"),
        ("Wget/1.21.4", "Wget"),
        ("python-requests/2.31.0", "Python Requests"),
        ("Go-http-client/1.1", "Go HTTP client"),
        ("", "unknown browser"),
        ("SomethingNew/1.0", "unknown browser"),
        (
            "SomethingNew/1.0 (X11; Linux x86_64)",
            "unknown browser on Linux",
        ),
    ];

    #[test]
    fn real_user_agents_are_summed_up() {
        for (user_agent, expected) in CASES {
            assert_eq!(describe(user_agent), *expected, "{user_agent}");
        }
    }
}
