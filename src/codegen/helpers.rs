//! `extern "C"` helpers called from native code for what needs strings, regexes or the calendar.
//!
//! Every helper receives the per-call [`Runtime`] by pointer. They never panic on data: ids come
//! from the interner the program was compiled with, and calendar overflow yields a saturated or
//! null result rather than an error.

use super::times;
use crate::intern::Interner;
use crate::interp::time::{civil, local_civil};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hasher for small integer keys: the memo is on the hot path, SipHash is not
/// needed (keys are ids, not attacker-chosen strings).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(*b as u64);
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Regexes and patterns fixed at compile time, indexed by call site.
#[derive(Debug, Clone, Default)]
pub struct Tables {
    /// `like` patterns, translated to anchored regexes.
    pub likes: Vec<regex::Regex>,
    /// `matches` regexes (anchored: the whole string must match).
    pub matches: Vec<regex::Regex>,
    /// `regexGroup(re, n)`.
    pub groups: Vec<(regex::Regex, usize)>,
}

/// What helpers need during one call of a compiled program.
pub struct Runtime<'a> {
    pub interner: &'a Interner,
    pub tz: &'a jiff::tz::TimeZone,
    pub as_of: i64,
    pub tables: &'a Tables,
    /// Memo of string predicates by (helper, site or method, id, id): ids repeat across rows.
    pub cache: HashMap<(u8, u32, u32, u32), i64, BuildHasherDefault<IdHasher>>,
    /// Values pushed by LIST and COUNT_DISTINCT kernels, per attribute: (row, bits).
    pub pushed: Vec<Vec<(i64, i64)>>,
}

/// Method codes of `mosaic_str_method`.
pub mod method {
    pub const STARTS_WITH: i64 = 0;
    pub const ENDS_WITH: i64 = 1;
    pub const CONTAINS: i64 = 2;
    pub const EQUALS: i64 = 3;
}

fn rt<'r, 'a>(p: *mut Runtime<'a>) -> &'r mut Runtime<'a> {
    // SAFETY: native code only passes the pointer it received in `Env::rt`, which the caller of
    // the native function set to a live, exclusively borrowed `Runtime` for the call's duration.
    #[allow(unsafe_code)]
    unsafe {
        &mut *p
    }
}

fn memo(r: &mut Runtime, key: (u8, u32, u32, u32), f: impl FnOnce(&Runtime) -> i64) -> i64 {
    if let Some(&v) = r.cache.get(&key) {
        return v;
    }
    let v = f(r);
    r.cache.insert(key, v);
    v
}

/// The text of an id; an id this interner never gave out (a malformed column) reads as empty
/// rather than aborting inside native code.
fn text(r: &Runtime, id: u32) -> std::sync::Arc<str> {
    if (id as usize) < r.interner.len() {
        r.interner.resolve(id)
    } else {
        std::sync::Arc::from("")
    }
}

/// Lowercases for case-insensitive comparison, as the interpreter does.
fn fold(s: &str) -> String {
    s.to_lowercase()
}

pub extern "C" fn mosaic_str_method(r: *mut Runtime, code: i64, a: i64, b: i64, cs: i64) -> i64 {
    let r = rt(r);
    let key = (0u8, (code * 2 + (cs & 1)) as u32, a as u32, b as u32);
    memo(r, key, |r| {
        let (sa, sb) = (text(r, a as u32), text(r, b as u32));
        let (x, y) = if cs != 0 { (sa.to_string(), sb.to_string()) } else { (fold(&sa), fold(&sb)) };
        let hit = match code {
            method::STARTS_WITH => x.starts_with(&y),
            method::ENDS_WITH => x.ends_with(&y),
            method::CONTAINS => x.contains(&y),
            _ => x == y,
        };
        hit as i64
    })
}

pub extern "C" fn mosaic_like(r: *mut Runtime, site: i64, a: i64) -> i64 {
    let r = rt(r);
    memo(r, (1, site as u32, a as u32, 0), |r| {
        let s = text(r, a as u32);
        r.tables.likes.get(site as usize).is_some_and(|re| re.is_match(&s)) as i64
    })
}

pub extern "C" fn mosaic_matches(r: *mut Runtime, site: i64, a: i64) -> i64 {
    let r = rt(r);
    memo(r, (2, site as u32, a as u32, 0), |r| {
        let s = text(r, a as u32);
        r.tables.matches.get(site as usize).is_some_and(|re| re.is_match(&s)) as i64
    })
}

/// The id of the group's text, or -1 for null (no match, or the group did not take part).
pub extern "C" fn mosaic_regex_group(r: *mut Runtime, site: i64, a: i64) -> i64 {
    let r = rt(r);
    memo(r, (3, site as u32, a as u32, 0), |r| {
        let s = text(r, a as u32);
        let Some((re, n)) = r.tables.groups.get(site as usize) else { return -1 };
        match re.captures(&s).and_then(|c| c.get(*n)) {
            Some(m) => r.interner.intern(m.as_str()) as i64,
            None => -1,
        }
    })
}

/// `lower()` (`upper` = 0) or `upper()` (`upper` = 1): the id of the converted string.
pub extern "C" fn mosaic_case(r: *mut Runtime, upper: i64, a: i64) -> i64 {
    let r = rt(r);
    memo(r, (4, upper as u32, a as u32, 0), |r| {
        let s = text(r, a as u32);
        let t = if upper != 0 { s.to_uppercase() } else { s.to_lowercase() };
        r.interner.intern(&t) as i64
    })
}

