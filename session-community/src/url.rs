//! Community addressing: the join URL `<scheme>://<host>[:<port>]/<room>?public_key=<64 hex>`
//! (community.md §1).

use core::fmt;
use core::str::FromStr;

use session_identity::X25519PublicKey;

use crate::error::{Error, Result};

/// The longest room token (community.md §1).
pub const MAX_ROOM_LEN: usize = 64;
/// The longest host name (DNS).
pub const MAX_HOST_LEN: usize = 253;

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Plain HTTP (default port 80).
    Http,
    /// HTTPS (default port 443).
    Https,
}

impl Scheme {
    /// `"http"` or `"https"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }

    /// The scheme's default port.
    #[must_use]
    pub const fn default_port(self) -> u16 {
        match self {
            Scheme::Http => 80,
            Scheme::Https => 443,
        }
    }
}

/// The base URL of a community server: scheme, host and optional port, no path.
///
/// ```
/// use session_community::BaseUrl;
/// let b: BaseUrl = "https://open.example.org".parse()?;
/// assert_eq!(b.port(), 443);
/// assert_eq!(b.to_string(), "https://open.example.org");
/// # Ok::<(), session_community::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
}

impl BaseUrl {
    /// A base URL from its parts; the host is checked and lowercased.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] for a host that is not dot-joined labels
    /// `[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?`, or a port 0.
    pub fn new(scheme: Scheme, host: &str, port: Option<u16>) -> Result<Self> {
        check_host(host)?;
        if port == Some(0) {
            return Err(Error::InvalidUrl("port 0"));
        }
        Ok(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// The scheme.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The host name (lowercase).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port: the explicit one, else the scheme's default.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.scheme.default_port())
    }

    /// The port as written in the URL, if any.
    #[must_use]
    pub fn explicit_port(&self) -> Option<u16> {
        self.port
    }

    /// The full URL of a server path (`path` starts with `/`).
    #[must_use]
    pub fn url_for(&self, path: &str) -> String {
        format!("{self}{path}")
    }
}

impl fmt::Display for BaseUrl {
    /// `scheme://host[:port]` (the port only when given explicitly).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

impl FromStr for BaseUrl {
    type Err = Error;
    /// `scheme://host[:port]`, an optional trailing `/`; without a scheme `http://` is assumed
    /// (as session-desktop does).
    fn from_str(s: &str) -> Result<Self> {
        let (scheme, rest) = split_scheme(s.trim())?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (host, port) = split_port(rest)?;
        Self::new(scheme, host, port)
    }
}

/// A room token: `[0-9a-zA-Z_-]{1,64}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomToken(String);

impl RoomToken {
    /// The token text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RoomToken {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        if s.is_empty() || s.len() > MAX_ROOM_LEN {
            return Err(Error::InvalidUrl("room token must be 1 to 64 characters"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(Error::InvalidUrl("room token may only hold [0-9a-zA-Z_-]"));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Display for RoomToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A community room: the server's base URL, its X25519 key and the room token — everything the
/// join URL carries.
///
/// ```
/// use session_community::Community;
/// let url = "https://chat.example.org/lounge?public_key=\
///            a03c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238";
/// let c: Community = url.parse()?;
/// assert_eq!(c.room.as_str(), "lounge");
/// assert_eq!(c.base_url.host(), "chat.example.org");
/// assert_eq!(c.to_string(), url);
/// # Ok::<(), session_community::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Community {
    /// Where the server is.
    pub base_url: BaseUrl,
    /// The server's X25519 public key (onion destination, blinding factor, signed request bytes).
    pub server_x25519: X25519PublicKey,
    /// The room.
    pub room: RoomToken,
}

impl Community {
    /// The join URL (same as `Display`).
    #[must_use]
    pub fn join_url(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Community {
    /// `scheme://host[:port]/room?public_key=<64 lowercase hex>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}?public_key={}",
            self.base_url,
            self.room,
            hex::encode(self.server_x25519.as_bytes())
        )
    }
}

impl FromStr for Community {
    type Err = Error;
    /// Parses a join URL (community.md §1): scheme `http`/`https` (absent = `http`), host labels,
    /// optional port 1–65535 (no leading zero), one path segment = the room token, and exactly
    /// one query parameter `public_key=` with 64 hex digits (either case). Surrounding
    /// whitespace is ignored; nothing else is accepted (no fragment, no other parameters).
    fn from_str(s: &str) -> Result<Self> {
        let s = s.trim();
        if s.len() > 512 {
            return Err(Error::InvalidUrl("too long"));
        }
        let (scheme, rest) = split_scheme(s)?;
        let (authority, rest) = rest
            .split_once('/')
            .ok_or(Error::InvalidUrl("no room path"))?;
        let (host, port) = split_port(authority)?;
        let base_url = BaseUrl::new(scheme, host, port)?;
        let (room, query) = rest
            .split_once('?')
            .ok_or(Error::InvalidUrl("no public_key parameter"))?;
        let room: RoomToken = room.parse()?;
        let key = query
            .strip_prefix("public_key=")
            .ok_or(Error::InvalidUrl("the only parameter must be public_key"))?;
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidUrl("public_key must be 64 hex digits"));
        }
        let mut k = [0u8; 32];
        hex::decode_to_slice(key, &mut k)
            .map_err(|_| Error::InvalidUrl("public_key must be 64 hex digits"))?;
        Ok(Self {
            base_url,
            server_x25519: X25519PublicKey::from_bytes(&k),
            room,
        })
    }
}

fn split_scheme(s: &str) -> Result<(Scheme, &str)> {
    match s.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = if scheme.eq_ignore_ascii_case("http") {
                Scheme::Http
            } else if scheme.eq_ignore_ascii_case("https") {
                Scheme::Https
            } else {
                return Err(Error::InvalidUrl("scheme must be http or https"));
            };
            Ok((scheme, rest))
        }
        None => Ok((Scheme::Http, s)),
    }
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>)> {
    match authority.split_once(':') {
        None => Ok((authority, None)),
        Some((host, port)) => {
            let ok = !port.is_empty()
                && port.len() <= 5
                && port.bytes().all(|b| b.is_ascii_digit())
                && !port.starts_with('0');
            let p = port
                .parse::<u16>()
                .ok()
                .filter(|_| ok)
                .ok_or(Error::InvalidUrl("port must be 1 to 65535"))?;
            Ok((host, Some(p)))
        }
    }
}

