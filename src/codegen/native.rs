//! `Native`: a compiled program, implementing `engine::Compiled` with native code plus fallback.

use super::jit::Jit;
use super::kernel::{self, KernelAttr};
use super::layout::{Env, Kind};
use super::translate::{Result, Sites, Unsupported};
use super::{fallback, Code};
use crate::engine::Compiled;
use crate::intern::Interner;
use crate::ir;
use std::sync::Arc;

pub(super) type KernelFn = unsafe extern "C" fn(*const Env);
pub(super) type AudienceFn = unsafe extern "C" fn(*const Env) -> i8;

pub(super) enum Slot {
    Native(AudienceFn),
    /// Index in the fallback program's audiences.
    Fallback(usize),
}

pub struct Native {
    pub(super) kernel: Option<KernelFn>,
    /// Kernel attributes: (index in the program, function, value kind, lookback).
    pub(super) kernel_attrs: Vec<(usize, ir::Function, Option<Kind>, Option<ir::Duration>)>,
    /// Program indexes of the attributes the interpreter evaluates, in its order.
    pub(super) fallback_attrs: Vec<usize>,
    pub(super) audiences: Vec<Slot>,
    pub(super) fallback: Option<Arc<dyn Compiled>>,
    pub(super) fallbacks: Vec<String>,
    /// The whole program in the interpreter, for profiles whose leaves have unexpected types.
    pub(super) slow: Option<Arc<dyn Compiled>>,
    pub(super) sites: Sites,
    pub(super) n_attrs: usize,
    pub(super) n_paths: usize,
    pub(super) interner: Arc<Interner>,
    // Last: the code is freed after the pointers above are gone.
    _code: Option<Code>,
}

impl Native {
    pub fn new(program: &ir::Program, interner: &Arc<Interner>) -> Result<Native> {
        let mut jit = Jit::new()?;
        let mut sites = Sites::default();
        let paths = &program.event_paths;
        let mut fallbacks = Vec::new();
        let (mut native, mut fallback_attrs) = (Vec::new(), Vec::new());
        for (i, a) in program.attributes.iter().enumerate() {
            let mut scratch = sites.clone();
            let mut kind = None;
            let check = jit.function(
                false,
                false,
                &mut scratch,
                paths,
                interner,
                Box::new(|t| {
                    kind = kernel::translate_attribute(t, a)?;
                    Ok(None)
                }),
            );
            match check {
                Ok(_) => native.push((i, kind)),
                Err(Unsupported(why)) => {
                    fallbacks.push(format!("attribute {}: {why}", a.name));
                    fallback_attrs.push(i);
                }
            }
        }
        let kattrs: Vec<KernelAttr> = native
            .iter()
            .map(|(i, kind)| KernelAttr { attr: &program.attributes[*i], kind: *kind })
            .collect();
        let mut ids = Vec::new();
        if !kattrs.is_empty() {
            let id = jit.function(
                false,
                true,
                &mut sites,
                paths,
                interner,
                Box::new(|t| {
                    kernel::build_kernel(t, &kattrs)?;
                    Ok(None)
                }),
            )?;
            ids.extend(id);
        }
        let mut slots = Vec::new();
        let mut fallback_auds = Vec::new();
        for a in &program.audiences {
            let saved = sites.clone();
            let built = jit.function(
                true,
                true,
                &mut sites,
                paths,
                interner,
                Box::new(|t| Ok(Some(t.truthy(&a.expr)?))),
            );
            match built {
                Ok(Some(id)) => {
                    slots.push(None);
                    ids.push(id);
                }
                Ok(None) | Err(_) => {
                    if let Err(Unsupported(why)) = built {
                        fallbacks.push(format!("audience {}: {why}", a.name));
                    }
                    sites = saved;
                    slots.push(Some(fallback_auds.len()));
                    fallback_auds.push(a.clone());
                }
            }
        }
        let code = jit.finalize(&ids)?;
        let mut ptrs = code.ptrs.iter().copied();
        // SAFETY: each pointer is a function finalized with the signature `fn(*const Env)` (the
        // kernel, first) or `fn(*const Env) -> i8` (audiences, in order), and `code` keeps it alive
        // for as long as `Native` exists.
        let kernel = (!kattrs.is_empty())
            .then(|| ptrs.next().map(|p| unsafe { std::mem::transmute::<*const u8, KernelFn>(p) }))
            .flatten();
        let mut audiences = Vec::new();
        for slot in slots {
            audiences.push(match slot {
                Some(i) => Slot::Fallback(i),
                // SAFETY: see above.
                None => match ptrs.next() {
                    Some(p) => Slot::Native(unsafe { std::mem::transmute::<*const u8, AudienceFn>(p) }),
                    None => return Err(Unsupported("missing audience function".into())),
                },
            });
        }
        let fallback = (!fallback_attrs.is_empty() || !fallback_auds.is_empty())
            .then(|| {
                let mut sub = program.clone();
                sub.attributes = fallback_attrs.iter().map(|i| program.attributes[*i].clone()).collect();
                sub.audiences = fallback_auds;
                fallback::interpreter(sub, interner)
            })
            .flatten();
        let kernel_attrs = native
            .iter()
            .map(|(i, kind)| {
                let a = &program.attributes[*i];
                (*i, a.function, *kind, a.duration)
            })
            .collect();
        let slow = match sites.leaves.is_empty() {
            true => None,
            false => fallback::interpreter(program.clone(), interner),
        };
        Ok(Native {
            slow,
            kernel,
            kernel_attrs,
            fallback_attrs,
            audiences,
            fallback,
            fallbacks,
            sites,
            n_attrs: program.attributes.len(),
            n_paths: paths.len(),
            interner: interner.clone(),
            _code: Some(code),
        })
    }

    /// A program with no native code at all (the Jit could not start): everything is null.
    pub(super) fn empty(program: &ir::Program, interner: &Arc<Interner>, why: Unsupported) -> Native {
        Native {
            slow: None,
            kernel: None,
            kernel_attrs: Vec::new(),
            fallback_attrs: Vec::new(),
            audiences: program.audiences.iter().enumerate().map(|(i, _)| Slot::Fallback(i)).collect(),
            fallback: None,
            fallbacks: vec![format!("everything: {}", why.0)],
            sites: Sites::default(),
            n_attrs: program.attributes.len(),
            n_paths: program.event_paths.len(),
            interner: interner.clone(),
            _code: None,
        }
    }

    /// The attributes and audiences that run in the interpreter, each with the reason.
    pub fn fallbacks(&self) -> &[String] {
        &self.fallbacks
    }
}
