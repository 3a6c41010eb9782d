//! Community base URLs and room tokens as config keys (spec §8.4).

use crate::error::{Error, Result};
use crate::value::{ConfigDict, ConfigValue};

/// The longest normalised community base URL, in bytes.
pub const MAX_BASE_URL_LEN: usize = 267;
/// The longest room token, in bytes.
pub const MAX_ROOM_LEN: usize = 64;

/// Normalises a community base URL as a config key: scheme `http`/`https` (any case), host
/// lower-cased (letters, digits, `-` and single dots, at least 4 characters with a dot), the
/// scheme's default port dropped, at most one trailing `/` and nothing else after the host.
///
/// # Errors
/// [`Error::InvalidCommunityUrl`] for anything else, or a result over 267 bytes.
///
/// ```
/// use session_config::normalize_community_url;
/// assert_eq!(normalize_community_url("HTTPS://Example.Org:443/")?, "https://example.org");
/// assert_eq!(normalize_community_url("http://example.org:8080")?, "http://example.org:8080");
/// assert!(normalize_community_url("ftp://example.org").is_err());
/// # Ok::<(), session_config::Error>(())
/// ```
pub fn normalize_community_url(url: &str) -> Result<String> {
    let bad = Error::InvalidCommunityUrl;
    let (scheme, rest) = url.split_once("://").ok_or(bad.clone())?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return Err(bad),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host = host.to_ascii_lowercase();
    let host_ok = host.len() >= 4
        && host.contains('.')
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && host.split('.').all(|label| !label.is_empty());
    if !host_ok {
        return Err(bad);
    }
    let mut out = format!("{scheme}://{host}");
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad);
        }
        let n: u32 = p.parse().map_err(|_| bad.clone())?;
        if n == 0 || n > 65_535 {
            return Err(bad);
        }
        if p != default_port {
            out.push(':');
            out.push_str(p);
        }
    }
    if out.len() > MAX_BASE_URL_LEN {
        return Err(bad);
    }
    Ok(out)
}

/// The config key of a room token: lower-cased; `[a-z0-9_-]`, 1–64 bytes.
///
/// # Errors
/// [`Error::InvalidCommunityUrl`] otherwise.
pub fn normalize_room(room: &str) -> Result<String> {
    let lower = room.to_ascii_lowercase();
    let ok = !lower.is_empty()
        && lower.len() <= MAX_ROOM_LEN
        && lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(lower)
    } else {
        Err(Error::InvalidCommunityUrl)
    }
}

/// Removes room `room` of server `url` from an `o` dict shaped `{url → {"#", "R" → {room →
/// …}}}` (ConvoInfoVolatile and UserGroups); the server goes with its last room. Returns
/// whether the room existed.
pub(crate) fn erase_room(d: &mut ConfigDict, url: &str, room: &str) -> bool {
    let Some(ConfigValue::Dict(o)) = d.get_mut(&b"o"[..]) else {
        return false;
    };
    let Some(ConfigValue::Dict(s)) = o.get_mut(url.as_bytes()) else {
        return false;
    };
    let found = match s.get_mut(&b"R"[..]) {
        Some(ConfigValue::Dict(r)) => r.remove(room.as_bytes()).is_some(),
        _ => false,
    };
    if super::sub(s, b"R").is_none_or(ConfigDict::is_empty) {
        o.remove(url.as_bytes());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for (input, want) in [
            ("HTTP://Example.ORG:80/", Some("http://example.org")),
            ("https://x.org:80", Some("https://x.org:80")),
            ("https://127.0.0.1:8443", Some("https://127.0.0.1:8443")),
            ("https://example.org/path", None),
            ("https://exa mple.org", None),
            ("https://a..org", None),
            ("https://abc", None),
            ("example.org", None),
            ("https://example.org:", None),
        ] {
            assert_eq!(
                normalize_community_url(input).ok().as_deref(),
                want,
                "{input}"
            );
        }
        assert_eq!(normalize_room("Sudoku_Room-1").unwrap(), "sudoku_room-1");
        assert!(normalize_room("bad room").is_err());
        assert!(normalize_room("").is_err());
        assert!(normalize_room(&"r".repeat(65)).is_err());
    }
}
