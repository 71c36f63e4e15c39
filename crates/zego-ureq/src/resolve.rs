//! Name resolution without a thread per lookup of a known host.
//!
//! The connector ([`crate::connect`]) resolves the host of each new connection within
//! the connect timeout, and ureq's lookup runs on a new thread whenever a timeout covers
//! it. This resolver answers IP literals without any lookup, and keeps a host's addresses
//! for a short while, so that reconnecting to a host (after an idle connection closed, or
//! for a second connection at once) needs no lookup and no thread.
//!
//! It plugs into ureq's `unversioned` resolver interface, which ureq does not cover by
//! semver: an update of ureq may need a change here.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use http::Uri;
use ureq::config::Config;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host's addresses are reused before it is looked up again (as long as an
/// idle connection stays in the pool).
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// The most hosts remembered.
const MAX_HOSTS: usize = 64;

/// See the module documentation.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    lookup: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some((host, port)) = host_and_port(uri) else {
            return self.lookup.resolve(uri, config, timeout);
        };
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            let mut addrs = self.empty();
            addrs.push(SocketAddr::new(ip, port));
            return Ok(addrs);
        }
        let key = format!("{host}:{port}");
        let now = Instant::now();
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, addrs)) = cache.get(&key)
                && now.saturating_duration_since(*at) < TTL
            {
                return Ok(addrs.clone());
            }
        }
        // Failures are not remembered: the next call looks up again.
        let addrs = self.lookup.resolve(uri, config, timeout)?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= MAX_HOSTS {
            cache.retain(|_, (at, _)| now.saturating_duration_since(*at) < TTL);
            if cache.len() >= MAX_HOSTS {
                cache.clear();
            }
        }
        cache.insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}

fn host_and_port(uri: &Uri) -> Option<(&str, u16)> {
    let authority = uri.authority()?;
    let port = match (authority.port_u16(), uri.scheme_str()) {
        (Some(port), _) => port,
        (None, Some("https")) => 443,
        (None, Some("http")) => 80,
        _ => return None,
    };
    Some((authority.host(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, uri: &str) -> Vec<SocketAddr> {
        let uri: Uri = uri.parse().unwrap();
        let config = ureq::Agent::config_builder().build();
        resolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap()
            .iter()
            .copied()
            .collect()
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        let resolver = CachingResolver::default();
        assert_eq!(
            resolve(&resolver, "http://127.0.0.1:8080/?a=b"),
            ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]
        );
        assert_eq!(
            resolve(&resolver, "https://[::1]/"),
            ["[::1]:443".parse::<SocketAddr>().unwrap()]
        );
        assert!(resolver.cache.lock().unwrap().is_empty());
    }

    #[test]
    fn host_names_are_looked_up_then_remembered() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://localhost:8080/");
        assert!(!first.is_empty());
        assert!(
            first
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 8080)
        );
        assert!(
            resolver
                .cache
                .lock()
                .unwrap()
                .contains_key("localhost:8080")
        );
        assert_eq!(resolve(&resolver, "http://localhost:8080/x"), first);
    }
}
