//! Turns a pest error into one short diagnostic: ``expected expression, found `]` ``.

use super::parser::{ParseError, Rule};
use crate::diag::Code;
use pest::error::{Error, ErrorVariant, InputLocation};

const OCCURS_FORM: &str = "`before`, `after`, `on`, `between`, `this`, `last`, `next` or a comparison";
const AND: &str = "`and`";
const OPERATOR: &str = "operator";

/// What a grammar rule is called in an "expected …" message, and its place in the list.
fn describe(rule: Rule) -> Option<(u8, &'static str)> {
    Some(match rule {
        Rule::expr
        | Rule::or_expr
        | Rule::and_expr
        | Rule::not_expr
        | Rule::not_op
        | Rule::cmp_expr
        | Rule::add_expr
        | Rule::mul_expr
        | Rule::unary_expr
        | Rule::neg
        | Rule::postfix_expr
        | Rule::number
        | Rule::string
        | Rule::kw_true
        | Rule::kw_false
        | Rule::kw_null
        | Rule::kw_not
        | Rule::array
        | Rule::object
        | Rule::paren
        | Rule::quantifier
        | Rule::kw_exists
        | Rule::kw_forall
        | Rule::up_path
        | Rule::up
        | Rule::time_call
        | Rule::call_or_path
        | Rule::time => (0, "expression"),
        Rule::ident => (1, "name"),
        Rule::member_name => (1, "name"),
        Rule::entry => (2, "object key (a string)"),
        Rule::close_paren => (3, "`)`"),
        Rule::close_bracket => (4, "`]`"),
        Rule::close_brace => (5, "`}`"),
        Rule::comma => (6, "`,`"),
        Rule::colon => (7, "`:`"),
        Rule::kw_from => (8, "`from`"),
        Rule::kw_where => (9, "`where`"),
        Rule::occurs_distance
        | Rule::occurs_relative
        | Rule::occurs_on
        | Rule::occurs_between
        | Rule::occurs_calendar
        | Rule::kw_on
        | Rule::kw_between
        | Rule::calendar
        | Rule::kw_this
        | Rule::kw_last
        | Rule::kw_next => (10, OCCURS_FORM),
        Rule::count => (11, "number"),
        Rule::unit => (12, "time unit"),
        Rule::direction | Rule::kw_before | Rule::kw_after => (13, "`before` or `after`"),
        Rule::kw_and => (14, AND),
        Rule::cmp_op
        | Rule::cmp_bin
        | Rule::add_op
        | Rule::mul_op
        | Rule::kw_or
        | Rule::kw_in
        | Rule::kw_notIn
        | Rule::in_tail
        | Rule::kw_like
        | Rule::like_tail
        | Rule::kw_occurs
        | Rule::occurs_tail
        | Rule::member
        | Rule::filter
        | Rule::call_args => (14, OPERATOR),
        Rule::EOI => (15, "end of input"),
        _ => return None,
    })
}

/// The E0201 error for a failed pest parse.
pub fn syntax_error(text: &str, err: &Error<Rule>) -> ParseError {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
    .min(text.len());
    let mut expected: Vec<(u8, &str)> = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().filter_map(|r| describe(*r)).collect()
        }
        ErrorVariant::CustomError { .. } => vec![],
    };
    expected.sort();
    expected.dedup();
    // `and` alone is what `between … and …` lacks; next to other operators it is one of them.
    if expected.iter().any(|(_, s)| *s == OPERATOR) {
        expected.retain(|(_, s)| *s != AND);
    }
    // After `occurs`, the form list already names `before`/`after` and the comparisons.
    if expected.iter().any(|(_, s)| *s == OCCURS_FORM) {
        expected.retain(|(rank, _)| *rank <= 10);
    }
    let (found, len) = found_token(text, pos);
    if found == "`\"`" && !text[pos + 1..].contains('"') {
        return ParseError::new(
            Code::SyntaxError,
            pos..text.len(),
            "unterminated string",
            "string starts here",
        );
    }
    let list: Vec<&str> = expected.iter().map(|(_, s)| *s).collect();
    let (message, label) = match list.as_slice() {
        [] => (format!("unexpected {found}"), "unexpected here".to_string()),
        [.., _] => {
            let joined = join_or(&list);
            (format!("expected {joined}, found {found}"), format!("expected {joined}"))
        }
    };
    ParseError::new(Code::SyntaxError, pos..pos + len, message, label)
}

fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The token at `pos` as the message shows it, and its length in bytes.
fn found_token(text: &str, pos: usize) -> (String, usize) {
    let rest = &text[pos..];
    let Some(first) = rest.chars().next() else {
        return ("end of input".to_string(), 0);
    };
    let len = if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len())
    } else if ["<=", ">=", "!="].iter().any(|op| rest.starts_with(op)) {
        2
    } else {
        first.len_utf8()
    };
    (format!("`{}`", &rest[..len]), len)
}
