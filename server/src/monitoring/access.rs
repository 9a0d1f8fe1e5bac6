//! Who may read `/metrics`. Anyone else gets the same 404 as any unknown path, so the endpoint
//! is not advertised to those who may not read it.

use crate::{client_addr::ClientIp, config::MetricsAccess};
use http::{header, HeaderMap};
use subtle::ConstantTimeEq;

/// A client known to be in an allowed block, or one presenting the configured bearer token. An
/// unknown client (an unreadable `X-Forwarded-For` from a trusted proxy) is in no block.
pub fn may_scrape(access: &MetricsAccess, client: ClientIp, headers: &HeaderMap) -> bool {
    client.is_in(&access.allow) || presents_token(access, headers)
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
    use std::net::IpAddr;

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
        let far = ClientIp::from("203.0.113.9".parse::<IpAddr>().unwrap());
        let loopback = |text: &str| ClientIp::from(text.parse::<IpAddr>().unwrap());
        assert!(may_scrape(&access, loopback("127.0.0.1"), &headers(None)));
        assert!(may_scrape(&access, loopback("::1"), &headers(None)));
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
        assert!(!may_scrape(&access, loopback("127.0.0.1"), &headers(None)));
    }

    #[test]
    fn an_unknown_client_is_allowed_by_no_list_but_the_token_still_works() {
        let mut access = MetricsAccess {
            allow: vec!["0.0.0.0/0".parse().unwrap(), "::/0".parse().unwrap()],
            ..MetricsAccess::default()
        };
        assert!(!may_scrape(&access, ClientIp::Unknown, &headers(None)));
        access.token = Some(Secret::new("0123456789abcdef-token"));
        assert!(may_scrape(
            &access,
            ClientIp::Unknown,
            &headers(Some("Bearer 0123456789abcdef-token"))
        ));
    }
}
