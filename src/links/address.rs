//! Which addresses are on the public internet, and so which redirects the
//! checker follows: a public site may not send it into a private network
//! (the CI machine's own services, its cloud's metadata endpoint, the
//! office LAN), where its requests and the statuses it reports would probe
//! what the site's author cannot reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::Url;

/// What kind of non-public address `ip` is, or `None` when it is public.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => non_public_v4(ip),
        IpAddr::V6(ip) => non_public_v6(ip),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if a == 0 {
        Some("unspecified")
    } else if ip.is_multicast() || a >= 240 {
        Some("multicast or reserved")
    } else if ip.is_documentation()
        || (a == 198 && (b == 18 || b == 19))
        || (a, b, c) == (192, 0, 0)
    {
        Some("reserved")
    } else {
        None
    }
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return non_public_v4(v4);
    }
    let segments = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_unicast_link_local() {
        Some("link-local")
    } else if ip.is_unique_local() || segments[0] & 0xffc0 == 0xfec0 {
        Some("private")
    } else if ip.is_multicast() {
        Some("multicast or reserved")
    } else if segments[..2] == [0x64, 0xff9b] && segments[2..6] == [0; 4] {
        // NAT64: the local gateway forwards it to the IPv4 address inside.
        let [.., high, low] = segments;
        non_public_v4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)))
    } else if segments[..6] == [0; 6] || segments[..2] == [0x2001, 0xdb8] {
        // IPv4-compatible (deprecated) and documentation addresses.
        Some("reserved")
    } else {
        None
    }
}

/// What kind of non-public host `url` names, as far as the URL itself
/// says: an IP literal by its address, `localhost` and `*.localhost` by
/// name (RFC 6761). Any other name counts as public.
fn non_public_host(url: &Url) -> Option<&'static str> {
    // The URL standard has already read every spelling of an address into
    // its canonical form here, IPv6 in brackets.
    let host = url.host_str()?;
    let literal = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = literal.parse::<IpAddr>() {
        return non_public(ip);
    }
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    (name == "localhost" || name.ends_with(".localhost")).then_some("loopback")
}

/// Whether the origin of a redirect is public: by `peer`, the address that
/// sent it, when known; else by `from` as written.
fn origin_is_public(peer: Option<IpAddr>, from: &Url) -> bool {
    match peer {
        Some(peer) => non_public(peer).is_none(),
        None => non_public_host(from).is_none(),
    }
}

/// Why a redirect from a public origin to another host is not followed
/// because that host's name resolves to a non-public address (a public page
/// sending the checker to `metadata.internal` or a name pointing at
/// 169.254.169.254), or `None` to follow it. The name is resolved here,
/// before any request is sent there; the client resolves it again, so a
/// name that changes its answer in between is not caught (that would need a
/// resolver of the client's own). A name that does not resolve is left to
/// the request to report.
pub async fn refuse_resolved(peer: Option<IpAddr>, from: &Url, to: &Url) -> Option<String> {
    let host = to.host_str()?;
    let is_literal = host.starts_with('[') || host.parse::<IpAddr>().is_ok();
    if is_literal || to.host_str() == from.host_str() || !origin_is_public(peer, from) {
        return None;
    }
    let port = to.port_or_known_default()?;
    let resolved = tokio::net::lookup_host((host, port)).await.ok()?;
    let (ip, kind) = resolved
        .map(|a| a.ip())
        .find_map(|ip| non_public(ip).map(|kind| (ip, kind)))?;
    Some(format!(
        "redirect to {to} not followed: {host} resolves to {ip}, a {kind} address, \
         where a public site may not send the checker"
    ))
}

