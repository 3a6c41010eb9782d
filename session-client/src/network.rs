//! Which network a client joins: mainnet (pinned seeds), a local network described by a
//! `testnet.json`, or an explicit seed list.

use std::net::SocketAddr;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// The certificate a seed must present, byte for byte, and the SHA-256 of its SPKI.
#[derive(Clone, PartialEq, Eq)]
pub struct SeedPin {
    certificate: CertificateDer<'static>,
    spki_sha256: [u8; 32],
}

impl std::fmt::Debug for SeedPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeedPin")
            .field("spki_sha256", &STANDARD.encode(self.spki_sha256))
            .finish_non_exhaustive()
    }
}

impl SeedPin {
    /// A pin from the PEM certificate and the base64 SHA-256 of its SubjectPublicKeyInfo. The
    /// two must agree (the SPKI hash is recomputed from the certificate).
    ///
    /// # Errors
    /// [`Error::TlsConfig`] for a PEM that holds no certificate, a malformed certificate, a pin
    /// that is not 32 bytes of base64, or a pin that is not the certificate's SPKI hash.
    pub fn new(certificate_pem: &str, spki_sha256_base64: &str) -> Result<Self> {
        let certificate = CertificateDer::from_pem_slice(certificate_pem.as_bytes())
            .map_err(|_| Error::TlsConfig("pinned certificate is not a PEM certificate".into()))?;
        let pin: [u8; 32] = STANDARD
            .decode(spki_sha256_base64.trim())
            .ok()
            .and_then(|v| v.try_into().ok())
            .ok_or_else(|| Error::TlsConfig("SPKI pin is not 32 bytes of base64".into()))?;
        let computed = session_net::spki_sha256(&certificate)
            .ok_or_else(|| Error::TlsConfig("pinned certificate does not parse".into()))?;
        if computed != pin {
            return Err(Error::TlsConfig(
                "SPKI pin does not match the pinned certificate".into(),
            ));
        }
        Ok(Self {
            certificate,
            spki_sha256: pin,
        })
    }

    /// The pinned DER certificate.
    #[must_use]
    pub fn certificate(&self) -> &CertificateDer<'static> {
        &self.certificate
    }

    /// The pinned SHA-256 of the SubjectPublicKeyInfo.
    #[must_use]
    pub fn spki_sha256(&self) -> &[u8; 32] {
        &self.spki_sha256
    }
}

/// A seed node: an HTTPS URL (`https://host:port`), optionally a fixed address to dial instead
/// of resolving the host, and optionally a pinned certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedNode {
    url: String,
    host: String,
    port: u16,
    address: Option<SocketAddr>,
    pin: Option<SeedPin>,
}

impl SeedNode {
    /// A seed whose certificate is not checked (local networks, like desktop's devnet mode).
    ///
    /// # Errors
    /// [`Error::NetworkFile`] for a URL that is not `https://host[:port][/]`.
    pub fn unpinned(url: &str) -> Result<Self> {
        let (host, port) = parse_https_url(url)?;
        let address = host
            .parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, port));
        Ok(Self {
            url: url.trim_end_matches('/').to_owned(),
            host,
            port,
            address,
            pin: None,
        })
    }

    /// A seed that must present exactly the certificate of `pin`, valid for the URL's host
    /// name; anything else fails the handshake.
    ///
    /// # Errors
    /// As [`SeedNode::unpinned`].
    pub fn pinned(url: &str, pin: SeedPin) -> Result<Self> {
        let mut seed = Self::unpinned(url)?;
        seed.pin = Some(pin);
        Ok(seed)
    }

    /// The same seed, dialled at `address` instead of resolving its host name (the TLS name
    /// checked stays the URL's host).
    #[must_use]
    pub fn with_address(mut self, address: SocketAddr) -> Self {
        self.address = Some(address);
        self
    }

    /// The seed URL (no trailing slash).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The host name (or IP) of the URL.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The port of the URL.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The fixed address to dial, if any.
    #[must_use]
    pub fn address(&self) -> Option<SocketAddr> {
        self.address
    }
    /// The pinned certificate, if any.
    #[must_use]
    pub fn pin(&self) -> Option<&SeedPin> {
        self.pin.as_ref()
    }
}

fn parse_https_url(url: &str) -> Result<(String, u16)> {
    let bad = || Error::NetworkFile(format!("seed `{url}` is not an https://host:port URL"));
    let rest = url.trim().strip_prefix("https://").ok_or_else(bad)?;
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(bad());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad())?),
        None => (authority, 443),
    };
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok((host.to_ascii_lowercase(), port))
}

/// The three mainnet seeds (`seeds/README.md`): URL, certificate, SPKI SHA-256 (base64).
const MAINNET_SEEDS: [(&str, &str, &str); 3] = [
    (
        "https://seed1.getsession.org:4443",
        include_str!("../seeds/seed1.getsession.org.pem"),
        "mlYTXvkmIEYcpswANTpnBwlz9Cswi0py/RQKkbdQOZQ=",
    ),
    (
        "https://seed2.getsession.org:4443",
        include_str!("../seeds/seed2.getsession.org.pem"),
        "ZuUxe4wopBR83Yy5fePPNX0c00BnkQCu/49oapFpB0k=",
    ),
    (
        "https://seed3.getsession.org:4443",
        include_str!("../seeds/seed3.getsession.org.pem"),
        "4xe+8k1NjxerVTjUsWlZJNKt3PA7Y31pUls2tHYippA=",
    ),
];

