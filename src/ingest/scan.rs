//! A validating byte scanner for event lines: the fast path of [`super::sparse::Plan::parse`].
//!
//! serde's sparse walk still pays for its generic machinery on every byte it skips. This scanner
//! walks the bytes of a line directly, checks the JSON syntax of everything it skips exactly as
//! serde_json's `IgnoredAny` does, and builds the same slim value and identity map. It gives up
//! (returns `None`) on anything unusual: a key with an escape, a line that is not an object,
//! deep nesting, any syntax error. The caller then parses the line with serde, so error
//! messages stay serde_json's own and the scanner never accepts a line serde_json rejects.
//! Kept values that are not plain strings or small integers are handed to serde_json as text,
//! so numbers and escapes are read by the same code as before.

use super::direct::{self, Node, Slots};
use super::idmap::{scalar_text, Entry, IdentityMap};
use super::sparse::{Plan, Trie};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Nesting deeper than this is left to serde (its own limit is 128 for the whole line).
const MAX_DEPTH: u32 = 64;

/// The scan of `text` by `plan`: what [`Plan::parse`] gives, or `None` when the line is left
/// to serde.
pub fn parse<'t>(text: &'t str, plan: &Plan) -> Option<(Value, Option<IdentityMap<'t>>)> {
    if plan.trie.is_whole() {
        return None;
    }
    let mut s = Scan { text, b: text.as_bytes(), i: 0, depth: 0 };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    let mut ids = None;
    let apart = plan.identities_apart.then_some(&mut ids);
    let obj = s.object(&plan.trie, apart)?;
    s.ws();
    (s.i == s.b.len()).then_some((Value::Object(obj), ids))
}

/// The direct scan of `text` by `slots` (see `ingest::direct`): each slot's value (`None`: the
/// path is not in the line) and the identity map read apart, or `None` when the line is left
/// to [`parse`].
pub fn scan_slots<'t>(text: &'t str, slots: &Slots) -> Option<(Vec<Option<Value>>, Option<IdentityMap<'t>>)> {
    let mut s = Scan { text, b: text.as_bytes(), i: 0, depth: 0 };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    let (mut raw, mut ids) = (vec![None; slots.count], None);
    s.slots(&slots.root, &mut raw, Some(&mut ids))?;
    s.ws();
    (s.i == s.b.len()).then_some((raw, ids))
}

/// A position in a line.
struct Scan<'t> {
    text: &'t str,
    b: &'t [u8],
    i: usize,
    depth: u32,
}

