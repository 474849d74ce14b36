//! Which webhook URLs and addresses may be contacted: the one check used when a supplier's
//! URL is registered ([`url`], by `suppliers::service`), again before each delivery (the
//! worker calls [`url`]), and on every address a host name resolves to at connect time
//! (the worker's resolver calls [`allowed_ip`]).
//!
//! An address is refused when it is in any entry of the IANA IPv4 or IPv6 Special-Purpose
//! Address Registries (loopback, private, shared, link-local, "this network", IETF
//! protocol assignments, documentation, benchmarking, reserved, NAT64, 6to4, Teredo,
//! ORCHID, discard-only, unique-local, SRv6…), multicast or broadcast, or — for IPv6 —
//! outside global unicast `2000::/3`. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is
//! judged as its IPv4 address; the other IPv4-embedding forms (IPv4-compatible
//! `::a.b.c.d`, NAT64, 6to4, Teredo) are refused outright, whatever they embed.
//!
//! A host name is refused when, lower-cased and without its trailing dot, it is a single
//! label (resolved through search domains to internal hosts) or in a special-use domain
//! (`localhost`, `localhost.localdomain`, `.localhost`, `.localdomain`, `.internal`,
//! `.local`, `.home.arpa`, `.arpa`, `.test`, `.invalid`, `.example`, `.onion`, `.alt`).
//! Loopback (`127.0.0.0/8`, `::1`, `localhost`) over plain http is allowed only with
//! `COPROCURE_ALLOW_LOOPBACK_WEBHOOKS` (tests).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{ErrorCode, FieldError};

/// IPv4 special-purpose blocks (IANA registry, plus multicast and the limited broadcast):
/// `(network, prefix length)`.
const V4_SPECIAL: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // shared address space (CGN)
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments (DS-Lite, NAT64 discovery…)
    ([192, 0, 2, 0], 24),    // documentation TEST-NET-1
    ([192, 31, 196, 0], 24), // AS112-v4
    ([192, 52, 193, 0], 24), // AMT
    ([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([192, 175, 48, 0], 24), // direct delegation AS112
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // documentation TEST-NET-2
    ([203, 0, 113, 0], 24),  // documentation TEST-NET-3
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved (incl. 255.255.255.255 broadcast)
];

/// IPv6 special-purpose blocks inside global unicast `2000::/3` (everything outside it —
/// `::/128`, `::1`, IPv4-compatible, `64:ff9b::/96`, `64:ff9b:1::/48`, `100::/64`,
/// `5f00::/16`, `fc00::/7`, `fe80::/10`, `fec0::/10`, `ff00::/8`… — is refused anyway).
const V6_SPECIAL: &[([u16; 8], u8)] = &[
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments (Teredo, ORCHID, AMT…)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), // 6to4
    ([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48), // direct delegation AS112
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation (RFC 9637)
];

fn in_v4(ip: Ipv4Addr, (net, len): ([u8; 4], u8)) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn in_v6(ip: Ipv6Addr, (net, len): ([u16; 8], u8)) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(Ipv6Addr::from(net)) & mask
}

/// Whether an address is in a special-purpose (not public unicast) range.
pub fn special_purpose(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => V4_SPECIAL.iter().any(|b| in_v4(v4, *b)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => special_purpose(IpAddr::V4(v4)),
            None => {
                !in_v6(v6, ([0x2000, 0, 0, 0, 0, 0, 0, 0], 3))
                    || V6_SPECIAL.iter().any(|b| in_v6(v6, *b))
            }
        },
    }
}

/// Whether an address is loopback (IPv4, IPv6, or IPv4-mapped loopback).
fn loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether a webhook may connect to `ip`: a public address, or loopback when allowed.
pub fn allowed_ip(ip: IpAddr, allow_loopback: bool) -> bool {
    !special_purpose(ip) || (allow_loopback && loopback(ip))
}

/// Special-use domain names (and their subdomains) no supplier endpoint can have.
const SPECIAL_DOMAINS: &[&str] = &[
    "localhost",
    "localdomain",
    "internal",
    "local",
    "arpa",
    "test",
    "invalid",
    "example",
    "onion",
    "alt",
];

/// Why a host name is refused, if it is.
fn refused_name(host: &str) -> Option<&'static str> {
    let name = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    if name.is_empty() || !name.contains('.') {
        return Some("must be a fully qualified public host name");
    }
    let special = SPECIAL_DOMAINS
        .iter()
        .any(|d| name == *d || name.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')));
    special.then_some(
        "names in special-use domains (localhost, .internal, .local, .test…) are not allowed",
    )
}

