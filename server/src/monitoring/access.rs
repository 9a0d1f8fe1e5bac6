//! Who may read `/metrics`. Anyone else gets the same 404 as any unknown path, so the endpoint
//! is not advertised to those who may not read it.

use crate::config::MetricsAccess;
use http::{header, HeaderMap};
use std::net::IpAddr;
use subtle::ConstantTimeEq;

/// A client from an allowed block, or one presenting the configured bearer token.
pub fn may_scrape(access: &MetricsAccess, client: IpAddr, headers: &HeaderMap) -> bool {
    access.allow.iter().any(|block| block.contains(client)) || presents_token(access, headers)
}

fn presents_token(access: &MetricsAccess, headers: &HeaderMap) -> bool {
    let Some(token) = &access.token else {
        return false;
    };
    let Some(presented) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    // Compared in constant time: how long the comparison takes tells nothing of the token.
    bool::from(presented.trim().as_bytes().ct_eq(token.expose().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn headers(authorization: Option<&str>) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Some(value) = authorization {
            map.insert(header::AUTHORIZATION, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn loopback_by_default_and_the_token_from_anywhere() {
        let mut access = MetricsAccess::default();
        let far: IpAddr = "203.0.113.9".parse().unwrap();
        assert!(may_scrape(
            &access,
            "127.0.0.1".parse().unwrap(),
            &headers(None)
        ));
        assert!(may_scrape(&access, "::1".parse().unwrap(), &headers(None)));
        assert!(!may_scrape(&access, far, &headers(None)));
        assert!(
            !may_scrape(&access, far, &headers(Some("Bearer "))),
            "no token configured: an empty one is no key"
        );
        access.token = Some(Secret::new("0123456789abcdef-token"));
        assert!(may_scrape(
            &access,
            far,
            &headers(Some("Bearer 0123456789abcdef-token"))
        ));
        for wrong in [
            "Bearer 0123456789abcdef-toke",
            "Bearer 0123456789abcdef-token2",
            "0123456789abcdef-token",
            "Basic 0123456789abcdef-token",
        ] {
            assert!(!may_scrape(&access, far, &headers(Some(wrong))), "{wrong}");
        }
        access.allow.clear();
        assert!(!may_scrape(
            &access,
            "127.0.0.1".parse().unwrap(),
            &headers(None)
        ));
    }
}