/// `length()` of a string: its number of characters.
pub extern "C" fn mosaic_str_len(r: *mut Runtime, a: i64) -> i64 {
    let r = rt(r);
    memo(r, (5, 0, a as u32, 0), |r| text(r, a as u32).chars().count() as i64)
}

/// Orders two strings by bytes: -1, 0 or 1.
pub extern "C" fn mosaic_str_cmp(r: *mut Runtime, a: i64, b: i64) -> i64 {
    let r = rt(r);
    if a == b {
        return 0;
    }
    memo(r, (6, 0, a as u32, b as u32), |r| text(r, a as u32).cmp(&text(r, b as u32)) as i64)
}

/// Orders an int against a double exactly (as `Value::total_cmp`): -1, 0 or 1; 2 for NaN,
/// which compares with nothing.
pub extern "C" fn mosaic_cmp_int_double(i: i64, d: i64) -> i64 {
    use crate::value::Value;
    let d = f64::from_bits(d as u64);
    if d.is_nan() {
        return 2;
    }
    Value::Int(i).total_cmp(&Value::Double(d)) as i64
}

/// `%` on doubles (Rust's `%`, i.e. fmod); cranelift has no instruction for it.
pub extern "C" fn mosaic_fmod(a: f64, b: f64) -> f64 {
    a % b
}

/// The instant of a date's midnight in the project's time zone.
pub extern "C" fn mosaic_date_to_ts(r: *mut Runtime, days: i64) -> i64 {
    let r = rt(r);
    times::date_to_ts(days, r.tz)
}

/// Year (0), month (1) or day of month (2) of a timestamp (`is_date` = 0, in the project's time
/// zone) or a date; `i64::MIN` when out of range (treated as null by the caller).
pub extern "C" fn mosaic_date_part(r: *mut Runtime, is_date: i64, bits: i64, part: i64) -> i64 {
    let r = rt(r);
    let date = match is_date {
        0 => local_civil(bits, r.tz),
        _ => i32::try_from(bits).ok().and_then(civil),
    };
    date.map_or(i64::MIN, |d| times::part(d, part))
}

/// Year, month or day of month of `now` in the project's time zone.
pub extern "C" fn mosaic_current_part(r: *mut Runtime, part: i64) -> i64 {
    let r = rt(r);
    local_civil(r.as_of, r.tz).map_or(i64::MIN, |d| times::part(d, part))
}

/// `now`, `today`, `yesterday` or `tomorrow` ([`TIME_WORDS`] index) as a timestamp; `i64::MIN`
/// when out of range.
pub extern "C" fn mosaic_time_word(r: *mut Runtime, word: i64) -> i64 {
    let r = rt(r);
    let word = usize::try_from(word).ok().and_then(|w| TIME_WORDS.get(w));
    word.and_then(|w| times::anchor(w, r.as_of, r.tz)).unwrap_or(i64::MIN)
}

/// The time words `mosaic_time_word` takes, by index.
pub const TIME_WORDS: [crate::ir::Time; 4] =
    [crate::ir::Time::Now, crate::ir::Time::Today, crate::ir::Time::Yesterday, crate::ir::Time::Tomorrow];

/// Appends a qualifying value of a LIST or COUNT_DISTINCT attribute.
pub extern "C" fn mosaic_push(r: *mut Runtime, attr: i64, row: i64, bits: i64) {
    let r = rt(r);
    if let Some(v) = r.pushed.get_mut(attr as usize) {
        v.push((row, bits));
    }
}

/// Name, address and signature (parameter count of I64, F64-ness) of every helper.
pub struct Helper {
    pub name: &'static str,
    pub addr: *const u8,
    pub params: &'static [Ty],
    pub ret: Option<Ty>,
}

#[derive(Clone, Copy)]
pub enum Ty {
    I64,
    F64,
}

use Ty::{F64, I64};

pub fn all() -> Vec<Helper> {
    let h = |name, addr: *const u8, params, ret| Helper { name, addr, params, ret };
    vec![
        h("mosaic_str_method", mosaic_str_method as *const u8, &[I64, I64, I64, I64, I64][..], Some(I64)),
        h("mosaic_like", mosaic_like as *const u8, &[I64, I64, I64], Some(I64)),
        h("mosaic_matches", mosaic_matches as *const u8, &[I64, I64, I64], Some(I64)),
        h("mosaic_regex_group", mosaic_regex_group as *const u8, &[I64, I64, I64], Some(I64)),
        h("mosaic_case", mosaic_case as *const u8, &[I64, I64, I64], Some(I64)),
        h("mosaic_str_len", mosaic_str_len as *const u8, &[I64, I64], Some(I64)),
        h("mosaic_str_cmp", mosaic_str_cmp as *const u8, &[I64, I64, I64], Some(I64)),
        h("mosaic_cmp_int_double", mosaic_cmp_int_double as *const u8, &[I64, I64], Some(I64)),
        h("mosaic_fmod", mosaic_fmod as *const u8, &[F64, F64], Some(F64)),
        h("mosaic_date_to_ts", mosaic_date_to_ts as *const u8, &[I64, I64], Some(I64)),
        h("mosaic_date_part", mosaic_date_part as *const u8, &[I64, I64, I64, I64], Some(I64)),
        h("mosaic_current_part", mosaic_current_part as *const u8, &[I64, I64], Some(I64)),
        h("mosaic_time_word", mosaic_time_word as *const u8, &[I64, I64], Some(I64)),
        h("mosaic_push", mosaic_push as *const u8, &[I64, I64, I64, I64], None),
    ]
}
