//! Where requests go: a ZEGO [`Region`] or a custom base URL.

use std::fmt;
use std::net::IpAddr;

use crate::error::ConfigError;

/// A ZEGO API host. The vendor advises the host of the region your server is in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// `rtc-api.zego.im`, the unified host (any region). The default.
    #[default]
    Unified,
    /// `rtc-api-sha.zego.im`: mainland China.
    Shanghai,
    /// `rtc-api-hkg.zego.im`: Hong Kong, Macau, Taiwan.
    HongKong,
    /// `rtc-api-fra.zego.im`: Europe.
    Frankfurt,
    /// `rtc-api-lax.zego.im`: US West.
    LosAngeles,
    /// `rtc-api-bom.zego.im`: Mumbai.
    Mumbai,
    /// `rtc-api-sgp.zego.im`: Singapore.
    Singapore,
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 7] = [
        Region::Unified,
        Region::Shanghai,
        Region::HongKong,
        Region::Frankfurt,
        Region::LosAngeles,
        Region::Mumbai,
        Region::Singapore,
    ];

    /// The host name.
    pub const fn host(self) -> &'static str {
        match self {
            Region::Unified => "rtc-api.zego.im",
            Region::Shanghai => "rtc-api-sha.zego.im",
            Region::HongKong => "rtc-api-hkg.zego.im",
            Region::Frankfurt => "rtc-api-fra.zego.im",
            Region::LosAngeles => "rtc-api-lax.zego.im",
            Region::Mumbai => "rtc-api-bom.zego.im",
            Region::Singapore => "rtc-api-sgp.zego.im",
        }
    }

    /// The short name used by the command line and in `FromStr`: `unified`, `sha`,
    /// `hkg`, `fra`, `lax`, `bom`, `sgp`.
    pub const fn short_name(self) -> &'static str {
        match self {
            Region::Unified => "unified",
            Region::Shanghai => "sha",
            Region::HongKong => "hkg",
            Region::Frankfurt => "fra",
            Region::LosAngeles => "lax",
            Region::Mumbai => "bom",
            Region::Singapore => "sgp",
        }
    }
}

impl std::str::FromStr for Region {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|r| r.short_name().eq_ignore_ascii_case(s.trim()))
            .ok_or(ConfigError::UnknownRegion)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// The longest custom base URL accepted, in bytes.
pub const MAX_BASE_URL_BYTES: usize = 1024;

/// The base URL requests are sent to, always ending in `/`.
///
/// ```
/// use zego_core::{Endpoint, Region};
/// assert_eq!(Endpoint::default().base_url(), "https://rtc-api.zego.im/");
/// assert_eq!(Endpoint::region(Region::Frankfurt).base_url(), "https://rtc-api-fra.zego.im/");
/// assert!(Endpoint::custom("http://127.0.0.1:8765").is_err(), "plain http is refused");
/// let local = Endpoint::loopback_http("http://127.0.0.1:8765")?;
/// assert_eq!(local.base_url(), "http://127.0.0.1:8765/");
/// # Ok::<(), zego_core::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    base: String,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint::region(Region::Unified)
    }
}

impl From<Region> for Endpoint {
    fn from(region: Region) -> Self {
        Endpoint::region(region)
    }
}

impl Endpoint {
    /// The HTTPS host of a region.
    pub fn region(region: Region) -> Self {
        Endpoint {
            base: format!("https://{}/", region.host()),
        }
    }

    /// A custom `https://` base URL (for example a proxy). Plain `http://` is refused;
    /// for a test server on this machine use [`Endpoint::loopback_http`].
    pub fn custom(url: &str) -> Result<Self, ConfigError> {
        Self::parse(url, false)
    }

    /// A base URL that may use plain `http://`, for a test server such as `zego-mock`.
    /// The host must be a loopback address (`127.0.0.0/8`, `::1` or `localhost`), so the
    /// signed request never crosses a network in clear text. `https://` URLs are accepted
    /// for any host.
    pub fn loopback_http(url: &str) -> Result<Self, ConfigError> {
        Self::parse(url, true)
    }

    fn parse(url: &str, allow_loopback_http: bool) -> Result<Self, ConfigError> {
        let bad = |reason: &'static str| ConfigError::InvalidEndpoint {
            url: redact_userinfo(url),
            reason,
        };
        if url.trim().len() > MAX_BASE_URL_BYTES {
            return Err(bad("longer than 1024 bytes"));
        }
        let uri: http::Uri = url.trim().parse().map_err(|_| bad("not a URL"))?;
        let scheme = uri
            .scheme_str()
            .ok_or(bad("no scheme: start with https://"))?;
        let authority = uri.authority().ok_or(bad("no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("user information in the URL is not allowed"));
        }
        if uri.query().is_some() {
            return Err(bad("a base URL has no query"));
        }
        match scheme {
            "https" => {}
            "http" if allow_loopback_http => {
                if !is_loopback(authority.host()) {
                    return Err(bad(
                        "plain http is only allowed for a loopback host (127.0.0.1, ::1, localhost)",
                    ));
                }
            }
            "http" => {
                return Err(bad(
                    "plain http is refused: use https, or Endpoint::loopback_http for a local test server",
                ));
            }
            _ => return Err(bad("the scheme must be https")),
        }
        let mut base = format!("{scheme}://{authority}{}", uri.path());
        if !base.ends_with('/') {
            base.push('/');
        }
        Ok(Endpoint { base })
    }

    /// The base URL, ending in `/`. The query is appended to it as `?Action=...`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `true` when the endpoint uses plain `http://` (a loopback test server).
    pub fn is_plain_http(&self) -> bool {
        self.base.starts_with("http://")
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// `true` for `localhost`, `127.0.0.0/8` and `::1`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn redact_userinfo(url: &str) -> String {
    let url = url.trim();
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://[redacted]@{}", &url[..s], &url[at + 1..]),
        _ => url.chars().take(200).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for r in Region::ALL {
            assert_eq!(r.short_name().parse::<Region>().unwrap(), r);
            assert!(
                Endpoint::region(r)
                    .base_url()
                    .starts_with("https://rtc-api")
            );
        }
        assert_eq!("HKG".parse::<Region>().unwrap(), Region::HongKong);
        assert!("mars".parse::<Region>().is_err());
    }

    #[test]
    fn custom_endpoints() {
        assert_eq!(
            Endpoint::custom("https://proxy.example/zego")
                .unwrap()
                .base_url(),
            "https://proxy.example/zego/"
        );
        assert!(Endpoint::custom("ftp://x").is_err());
        assert!(Endpoint::custom("nonsense").is_err());
        assert!(Endpoint::custom("https://u:p@x/").is_err());
        let e = Endpoint::custom("https://u:p@x/").unwrap_err().to_string();
        assert!(!e.contains("u:p"), "{e}");
        assert!(Endpoint::custom("https://x/?a=b").is_err());
        let long = format!("https://x/{}", "p".repeat(1024));
        assert!(Endpoint::custom(&long).is_err());
        assert!(Endpoint::loopback_http("http://localhost:1").is_ok());
        assert!(Endpoint::loopback_http("http://127.8.9.10:1").is_ok());
        assert!(Endpoint::loopback_http("http://[::1]:1").is_ok());
        assert!(Endpoint::loopback_http("http://10.0.0.1:1").is_err());
        assert!(Endpoint::loopback_http("http://example.com").is_err());
        assert!(Endpoint::loopback_http("https://example.com").is_ok());
        assert!(
            Endpoint::loopback_http("http://127.0.0.1:9")
                .unwrap()
                .is_plain_http()
        );
    }
}