fn check_host(host: &str) -> Result<()> {
    if host.is_empty() || host.len() > MAX_HOST_LEN {
        return Err(Error::InvalidUrl("host must be 1 to 253 characters"));
    }
    for label in host.split('.') {
        let b = label.as_bytes();
        let ok = !b.is_empty()
            && b.len() <= 63
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            && b.first().is_some_and(u8::is_ascii_alphanumeric)
            && b.last().is_some_and(u8::is_ascii_alphanumeric);
        if !ok {
            return Err(Error::InvalidUrl("malformed host name"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a03c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238";

    #[test]
    fn parses_and_prints() {
        let c: Community = format!("http://127.0.0.2:8080/test_room-1?public_key={KEY}")
            .parse()
            .unwrap();
        assert_eq!(c.base_url.scheme(), Scheme::Http);
        assert_eq!(c.base_url.host(), "127.0.0.2");
        assert_eq!(c.base_url.port(), 8080);
        assert_eq!(c.room.as_str(), "test_room-1");
        assert_eq!(hex::encode(c.server_x25519.as_bytes()), KEY);
        assert_eq!(
            c.to_string(),
            format!("http://127.0.0.2:8080/test_room-1?public_key={KEY}")
        );
        // No scheme: http, as session-desktop; uppercase key and host normalised.
        let c: Community = format!("Open.Example.ORG/r?public_key={}", KEY.to_uppercase())
            .parse()
            .unwrap();
        assert_eq!(
            c.to_string(),
            format!("http://open.example.org/r?public_key={KEY}")
        );
        assert_eq!(c.base_url.port(), 80);
        assert_eq!(c.base_url.explicit_port(), None);
    }

    #[test]
    fn refuses_malformed() {
        let long_room = "a".repeat(65);
        let long_label = "a".repeat(64);
        for bad in [
            format!("ftp://h/r?public_key={KEY}"),
            format!("https://h/r?public_key={}", &KEY[1..]),
            format!("https://h/r?public_key={}g", &KEY[1..]),
            format!("https://h/r?public_key={KEY}&x=1"),
            format!("https://h/r?x=1&public_key={KEY}"),
            format!("https://h/r/?public_key={KEY}"),
            format!("https://h/r/s?public_key={KEY}"),
            format!("https://h/?public_key={KEY}"),
            format!("https://h/r%20?public_key={KEY}"),
            format!("https://h/{long_room}?public_key={KEY}"),
            format!("https://{long_label}.org/r?public_key={KEY}"),
            format!("https://-h/r?public_key={KEY}"),
            format!("https://h-/r?public_key={KEY}"),
            format!("https://h..o/r?public_key={KEY}"),
            format!("https://h:0/r?public_key={KEY}"),
            format!("https://h:080/r?public_key={KEY}"),
            format!("https://h:65536/r?public_key={KEY}"),
            format!("https://h:/r?public_key={KEY}"),
            format!("https://u@h/r?public_key={KEY}"),
            format!("https://[::1]/r?public_key={KEY}"),
            format!("https://h/r?public_key={KEY}#frag"),
            "https://h/r".into(),
            String::new(),
        ] {
            let r = bad.parse::<Community>();
            assert!(matches!(r, Err(Error::InvalidUrl(_))), "{bad:?} gave {r:?}");
            assert_eq!(r.err().map(|e| e.category()), Some("invalid_community_url"));
        }
        let max_room = "z".repeat(64);
        assert!(
            format!("https://h:65535/{max_room}?public_key={KEY}")
                .parse::<Community>()
                .is_ok()
        );
    }

    #[test]
    fn base_url() {
        let b: BaseUrl = "https://x.org:8443/".parse().unwrap();
        assert_eq!(b.to_string(), "https://x.org:8443");
        assert_eq!(b.url_for("/rooms"), "https://x.org:8443/rooms");
        assert!("https://x.org/a".parse::<BaseUrl>().is_err());
    }
}
