//! The primitives of the store's binary layouts (`codec.rs` for batches, `components.rs` for
//! identity components): LEB128 varints, zigzag integers, length-prefixed strings, and a reader
//! that never trusts a length further than the bytes left.

/// Bytes that end early or do not decode; each layout turns it into its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// A growing encoding.
#[derive(Debug, Default)]
pub struct Out {
    pub out: Vec<u8>,
}

impl Out {
    pub fn with_capacity(n: usize) -> Out {
        Out { out: Vec::with_capacity(n) }
    }

    pub fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    /// Zigzag, so small negative numbers stay short.
    pub fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn opt_int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => {
                self.out.push(1);
                self.int(v);
            }
            None => self.out.push(0),
        }
    }

    pub fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.out.push(1);
                self.str(s);
            }
            None => self.out.push(0),
        }
    }
}

/// A reader over an encoding.
#[derive(Debug)]
pub struct In<'b> {
    pub bytes: &'b [u8],
}

impl<'b> In<'b> {
    pub fn byte(&mut self) -> Result<u8, Corrupt> {
        let (&b, rest) = self.bytes.split_first().ok_or(Corrupt)?;
        self.bytes = rest;
        Ok(b)
    }

    pub fn uint(&mut self) -> Result<u64, Corrupt> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(Corrupt)
    }

    /// A count, bounded by what is left to read so corrupt input cannot make a huge allocation.
    pub fn len(&mut self) -> Result<usize, Corrupt> {
        let v = self.uint()?;
        usize::try_from(v).ok().filter(|&n| n <= self.bytes.len()).ok_or(Corrupt)
    }

    /// An index into a table (checked by the caller's lookup).
    pub fn index(&mut self) -> Result<usize, Corrupt> {
        usize::try_from(self.uint()?).map_err(|_| Corrupt)
    }

    pub fn u32(&mut self) -> Result<u32, Corrupt> {
        u32::try_from(self.uint()?).map_err(|_| Corrupt)
    }

    pub fn int(&mut self) -> Result<i64, Corrupt> {
        let v = self.uint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub fn opt_int(&mut self) -> Result<Option<i64>, Corrupt> {
        match self.byte()? {
            0 => Ok(None),
            _ => self.int().map(Some),
        }
    }

    pub fn str(&mut self) -> Result<&'b str, Corrupt> {
        let n = self.len()?;
        let (s, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        std::str::from_utf8(s).map_err(|_| Corrupt)
    }

    pub fn opt_str(&mut self) -> Result<Option<&'b str>, Corrupt> {
        match self.byte()? {
            0 => Ok(None),
            _ => self.str().map(Some),
        }
    }
}

/// Lets a layout's own writer or reader (which adds its tables) use the primitives directly.
macro_rules! deref_to {
    (lifetime $lt:lifetime; $outer:ty, $field:ident, $inner:ty) => {
        impl<$lt> std::ops::Deref for $outer {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.$field
            }
        }
        impl<$lt> std::ops::DerefMut for $outer {
            fn deref_mut(&mut self) -> &mut $inner {
                &mut self.$field
            }
        }
    };
    ($outer:ty, $field:ident, $inner:ty) => {
        impl std::ops::Deref for $outer {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.$field
            }
        }
        impl std::ops::DerefMut for $outer {
            fn deref_mut(&mut self) -> &mut $inner {
                &mut self.$field
            }
        }
    };
}
pub(crate) use deref_to;