/// Why the redirect from `from` to `to` is not followed, or `None` when it
/// is: a public origin may not lead into a non-public address.
///
/// The origin is judged by `peer`, the address that sent the redirect, when
/// it is known: that is where the checker really was, whatever name led
/// there. An intranet name resolves to a private address, and its redirects
/// to other private addresses are followed; the test servers on 127.0.0.1
/// are such origins. Without a peer, `from` is judged as written (an IP
/// literal or `localhost` by what it is, any other name as public). Behind
/// an HTTP proxy the peer is the proxy.
///
/// The target is judged as written, before anything is sent to it: an IP
/// literal, in any spelling the URL standard reads (`0x7f.1`,
/// `[::ffff:127.0.0.1]`), or `localhost`. A name is left to resolve.
/// A name is judged by [`refuse_resolved`].
pub fn refuse_redirect(peer: Option<IpAddr>, from: &Url, to: &Url) -> Option<String> {
    if !origin_is_public(peer, from) {
        return None;
    }
    let kind = non_public_host(to)?;
    Some(format!(
        "redirect to {to} not followed: {} is a {kind} address, where a public site may not send the checker",
        to.host_str().unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_name_resolving_to_a_non_public_address_is_refused_from_a_public_origin() {
        let from = Url::parse("https://docs.vendor.test/a").unwrap();
        let public = Some("93.184.216.34".parse().unwrap());
        // `localhost` resolves (from the hosts file, no network) to loopback.
        let to = Url::parse("http://localhost:9/admin").unwrap();
        let refused = refuse_resolved(public, &from, &to).await.expect("refused");
        assert!(
            refused.starts_with(
                "redirect to http://localhost:9/admin not followed: localhost resolves to "
            ) && refused.contains("a loopback address"),
            "{refused}"
        );
        // From a non-public origin, or within one host, nothing is resolved.
        let loopback = Some("127.0.0.1".parse().unwrap());
        assert_eq!(refuse_resolved(loopback, &from, &to).await, None);
        let same_host = Url::parse("https://docs.vendor.test/b").unwrap();
        assert_eq!(refuse_resolved(public, &from, &same_host).await, None);
    }

    #[test]
    fn addresses_are_classified() {
        let table = [
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("93.184.216.34", None),
            ("10.0.0.1", Some("private")),
            ("10.255.255.255", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.254", Some("private")),
            ("172.15.0.1", None),
            ("172.32.0.1", None),
            ("192.168.1.1", Some("private")),
            ("127.0.0.1", Some("loopback")),
            ("127.1.2.3", Some("loopback")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("shared (carrier-grade NAT)")),
            ("100.127.255.255", Some("shared (carrier-grade NAT)")),
            ("100.128.0.1", None),
            ("0.0.0.0", Some("unspecified")),
            ("255.255.255.255", Some("multicast or reserved")),
            ("224.0.0.1", Some("multicast or reserved")),
            ("192.0.2.1", Some("reserved")),
            ("198.18.0.1", Some("reserved")),
            ("2606:4700:4700::1111", None),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fe80::1", Some("link-local")),
            ("fc00::1", Some("private")),
            ("fd12:3456::1", Some("private")),
            ("fec0::1", Some("private")),
            ("ff02::1", Some("multicast or reserved")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.1.2.3", Some("private")),
            ("::ffff:8.8.8.8", None),
            ("::127.0.0.1", Some("reserved")),
            ("64:ff9b::a00:1", Some("private")),
            ("64:ff9b::808:808", None),
            ("2001:db8::1", Some("reserved")),
        ];
        for (address, kind) in table {
            let ip: IpAddr = address.parse().unwrap();
            assert_eq!(non_public(ip), kind, "{address}");
        }
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn redirects_from_public_origins_stay_public() {
        let public = Some("93.184.216.34".parse().unwrap());
        let page = url("https://docs.vendor.test/start");
        for target in [
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:8080/admin",
            "http://0x7f.1/",
            "http://2130706433/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[fe80::1]/",
            "http://[fc00::1]/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://localhost:3000/",
            "http://LOCALHOST./",
            "http://api.localhost/",
        ] {
            let refused = refuse_redirect(public, &page, &url(target));
            let message = refused.unwrap_or_else(|| panic!("{target} is followed"));
            assert!(message.starts_with("redirect to "), "{message}");
            assert!(message.contains("not followed"), "{message}");
        }
        for target in ["https://docs.vendor.test/other", "https://8.8.8.8/"] {
            assert_eq!(refuse_redirect(public, &page, &url(target)), None);
        }
    }

    #[test]
    fn the_origin_is_judged_by_its_peer_then_as_written() {
        let private_target = url("http://10.0.0.1/");
        let loopback = Some("127.0.0.1".parse().unwrap());
        let intranet = url("http://wiki.corp.test/");
        assert_eq!(
            refuse_redirect(loopback, &intranet, &private_target),
            None,
            "a name that led to a private peer is a private origin"
        );
        let test_server = url("http://127.0.0.1:8080/a");
        assert_eq!(
            refuse_redirect(None, &test_server, &url("http://127.0.0.1:8080/b")),
            None
        );
        assert_eq!(
            refuse_redirect(None, &url("http://[::1]:8080/a"), &url("http://localhost/")),
            None
        );
        assert!(refuse_redirect(None, &intranet, &private_target).is_some());
        assert!(refuse_redirect(None, &url("http://8.8.8.8/"), &private_target).is_some());
    }
}
