//! The checker's state: the scope stack, diagnostics with file positions, and path resolution.

use super::types;
use crate::diag::suggest;
use crate::diag::{Code, Diagnostic};
use crate::ir::{self, Type};
use crate::policy::ExprSource;
use crate::syntax::ast;
use std::collections::BTreeMap;
use std::ops::Range;

/// What every expression of a project is checked against.
#[derive(Debug, Clone)]
pub struct Env {
    pub profile: Type,
    pub event: Type,
    /// How messages name the scopes: "dataset `web`" when one dataset feeds it, else "events".
    pub profile_desc: String,
    pub event_desc: String,
    /// Output paths of the computed attributes (an attribute may not read them).
    pub attribute_paths: Vec<Vec<String>>,
}

/// One level of the scope stack: the value bare paths read from.
#[derive(Debug, Clone)]
pub struct Scope {
    pub ty: Type,
    /// The quantifier variable that names this scope (`exists X from …`).
    pub var: Option<String>,
    /// Whether the scope's value is an event (its paths are recorded as event paths).
    pub events: bool,
    pub desc: String,
}

/// Checks one expression: collects diagnostics and the event paths it reads.
pub struct Checker<'a> {
    pub src: &'a ExprSource,
    pub env: &'a Env,
    pub diags: Vec<Diagnostic>,
    pub scopes: Vec<Scope>,
    pub event_paths: BTreeMap<Vec<String>, Type>,
    /// Set while checking a computed attribute (it may not read other attributes).
    pub in_attribute: bool,
    /// The attribute's lookback in microseconds, for W0003, with its text.
    pub window: Option<(i64, String)>,
    /// Quantifier variables bound anywhere in the expression (to tell E0213 from E0204).
    pub all_vars: Vec<String>,
}

impl<'a> Checker<'a> {
    pub fn new(src: &'a ExprSource, env: &'a Env) -> Self {
        let profile =
            Scope { ty: env.profile.clone(), var: None, events: false, desc: env.profile_desc.clone() };
        Checker {
            src,
            env,
            diags: Vec::new(),
            scopes: vec![profile],
            event_paths: BTreeMap::new(),
            in_attribute: false,
            window: None,
            all_vars: Vec::new(),
        }
    }

    /// The file range of an expression span.
    pub fn file_span(&self, span: &Range<usize>) -> Range<usize> {
        self.src.to_file(span.clone())
    }

    /// Reports a diagnostic whose primary label is at `span` (expression text).
    pub fn report(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: &Range<usize>,
        label: impl Into<String>,
    ) {
        let d = Diagnostic::new(code, message).at(self.src.file, self.file_span(span), label);
        self.diags.push(d);
    }

    /// Reports with a note.
    pub fn report_note(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: &Range<usize>,
        label: impl Into<String>,
        note: impl Into<String>,
    ) {
        let d = Diagnostic::new(code, message).at(self.src.file, self.file_span(span), label).with_note(note);
        self.diags.push(d);
    }

    /// An error placeholder: typed `any` so that nothing further is reported about it.
    pub fn poison(&self, span: &Range<usize>) -> ir::Expr {
        ir::Expr {
            kind: ir::ExprKind::Const(crate::value::Value::Null),
            ty: Type::Any,
            span: self.file_span(span),
        }
    }

    pub fn expr(&self, kind: ir::ExprKind, ty: Type, span: &Range<usize>) -> ir::Expr {
        ir::Expr { kind, ty, span: self.file_span(span) }
    }

