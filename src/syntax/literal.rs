//! Decoding of literal tokens (numbers, string escapes) into values, with the reason a bad one fails.

use super::ast::Literal;

/// Decodes a `number` token: an integer when it has neither `.` nor an exponent, else a double.
pub fn decode_number(text: &str) -> Result<Literal, String> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .map(Literal::Int)
            .map_err(|_| format!("integer `{text}` is out of range"));
    }
    match text.parse::<f64>() {
        Ok(d) if d.is_finite() => Ok(Literal::Double(d)),
        _ => Err(format!("number `{text}` is out of range")),
    }
}

/// Decodes the text between the quotes of a string literal. On a bad escape, returns its byte
/// offset within `raw` and length, with the reason.
pub fn decode_string(raw: &str) -> Result<String, (usize, usize, String)> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((i, 1, "unfinished escape at the end of the string".to_string()));
        };
        let simple = match e {
            '"' => Some('"'),
            '\\' => Some('\\'),
            '/' => Some('/'),
            'n' => Some('\n'),
            't' => Some('\t'),
            'r' => Some('\r'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            continue;
        }
        if e != 'u' {
            return Err((i, 1 + e.len_utf8(), format!("unknown escape `\\{e}` in string")));
        }
        let first = hex4(raw, i + 2).ok_or_else(|| bad_unicode(raw, i))?;
        skip(&mut chars, 4);
        let code = if (0xD800..0xDC00).contains(&first) {
            // A high surrogate must be followed by `\uDC00`..`\uDFFF`, as in JSON.
            let low = raw.get(i + 6..i + 8).filter(|s| *s == "\\u").and_then(|_| hex4(raw, i + 8));
            match low {
                Some(low) if (0xDC00..0xE000).contains(&low) => {
                    skip(&mut chars, 6);
                    0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                }
                _ => return Err((i, 6, "unpaired surrogate in `\\u` escape".to_string())),
            }
        } else {
            first
        };
        match char::from_u32(code) {
            Some(c) => out.push(c),
            None => return Err((i, 6, "unpaired surrogate in `\\u` escape".to_string())),
        }
    }
    Ok(out)
}

fn skip(chars: &mut impl Iterator<Item = (usize, char)>, n: usize) {
    for _ in 0..n {
        chars.next();
    }
}

fn hex4(raw: &str, at: usize) -> Option<u32> {
    let digits = raw.get(at..at + 4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

fn bad_unicode(raw: &str, at: usize) -> (usize, usize, String) {
    let len = raw[at..].chars().take(6).map(char::len_utf8).sum();
    (at, len, "`\\u` must be followed by four hex digits".to_string())
}

/// Escapes a string for printing inside double quotes, so that `decode_string` gives it back.
pub fn escape_string(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

/// Formats a double so that it reads back to the same value and always as a double.
pub fn format_double(d: f64) -> String {
    // `{:?}` is the shortest text that round-trips and always has a `.` or an exponent.
    format!("{d:?}")
}