/// A webhook URL: https to a public host, or http/https to loopback when `allow_loopback`.
/// Returns the URL as it will be used.
pub fn url(field: &str, raw: &str, allow_loopback: bool) -> Result<String, FieldError> {
    let bad = |m: &str| Err(FieldError::new(field, ErrorCode::InvalidWebhookUrl, m));
    let Ok(u) = url::Url::parse(raw.trim()) else {
        return bad("is not an absolute URL");
    };
    let loopback_host = match u.host() {
        Some(url::Host::Ipv4(ip)) => loopback(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => loopback(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => d.strip_suffix('.').unwrap_or(d) == "localhost",
        None => return bad("must name a host"),
    };
    if !loopback_host {
        let refused = match u.host() {
            Some(url::Host::Ipv4(ip)) => special_purpose(IpAddr::V4(ip))
                .then_some("private, reserved and other special-purpose addresses are not allowed"),
            Some(url::Host::Ipv6(ip)) => special_purpose(IpAddr::V6(ip))
                .then_some("private, reserved and other special-purpose addresses are not allowed"),
            Some(url::Host::Domain(d)) => refused_name(d),
            None => None,
        };
        if let Some(reason) = refused {
            return bad(reason);
        }
    }
    match u.scheme() {
        "https" if !loopback_host => Ok(u.to_string()),
        "http" | "https" if loopback_host && allow_loopback => Ok(u.to_string()),
        _ if loopback_host => bad("loopback addresses are not allowed"),
        _ => bad("must be an https:// URL"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn public_addresses_pass() {
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "192.0.1.255",
            "198.17.255.255",
            "198.20.0.1",
            "203.0.114.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
        ] {
            assert!(allowed_ip(ip(a), false), "{a}");
        }
    }

    #[test]
    fn every_special_purpose_block_is_refused() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.5",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.1",
            "192.0.0.170",
            "192.0.2.1",
            "192.31.196.1",
            "192.52.193.1",
            "192.88.99.1",
            "192.168.1.2",
            "192.175.48.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::127.0.0.1",
            "::10.0.0.1",
            "::8.8.8.8",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:0:10.0.0.1",
            "64:ff9b::8.8.8.8",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "100::1",
            "100:0:0:1::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:1::1",
            "2001:2::1",
            "2001:3::1",
            "2001:4:112::1",
            "2001:10::1",
            "2001:20::1",
            "2001:db8::1",
            "2001:db8:ffff::1",
            "2002:a00:1::1",
            "2002:808:808::1",
            "2620:4f:8000::1",
            "3fff::1",
            "5f00::1",
            "fc00::1",
            "fd00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(special_purpose(ip(a)), "{a}");
            assert!(!allowed_ip(ip(a), false), "{a}");
        }
    }

    #[test]
    fn loopback_only_when_allowed() {
        assert!(allowed_ip(ip("127.0.0.1"), true));
        assert!(allowed_ip(ip("::1"), true));
        assert!(allowed_ip(ip("::ffff:127.0.0.1"), true));
        assert!(!allowed_ip(ip("127.0.0.1"), false));
        assert!(!allowed_ip(ip("10.0.0.1"), true));
        assert!(
            !allowed_ip(ip("::127.0.0.1"), true),
            "IPv4-compatible is not loopback"
        );
    }

    #[test]
    fn urls_are_https_to_public_hosts() {
        assert!(url("w", "https://erp.supplier.vn/hooks/rfq", false).is_ok());
        assert!(url("w", "https://8.8.8.8/h", false).is_ok());
        assert!(url("w", "https://[2606:4700:4700::1111]/h", false).is_ok());
        assert!(url("w", "http://erp.supplier.vn/hooks", false).is_err());
        assert!(url("w", "http://127.0.0.1:9000/h", false).is_err());
        assert!(url("w", "https://localhost/h", false).is_err());
        assert!(url("w", "http://127.0.0.1:9000/h", true).is_ok());
        assert!(url("w", "http://[::1]:9000/h", true).is_ok());
        assert!(url("w", "http://localhost:9000/h", true).is_ok());
        assert!(url("w", "ftp://x.y/z", true).is_err());
        assert!(url("w", "not a url", true).is_err());
        for refused in [
            "https://10.0.0.5/h",
            "https://169.254.169.254/latest",
            "https://192.168.1.2/",
            "https://[fd00::1]/",
            "https://0.0.0.0/",
            "https://[::ffff:10.0.0.1]/",
            "https://100.64.0.1/",
            "https://0.1.2.3/",
            "https://metadata.internal/",
            "https://db.localhost/",
            // The list (`localhost.` is loopback: see below).
            "https://localhost.localdomain/",
            "https://db.localdomain./",
            "https://[::127.0.0.1]/",
            "https://[64:ff9b::a00:1]/",
            "https://[64:ff9b::808:808]/",
            "https://[64:ff9b:1::1]/",
            "https://198.18.0.1/",
            "https://198.19.1.1/",
            "https://192.0.0.170/",
            "https://192.0.2.10/",
            "https://198.51.100.10/",
            "https://203.0.113.10/",
            "https://[2001:db8::1]/",
            "https://[2002:7f00:1::]/",
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
            // Numeric host forms the URL parser turns into IPv4 (10.0.0.1).
            "https://167772161/",
            "https://0xa.1/",
            "https://012.0.0.1/",
            // Names that resolve through search domains or special-use domains.
            "https://metadata/",
            "https://db./",
            "https://printer.local/",
            "https://router.home.arpa/",
            "https://1.0.0.127.in-addr.arpa/",
            "https://x.test/",
            "https://x.invalid/",
            "https://x.example/",
            "https://x.onion/",
        ] {
            assert!(url("w", refused, true).is_err(), "{refused}");
            assert!(url("w", refused, false).is_err(), "{refused}");
        }
        // `localhost.` is loopback, allowed only where loopback is.
        assert!(url("w", "https://localhost./", false).is_err());
        assert!(url("w", "https://LOCALHOST./", false).is_err());
        assert!(url("w", "http://localhost.:9000/", true).is_ok());
        for numeric_loopback in [
            "https://2130706433/",
            "https://0x7f.1/",
            "https://017700000001/",
        ] {
            assert!(
                url("w", numeric_loopback, false).is_err(),
                "{numeric_loopback}"
            );
        }
        // Trailing dots and case do not hide a name; ordinary names that merely contain a
        // special word pass.
        assert!(url("w", "https://erp.supplier.vn./h", false).is_ok());
        assert!(url("w", "https://localhost-erp.supplier.vn/h", false).is_ok());
        assert!(url("w", "https://mytest.vn/h", false).is_ok());
    }
}
