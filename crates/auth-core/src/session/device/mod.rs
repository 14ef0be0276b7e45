//! [`Device`]: where a session was logged in from, as a "your devices" page shows it.

mod summary;

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The longest user-agent string a [`Device`] keeps, in bytes. Longer ones are cut at a
/// character boundary: enough to tell the browser and the system apart, while a client
/// cannot make every session record of its user arbitrarily large.
pub const MAX_USER_AGENT_BYTES: usize = 200;

/// Where a session was logged in from: a short user-agent string and the client address,
/// recorded once at login (the session layer does it; see `Session::login_from` in
/// auth-tower) and kept unchanged by later requests.
///
/// Both parts are what the client (or the app's proxy) said, shown to the user to recognise
/// their own sessions, never evidence for anything else: a client can send any user agent.
///
/// ```
/// use auth_core::Device;
/// let device = Device::new()
///     .with_user_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
///     .with_address("203.0.113.7".parse().unwrap());
/// assert_eq!(device.describe(), "Chrome on Linux");
/// assert_eq!(device.address(), Some("203.0.113.7".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "StoredDevice")]
#[non_exhaustive]
pub struct Device {
    #[serde(rename = "ua", skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
    #[serde(rename = "ip", skip_serializing_if = "Option::is_none")]
    address: Option<IpAddr>,
}

/// A device as stored, cleaned again on the way in: a record written by another version (or
/// by hand) cannot bring in an overlong or control-laden user agent.
#[derive(Deserialize)]
struct StoredDevice {
    #[serde(default)]
    ua: Option<String>,
    #[serde(default)]
    ip: Option<IpAddr>,
}

impl From<StoredDevice> for Device {
    fn from(stored: StoredDevice) -> Self {
        Self {
            user_agent: stored.ua.as_deref().and_then(clean_user_agent),
            address: stored.ip,
        }
    }
}

impl Device {
    /// A device about which nothing is known (yet).
    ///
    /// ```
    /// use auth_core::Device;
    /// let unknown = Device::new();
    /// assert_eq!(unknown.user_agent(), None);
    /// assert_eq!(unknown.describe(), "unknown browser");
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// With the client's `User-Agent`: control characters are dropped, surrounding spaces
    /// trimmed, and the rest cut to [`MAX_USER_AGENT_BYTES`] at a character boundary; one that
    /// is left empty counts as none.
    ///
    /// ```
    /// use auth_core::{Device, MAX_USER_AGENT_BYTES};
    /// let device = Device::new().with_user_agent(&format!("curl/8.5.0\r\n{}", "x".repeat(500)));
    /// let kept = device.user_agent().unwrap();
    /// assert!(kept.starts_with("curl/8.5.0x") && kept.len() == MAX_USER_AGENT_BYTES);
    /// assert_eq!(Device::new().with_user_agent(" \t ").user_agent(), None);
    /// ```
    pub fn with_user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = clean_user_agent(user_agent);
        self
    }

    /// With the client's address.
    ///
    /// ```
    /// use auth_core::Device;
    /// use std::net::{IpAddr, Ipv6Addr};
    /// let device = Device::new().with_address(IpAddr::V6(Ipv6Addr::LOCALHOST));
    /// assert_eq!(device.address().map(|a| a.to_string()).as_deref(), Some("::1"));
    /// ```
    pub fn with_address(mut self, address: IpAddr) -> Self {
        self.address = Some(address);
        self
    }

    /// The (cleaned, shortened) user-agent string, if the client sent one.
    ///
    /// ```
    /// use auth_core::Device;
    /// assert_eq!(Device::new().with_user_agent("curl/8.5.0").user_agent(), Some("curl/8.5.0"));
    /// ```
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    /// The client address, if it was known at login.
    ///
    /// ```
    /// use auth_core::Device;
    /// assert_eq!(Device::new().address(), None);
    /// ```
    pub fn address(&self) -> Option<IpAddr> {
        self.address
    }

    /// A short human summary of the user agent for a devices page: "Chrome on Linux",
    /// "Firefox on Windows", "Safari on iOS", "curl"; "unknown browser" when there is no user
    /// agent or it names nothing known (then still "... on Linux" when the system is known).
    /// Found by plain substring tests on the common browsers and systems, no database: good
    /// for recognising one's own sessions, not for statistics.
    ///
    /// ```
    /// use auth_core::Device;
    /// let ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 \
    ///           (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    /// assert_eq!(Device::new().with_user_agent(ua).describe(), "Safari on iOS");
    /// assert_eq!(Device::new().with_user_agent("curl/8.5.0").describe(), "curl");
    /// ```
    pub fn describe(&self) -> String {
        summary::describe(self.user_agent.as_deref().unwrap_or(""))
    }
}

/// Drop control characters, trim, cut to [`MAX_USER_AGENT_BYTES`] on a character boundary.
fn clean_user_agent(raw: &str) -> Option<String> {
    let visible: String = raw.chars().filter(|c| !c.is_control()).collect();
    let mut cut = visible.trim();
    if cut.len() > MAX_USER_AGENT_BYTES {
        let mut end = MAX_USER_AGENT_BYTES;
        while !cut.is_char_boundary(end) {
            end -= 1;
        }
        cut = cut[..end].trim_end();
    }
    (!cut.is_empty()).then(|| cut.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_cleaned_and_cut_on_a_char_boundary() {
        assert_eq!(clean_user_agent(""), None);
        assert_eq!(clean_user_agent("\u{0}\u{7f}\n"), None);
        assert_eq!(
            clean_user_agent("\u{0} a\u{1b}[31mb\r\nc\u{85}d \t").as_deref(),
            Some("a[31mbcd")
        );
        // 199 ASCII bytes then a 3-byte character: it would end at 202, so it is left out.
        let raw = format!("{}€€", "a".repeat(199));
        let cut = clean_user_agent(&raw).unwrap();
        assert_eq!(cut.len(), 199);
        let raw = format!("{}€€", "a".repeat(197));
        assert_eq!(clean_user_agent(&raw).unwrap().len(), 200);
        // Every cut is valid UTF-8 and within the bound, whatever the input.
        for n in 0..260 {
            let raw = "é".repeat(n) + "ü";
            let cut = clean_user_agent(&raw).unwrap();
            assert!(cut.len() <= MAX_USER_AGENT_BYTES && raw.starts_with(&cut));
        }
    }

    #[test]
    fn stored_devices_round_trip_and_are_cleaned_on_the_way_in() {
        let device = Device::new()
            .with_user_agent("curl/8.5.0")
            .with_address("2001:db8::1".parse().unwrap());
        let json = serde_json::to_string(&device).unwrap();
        assert_eq!(json, r#"{"ua":"curl/8.5.0","ip":"2001:db8::1"}"#);
        assert_eq!(serde_json::from_str::<Device>(&json).unwrap(), device);
        assert_eq!(serde_json::to_string(&Device::new()).unwrap(), "{}");
        assert_eq!(serde_json::from_str::<Device>("{}").unwrap(), Device::new());
        let dirty = format!(r#"{{"ua":"x\n{}"}}"#, "y".repeat(300));
        let cleaned = serde_json::from_str::<Device>(&dirty).unwrap();
        assert_eq!(
            cleaned.user_agent().map(str::len),
            Some(MAX_USER_AGENT_BYTES)
        );
        assert!(serde_json::from_str::<Device>(r#"{"ip":"not an ip"}"#).is_err());
    }
}