/// SHA-256 of the DER certificates of the mainnet seeds, in [`MAINNET_SEEDS`] order.
const MAINNET_CERT_SHA256: [&str; 3] = [
    "36ea0b253537988551ee856e4fd20d55011e9c8b27eaa2f34b8f32a0bdf04f2d",
    "c5908dd4139acd96aedd1e45576597650809c8a5ea02af556d4853d45396e0e7",
    "8a0af2c712342f22ce00e53c1601410ef8d84156aee0a9809c32f6f7efbe556e",
];

/// The mainnet seeds with their pinned certificates.
///
/// # Errors
/// [`Error::TlsConfig`] if an embedded certificate does not match its pins (a build defect).
pub fn mainnet_seeds() -> Result<Vec<SeedNode>> {
    MAINNET_SEEDS
        .iter()
        .zip(MAINNET_CERT_SHA256)
        .map(|((url, pem, spki), cert_hash)| {
            let pin = SeedPin::new(pem, spki)?;
            if hex::encode(Sha256::digest(pin.certificate().as_ref())) != cert_hash {
                return Err(Error::TlsConfig(format!(
                    "embedded certificate of {url} does not match its pinned hash"
                )));
            }
            SeedNode::pinned(url, pin)
        })
        .collect()
}

/// A network to join.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Network {
    /// The real Session network: bootstrap from the three pinned mainnet seeds.
    Mainnet,
    /// A local network (e.g. `session testnet up`): its seeds, certificates not checked.
    Testnet(Vec<SeedNode>),
    /// An explicit seed list (pinned or not).
    Custom(Vec<SeedNode>),
}

impl Network {
    /// The local network described by a `testnet.json` (`local-network.md` §5): its `seeds`
    /// (`https://IP:PORT`) are used unpinned; the `nodes` list is for tools, not for the
    /// client, which bootstraps from a seed.
    ///
    /// # Errors
    /// [`Error::NetworkFile`] if the file cannot be read or has no usable `seeds`.
    pub fn testnet_from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read(path)
            .map_err(|e| Error::NetworkFile(format!("cannot read {}: {e}", path.display())))?;
        Self::testnet_from_json(&text)
            .map_err(|e| Error::NetworkFile(format!("{}: {e}", path.display())))
    }

    /// [`Network::testnet_from_file`] from the file's bytes.
    ///
    /// # Errors
    /// [`Error::NetworkFile`] for malformed JSON or missing or malformed `seeds`.
    pub fn testnet_from_json(json: &[u8]) -> Result<Self> {
        let v: Value = serde_json::from_slice(json)
            .map_err(|e| Error::NetworkFile(format!("not JSON: {e}")))?;
        let seeds = v
            .get("seeds")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::NetworkFile("no `seeds` array".into()))?;
        let seeds = seeds
            .iter()
            .map(|s| {
                s.as_str()
                    .ok_or_else(|| Error::NetworkFile("a seed is not a string".into()))
                    .and_then(SeedNode::unpinned)
            })
            .collect::<Result<Vec<_>>>()?;
        if seeds.is_empty() {
            return Err(Error::NetworkFile("`seeds` is empty".into()));
        }
        Ok(Network::Testnet(seeds))
    }

    /// The seeds to bootstrap from.
    ///
    /// # Errors
    /// As [`mainnet_seeds`].
    pub fn seeds(&self) -> Result<Vec<SeedNode>> {
        match self {
            Network::Mainnet => mainnet_seeds(),
            Network::Testnet(s) | Network::Custom(s) => Ok(s.clone()),
        }
    }

    /// Whether this is a loopback-only local network (every seed at a loopback address).
    #[must_use]
    pub fn is_local(&self) -> bool {
        match self {
            Network::Mainnet => false,
            Network::Testnet(s) | Network::Custom(s) => s
                .iter()
                .all(|s| s.address().is_some_and(|a| a.ip().is_loopback())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainnet_pins_agree_with_the_embedded_certificates() {
        let seeds = mainnet_seeds().unwrap();
        assert_eq!(seeds.len(), 3);
        assert_eq!(seeds[0].host(), "seed1.getsession.org");
        assert_eq!(seeds[2].port(), 4443);
        assert!(
            seeds
                .iter()
                .all(|s| s.pin().is_some() && s.address().is_none())
        );
        assert!(!Network::Mainnet.is_local());
        // A pin that is not the certificate's SPKI hash is refused.
        let e = SeedPin::new(MAINNET_SEEDS[0].1, MAINNET_SEEDS[1].2).unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        assert!(SeedPin::new("not pem", MAINNET_SEEDS[0].2).is_err());
        assert!(SeedPin::new(MAINNET_SEEDS[0].1, "AAAA").is_err());
    }

    #[test]
    fn testnet_json() {
        let n = Network::testnet_from_json(
            br#"{"seeds":["https://127.0.0.2:22021","https://127.0.0.3:22022/"],"nodes":[]}"#,
        )
        .unwrap();
        let seeds = n.seeds().unwrap();
        assert_eq!(seeds[1].url(), "https://127.0.0.3:22022");
        assert_eq!(seeds[0].address(), Some("127.0.0.2:22021".parse().unwrap()));
        assert!(n.is_local());
        for bad in [
            &b"nope"[..],
            br#"{"nodes":[]}"#,
            br#"{"seeds":[]}"#,
            br#"{"seeds":[1]}"#,
            br#"{"seeds":["http://127.0.0.2:1"]}"#,
            br#"{"seeds":["https://127.0.0.2:x"]}"#,
            br#"{"seeds":["https://:5"]}"#,
        ] {
            assert!(
                matches!(Network::testnet_from_json(bad), Err(Error::NetworkFile(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let e = Network::testnet_from_file("/nonexistent/testnet.json").unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
    }
}
