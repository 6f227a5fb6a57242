//! FNV-1a fingerprints that name stored states (policy files, identity components, batch
//! extraction): stable across runs, platforms and Rust versions, unlike std's hashers.

/// An FNV-1a hash fed piece by piece.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Feeds `bytes` as they are.
    pub fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    /// Feeds `text` and a separator, so that pieces `ab`+`c` differ from `a`+`bc`.
    pub fn piece(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(&[0xff]);
    }

    /// The hash as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv;

    #[test]
    fn known_value_and_separated_pieces() {
        let mut h = Fnv::default();
        h.bytes(b"a");
        // The published FNV-1a 64 value of "a".
        assert_eq!(h.hex(), "af63dc4c8601ec8c");
        let (mut x, mut y) = (Fnv::default(), Fnv::default());
        x.piece("ab");
        x.piece("c");
        y.piece("a");
        y.piece("bc");
        assert_ne!(x.hex(), y.hex());
    }
}
