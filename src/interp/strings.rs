//! String methods and `like`.

use super::eval::arg;
use crate::ir::{Func, RegexLit};
use crate::value::Value;
use std::cell::RefCell;
use std::collections::HashMap;

/// `s.startsWith(x[, caseSensitive])` and the other prefix/suffix/containment/equality tests.
/// The flag defaults to true (a null or non-bool flag counts as true); case-insensitive tests
/// compare the `to_lowercase` of both strings. A null (or non-string) receiver or argument
/// makes every test false, the negated ones (`doesNot…`, `notEqualTo`) included; otherwise a
/// negated test is the negation of its positive form.
pub fn eval_string_test(func: &Func, vals: &[Value]) -> bool {
    let (Value::String(s), Value::String(x)) = (arg(vals, 0), arg(vals, 1)) else {
        return false;
    };
    let sensitive = !matches!(arg(vals, 2), Value::Bool(false));
    let (s, x) =
        if sensitive { (s.to_string(), x.to_string()) } else { (s.to_lowercase(), x.to_lowercase()) };
    match func {
        Func::StartsWith => s.starts_with(&x),
        Func::EndsWith => s.ends_with(&x),
        Func::Contains => s.contains(&x),
        Func::Equals => s == x,
        Func::NotEqualTo => s != x,
        Func::DoesNotStartWith => !s.starts_with(&x),
        Func::DoesNotEndWith => !s.ends_with(&x),
        Func::DoesNotContain => !s.contains(&x),
        _ => false,
    }
}

thread_local! {
    /// Whole-string forms of `matches` patterns, compiled once per thread.
    static ANCHORED: RefCell<HashMap<String, Option<regex::Regex>>> = RefCell::new(HashMap::new());
}

/// `s.matches(re)`: true when the WHOLE string matches (as Java's `String.matches`), i.e. the
/// pattern `^(?:re)$`; false for a null or non-string receiver.
pub fn eval_matches(re: &RegexLit, vals: &[Value]) -> bool {
    let Value::String(s) = arg(vals, 0) else {
        return false;
    };
    ANCHORED.with(|cache| {
        let mut cache = cache.borrow_mut();
        let anchored = cache
            .entry(re.pattern.clone())
            .or_insert_with(|| regex::Regex::new(&format!("^(?:{})$", re.pattern)).ok());
        anchored.as_ref().is_some_and(|r| r.is_match(s))
    })
}

/// `s.regexGroup(re, n)`: group `n` (0 = the whole match) of the first match of `re` anywhere
/// in `s`; null when there is no match, the group did not take part, `n` is out of range or
/// not an int, or `s` is not a string.
pub fn eval_regex_group(re: &RegexLit, vals: &[Value]) -> Value {
    let (Value::String(s), Value::Int(n)) = (arg(vals, 0), arg(vals, 1)) else {
        return Value::Null;
    };
    let Ok(n) = usize::try_from(*n) else {
        return Value::Null;
    };
    re.regex.captures(s).and_then(|c| c.get(n)).map_or(Value::Null, |m| Value::string(m.as_str()))
}

/// `s.lower()` / `s.upper()`: Unicode case mapping; null for a non-string.
pub fn eval_case(upper: bool, vals: &[Value]) -> Value {
    match arg(vals, 0) {
        Value::String(s) if upper => Value::string(s.to_uppercase()),
        Value::String(s) => Value::string(s.to_lowercase()),
        _ => Value::Null,
    }
}

/// `e.length()`: characters (Unicode scalar values) of a string, elements of an array; null
/// for anything else.
pub fn eval_length(vals: &[Value]) -> Value {
    match arg(vals, 0) {
        Value::String(s) => Value::Int(s.chars().count() as i64),
        Value::Array(a) => Value::Int(a.len() as i64),
        _ => Value::Null,
    }
}

/// `s like "pat"`: `%` matches any run of characters (also empty), `_` exactly one character,
/// anything else itself; the whole string must match, case-sensitively. There is no escape
/// character. False for a null or non-string `s`.
pub fn eval_like(v: &Value, pattern: &str) -> bool {
    let Value::String(s) = v else {
        return false;
    };
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    like_match(&s, &p)
}

/// Greedy wildcard matching with backtracking to the last `%` (linear in practice, never
/// exponential).
fn like_match(s: &[char], p: &[char]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '_' || (p[pi] != '%' && p[pi] == s[si])) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '%')
}