impl<'t> Scan<'t> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips JSON whitespace (the four bytes serde_json accepts).
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// Consumes `byte` after whitespace.
    fn eat(&mut self, byte: u8) -> Option<()> {
        self.ws();
        (self.peek()? == byte).then(|| self.i += 1)
    }

    /// Enters a container, giving up past [`MAX_DEPTH`].
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// Walks the members of an object (at its `{`), calling `member` with each key with the
    /// position at its value; `member` consumes the value.
    fn members(&mut self, mut member: impl FnMut(&mut Self, &'t str) -> Option<()>) -> Option<()> {
        self.sequence(b'}', |s| {
            let key = s.key()?;
            s.eat(b':')?;
            s.ws();
            member(s, key)
        })
    }

    /// Walks the items of an array (at its `[`), calling `item` at each one.
    fn items(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.sequence(b']', item)
    }

    /// Walks a container from its opening byte to `close`, calling `each` at every element
    /// (after whitespace) and checking the commas between them.
    fn sequence(&mut self, close: u8, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.enter()?;
        self.i += 1;
        self.ws();
        if self.peek()? != close {
            loop {
                self.ws();
                each(self)?;
                self.ws();
                match self.peek()? {
                    b',' => self.i += 1,
                    b if b == close => break,
                    _ => return None,
                }
            }
        }
        self.i += 1;
        self.depth -= 1;
        Some(())
    }

    /// A key without escapes (others are left to serde, which checks their surrogates).
    fn key(&mut self) -> Option<&'t str> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let (end, escaped) = self.string_end(start)?;
        self.i = end + 1;
        if escaped {
            return None;
        }
        self.text.get(start..end)
    }

    /// The index of the closing quote of the string whose text starts at `at`, and whether it
    /// holds an escape; `None` on a control character, a bad escape or the end of the line.
    fn string_end(&self, mut at: usize) -> Option<(usize, bool)> {
        let mut escaped = false;
        loop {
            at = skip_plain(self.b, at);
            match *self.b.get(at)? {
                b'"' => return Some((at, escaped)),
                b'\\' => {
                    escaped = true;
                    at += 1;
                    match *self.b.get(at)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => at += 1,
                        b'u' => {
                            let hex = self.b.get(at + 1..at + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            at += 5;
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
    }

    /// Skips one value of any kind, checking its syntax.
    fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => {
                let (end, _) = self.string_end(self.i + 1)?;
                self.i = end + 1;
                Some(())
            }
            b'{' => self.members(|s, _| s.skip()),
            b'[' => self.items(Scan::skip),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// Skips a number with serde_json's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.i;
        self.digits();
        (self.i > start).then_some(())
    }

    /// Skips one value and returns its text.
    fn raw(&mut self) -> Option<&'t str> {
        let start = self.i;
        self.skip()?;
        self.text.get(start..self.i)
    }

    /// A whole value, as serde_json builds it (see [`direct::value_of`]).
    fn value(&mut self) -> Option<Value> {
        direct::value_of(self.raw()?)
    }

    /// A value through `trie`, as `sparse::Slim` builds it.
    fn slim(&mut self, trie: &Trie) -> Option<Value> {
        if trie.is_whole() {
            return self.value();
        }
        match self.peek()? {
            b'{' => self.object(trie, None).map(Value::Object),
            b'[' => {
                let mut out = Vec::new();
                self.items(|s| s.slim(trie).map(|v| out.push(v)))?;
                Some(Value::Array(out))
            }
            _ => self.value(),
        }
    }

    /// An object's members that `trie` reaches (as `sparse::slim_map`); with `ids`, a
    /// top-level `identityMap` is read into it (the last one wins).
    fn object(
        &mut self,
        trie: &Trie,
        mut ids: Option<&mut Option<IdentityMap<'t>>>,
    ) -> Option<Map<String, Value>> {
        let mut out = Map::new();
        self.members(|s, key| {
            if let (Some(ids), "identityMap") = (ids.as_deref_mut(), key) {
                *ids = s.identity_map()?;
                return Some(());
            }
            match trie.child(key) {
                Some(child) => {
                    let v = s.slim(child)?;
                    out.insert(key.to_string(), v);
                }
                None => s.skip()?,
            }
            Some(())
        })?;
        Some(out)
    }

    /// The members of an object through `node`, each wanted value into its slot; with
    /// `ids`, a top-level `identityMap` is read into it (the last one wins). Gives up on an
    /// array on a wanted path (projected item by item) and on a repeated wanted key (the last
    /// wins whole, which the slots cannot undo): the slim parse takes those lines.
    fn slots(
        &mut self,
        node: &Node,
        raw: &mut [Option<Value>],
        mut ids: Option<&mut Option<IdentityMap<'t>>>,
    ) -> Option<()> {
        let mut seen = 0u64;
        self.members(|s, key| {
            if let (Some(ids), "identityMap") = (ids.as_deref_mut(), key) {
                *ids = s.identity_map()?;
                return Some(());
            }
            let Some(at) = node.children.iter().position(|(k, _)| k == key) else {
                return s.skip();
            };
            if seen & (1 << at) != 0 {
                return None;
            }
            seen |= 1 << at;
            let child = &node.children[at].1;
            match (child.slot, s.peek()?) {
                (Some(slot), _) => *raw.get_mut(slot)? = Some(s.value()?),
                (None, b'{') => s.slots(child, raw, None)?,
                (None, b'[') => return None,
                (None, _) => s.skip()?,
            }
            Some(())
        })
    }

    /// An `identityMap` value as `idmap::Seed` reads it (`Some(None)`: not an object).
    fn identity_map(&mut self) -> Option<Option<IdentityMap<'t>>> {
        if self.peek()? != b'{' {
            self.skip()?;
            return Some(None);
        }
        let mut out: IdentityMap<'t> = Vec::new();
        self.members(|s, code| {
            let entries = s.entries()?;
            match out.iter_mut().find(|(c, _)| c == code) {
                Some(slot) => slot.1 = entries,
                None => out.push((Cow::Borrowed(code), entries)),
            }
            Some(())
        })?;
        Some(Some(out))
    }

    /// A namespace's value: a list of entries, or one entry.
    fn entries(&mut self) -> Option<Vec<Entry<'t>>> {
        let mut out = Vec::new();
        match self.peek()? {
            b'[' => self.items(|s| s.entry().map(|e| out.extend(e)))?,
            _ => out.extend(self.entry()?),
        }
        Some(out)
    }

    /// One entry: an object with `id` and `primary`, or a bare value; `None` inside when it
    /// names no identity (as `idmap::EntryVisitor`: `null`, or no `id` or a `null` one).
    fn entry(&mut self) -> Option<Option<Entry<'t>>> {
        let mut entry = Entry { id: None, primary: false };
        let mut named = true;
        match self.peek()? {
            b'{' => {
                named = false;
                self.members(|s, key| {
                    match key {
                        "id" => {
                            named = s.peek()? != b'n';
                            entry.id = s.id_text()?;
                        }
                        "primary" => entry.primary = s.value()?.as_bool().unwrap_or(false),
                        _ => s.skip()?,
                    }
                    Some(())
                })?
            }
            b'n' => {
                named = false;
                self.skip()?
            }
            b'[' | b't' | b'f' => self.skip()?,
            _ => entry.id = self.id_text()?,
        }
        Some(named.then_some(entry))
    }

    /// An identity value as `idmap::scalar_text` reads it: a plain string borrowed from the
    /// line, anything else through a whole value.
    fn id_text(&mut self) -> Option<Option<Cow<'t, str>>> {
        let at = self.i;
        if self.peek()? == b'"' {
            let (end, escaped) = self.string_end(at + 1)?;
            if !escaped {
                self.i = end + 1;
                return Some(Some(Cow::Borrowed(self.text.get(at + 1..end)?)));
            }
        }
        Some(scalar_text(&self.value()?).map(Cow::Owned))
    }
}

/// The first index from `at` holding a quote, a backslash or a control character (or the end),
/// eight bytes at a time.
fn skip_plain(b: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |w: u64| w.wrapping_sub(ONES) & !w & HIGH;
    while let Some(chunk) = b.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // Bytes below 0x20, equal to `"` or equal to `\`; non-ASCII bytes (high bit set) are
        // masked out of the control test.
        let special = (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
            | has_zero(w ^ (ONES * u64::from(b'"')))
            | has_zero(w ^ (ONES * u64::from(b'\\')));
        if special != 0 {
            break;
        }
        at += 8;
    }
    while let Some(&c) = b.get(at) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return at;
        }
        at += 1;
    }
    at
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