    /// Runs `f` with a new innermost scope; returns the scope's number and `f`'s result.
    pub fn scoped<T>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> T) -> (u32, T) {
        self.scopes.push(scope);
        let depth = (self.scopes.len() - 1) as u32;
        let out = f(self);
        self.scopes.pop();
        (depth, out)
    }

    /// Resolves `^…^.a.b` or `X.a.b` or `a.b` to a scoped path (not `xEvent`).
    pub fn check_path(&mut self, up: u32, segments: &[ast::Ident], span: &Range<usize>) -> ir::Expr {
        let depth = self.scopes.len() - 1;
        let (scope, rest) = match self.bound_var(up, segments) {
            Some(i) => (i, &segments[1..]),
            None if up as usize > depth => {
                let msg =
                    if depth == 0 { "`^` used at the top level" } else { "`^` climbs out of every scope" };
                self.report(Code::UpOutsideScope, msg, span, "there is no enclosing scope here");
                return self.poison(span);
            }
            None => (depth - up as usize, segments),
        };
        let names: Vec<String> = rest.iter().map(|s| s.node.clone()).collect();
        if self.in_attribute && scope == 0 && self.reads_attribute(&names) {
            let shown = names.join(".");
            self.report(
                Code::AttributeRefersToAttribute,
                format!("computed attribute reads computed attribute path `{shown}`"),
                span,
                "computed attributes may not read other computed attributes",
            );
            return self.poison(span);
        }
        let Some(ty) = self.resolve(scope, rest, up == 0) else { return self.poison(span) };
        let known = self.scopes[scope].ty != Type::Any && !(scope == 0 && self.reads_attribute(&names));
        if ty == Type::Any && !rest.is_empty() && known {
            let shown = names.join(".");
            self.report(
                Code::UninferredPath,
                format!("type of `{shown}` is unknown"),
                span,
                "declare its type in the dataset's `schema` to check it",
            );
        }
        if self.scopes[scope].events && !names.is_empty() {
            self.event_paths.insert(names.clone(), ty.clone());
        }
        self.expr(ir::ExprKind::Path { scope: scope as u32, path: names }, ty, span)
    }

    /// The scope bound to the path's first segment as a quantifier variable.
    fn bound_var(&self, up: u32, segments: &[ast::Ident]) -> Option<usize> {
        let first = &segments.first()?.node;
        if up != 0 {
            return None;
        }
        self.scopes.iter().rposition(|s| s.var.as_deref() == Some(first.as_str()))
    }

    fn reads_attribute(&self, names: &[String]) -> bool {
        self.env.attribute_paths.iter().any(|p| {
            let n = p.len().min(names.len());
            n > 0 && p[..n] == names[..n]
        })
    }

    /// The type of `segs` in scope `scope`, reporting the first unknown segment.
    fn resolve(&mut self, scope: usize, segs: &[ast::Ident], may_be_var: bool) -> Option<Type> {
        let mut cur = self.scopes[scope].ty.clone();
        let mut projected = false;
        for (i, seg) in segs.iter().enumerate() {
            while let Type::Array(e) = cur {
                cur = *e;
                projected = true;
            }
            let next = match &cur {
                Type::Any => return Some(Type::Any),
                Type::Object(fields) => fields.get(&seg.node).cloned(),
                _ => None,
            };
            match next {
                Some(t) => cur = t,
                None => {
                    let siblings: Vec<&str> = match &cur {
                        Type::Object(f) => f.keys().map(String::as_str).collect(),
                        _ => Vec::new(),
                    };
                    self.unknown_segment(scope, &segs[..=i], i == 0 && may_be_var, &siblings);
                    return None;
                }
            }
        }
        Some(if projected { Type::Array(Box::new(cur)) } else { cur })
    }

    fn unknown_segment(&mut self, scope: usize, segs: &[ast::Ident], may_be_var: bool, siblings: &[&str]) {
        let Some(bad) = segs.last() else { return };
        if may_be_var && (self.all_vars.contains(&bad.node) || looks_like_var(&bad.node)) {
            let msg = format!("unknown variable `{}`", bad.node);
            self.report(Code::UnknownVariable, msg, &bad.span, "not bound by an enclosing `exists`/`forall`");
            return;
        }
        // The path up to the bad segment, so a nested typo names its parent too.
        let shown: Vec<&str> = segs.iter().map(|s| s.node.as_str()).collect();
        let msg = format!("unknown field `{}` in {}", shown.join("."), self.scopes[scope].desc);
        // A field of an enclosing scope (the profile, from inside `xEvent[…]`) needs `^`.
        if segs.len() == 1 {
            let outer = (0..scope)
                .rev()
                .find(|&i| matches!(&self.scopes[i].ty, Type::Object(f) if f.contains_key(&bad.node)));
            if let Some(i) = outer {
                let carets = "^.".repeat(scope - i);
                let label = format!("did you mean `{carets}{}`?", bad.node);
                self.report(Code::UnknownPath, msg, &bad.span, label);
                return;
            }
        }
        match suggest::closest(&bad.node, siblings.iter().copied()) {
            Some(s) => self.report(Code::UnknownPath, msg, &bad.span, format!("did you mean `{s}`?")),
            None => self.report(Code::UnknownPath, msg, &bad.span, "no such field"),
        }
    }

    /// Types a field read on a computed value (`….head().value`).
    pub fn field_type(&mut self, target: &Type, name: &ast::Ident) -> Option<Type> {
        let (inner, projected) = match target {
            Type::Array(e) => ((**e).clone(), true),
            t => (t.clone(), false),
        };
        let found = match &inner {
            Type::Any => Some(Type::Any),
            Type::Object(fields) => fields.get(&name.node).cloned(),
            _ => None,
        };
        match found {
            Some(t) if projected => Some(Type::Array(Box::new(t))),
            Some(t) => Some(t),
            None => {
                let siblings: Vec<&str> = match &inner {
                    Type::Object(f) => f.keys().map(String::as_str).collect(),
                    _ => Vec::new(),
                };
                let msg = format!("unknown field `{}` in {}", name.node, types::name(target));
                let label = match suggest::closest(&name.node, siblings.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "no such field".to_string(),
                };
                self.report(Code::UnknownPath, msg, &name.span, label);
                None
            }
        }
    }
}

/// Quantifier variables are conventionally capitalised short names (`X`, `E1`).
fn looks_like_var(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && s.len() <= 2
}
