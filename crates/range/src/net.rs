//! IPv4 addresses and CIDR blocks, kept as plain `u32` for speed.

use std::fmt::Write as _;

/// Parse a dotted-quad IPv4 address.
pub fn parse_ip(s: &str) -> Option<u32> {
    let mut out: u32 = 0;
    let mut n = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
        n += 1;
    }
    (n == 4).then_some(out)
}

/// Append the dotted-quad form of `ip` to `out`.
pub fn push_ip(out: &mut String, ip: u32) {
    let _ = write!(
        out,
        "{}.{}.{}.{}",
        ip >> 24,
        (ip >> 16) & 0xff,
        (ip >> 8) & 0xff,
        ip & 0xff
    );
}

/// The dotted-quad form of `ip`.
pub fn ip_string(ip: u32) -> String {
    let mut s = String::with_capacity(15);
    push_ip(&mut s, ip);
    s
}

/// An IPv4 network such as `10.20.3.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// Network address (host bits are zero).
    pub base: u32,
    /// Prefix length, 0..=32.
    pub prefix: u8,
}

impl Cidr {
    /// Parse `a.b.c.d/n` (a bare address means `/32`). Host bits must be zero.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                let p: u8 = p
                    .parse()
                    .map_err(|_| format!("`{s}`: prefix length `{p}` is not a number"))?;
                if p > 32 {
                    return Err(format!("`{s}`: prefix length {p} is larger than 32"));
                }
                (a, p)
            }
            None => (s, 32),
        };
        let base =
            parse_ip(addr).ok_or_else(|| format!("`{s}`: `{addr}` is not an IPv4 address"))?;
        let c = Cidr { base, prefix };
        if base & !c.mask() != 0 {
            return Err(format!(
                "`{s}`: host bits are set (did you mean {}/{prefix}?)",
                ip_string(base & c.mask())
            ));
        }
        Ok(c)
    }

    /// Netmask as an integer.
    pub fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        }
    }

    /// Whether `ip` lies in this network.
    pub fn contains(&self, ip: u32) -> bool {
        ip & self.mask() == self.base
    }

    /// Whether two networks share at least one address.
    pub fn overlaps(&self, other: &Cidr) -> bool {
        let m = self.mask() & other.mask();
        self.base & m == other.base & m
    }

    /// Number of addresses in the block.
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.prefix as u32)
    }

    /// The `n`-th address of the block (wrapping inside it).
    pub fn nth(&self, n: u64) -> u32 {
        self.base | ((n % self.size()) as u32)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", ip_string(self.base), self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_overlap() {
        let a = Cidr::parse("10.20.0.0/16").unwrap();
        let b = Cidr::parse("10.20.3.0/24").unwrap();
        let c = Cidr::parse("10.21.0.0/16").unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
        assert!(b.contains(parse_ip("10.20.3.15").unwrap()));
        assert!(!b.contains(parse_ip("10.20.4.15").unwrap()));
        assert!(
            Cidr::parse("10.20.3.1/24")
                .unwrap_err()
                .contains("host bits")
        );
        assert!(Cidr::parse("10.20.3.0/33").is_err());
        assert!(parse_ip("10.1.2").is_none());
        assert!(parse_ip("10.1.2.256").is_none());
        assert_eq!(ip_string(parse_ip("192.0.2.7").unwrap()), "192.0.2.7");
    }
}
