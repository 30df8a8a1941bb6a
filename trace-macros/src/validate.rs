//! The arguments checked against the function they annotate, on the one
//! parsed view (`ast::Traced`): what the function's signature and output,
//! classified once there, make meaningless.
//!
//! - `args(..)` names parameters bound by a plain name (`id: u64`,
//!   `mut id: u64`). Not `self` (record what is needed from it with
//!   `attrs(key = self.field)`), and not the names inside a destructuring
//!   pattern (`(x, y): (i32, i32)`), which are not parameters of their own
//!   (`attrs(x = x)` records them);
//! - `ret` needs a value whose type can be named: not `()`, `!`, a type
//!   containing `impl Trait`, nor a future whose `Output` is not spelled
//!   out (see `ast::Output`);
//! - `err(%)` / `err(?)` needs a value at all: not `()` or `!`. Whether
//!   the value is a `Result` is the compiler's to say (aliases hide it),
//!   at the `err` keyword, where the rendering code is located.
//!
//! What the attribute may be applied to at all (a function with a body,
//! not a `const fn`) is settled while building the view, in `ast`.

use proc_macro2::Span;
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{FnArg, Ident, Pat, Signature};

use crate::ast::{Output, Traced};
use crate::attributes::FieldValue;

impl Traced {
    /// Checks the arguments that depend on the function (see the module docs).
    pub(crate) fn validate(&self) -> syn::Result<()> {
        let args = &self.args;
        let mut errors = args
            .fields()
            .iter()
            .filter_map(|field| match &field.value {
                FieldValue::Parameter(name) => parameter(name, &self.func.sig).err(),
                _ => None,
            })
            .chain(
                args.ret()
                    .and_then(|ret| returned_value(ret.keyword.span, self.output.as_ref()).err()),
            )
            .chain(
                args.error_render_keyword()
                    .and_then(|keyword| rendered_error(keyword.span, self.output.as_ref()).err()),
            );
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}

/// Checks that `args(name)` names a parameter bound by a plain name.
fn parameter(name: &Ident, sig: &Signature) -> syn::Result<()> {
    if name == "self" {
        return Err(syn::Error::new(
            name.span(),
            "`args` cannot record `self`: record what you need from it with \
             `attrs(key = self.field)` (or `attrs(key = %self)` / `attrs(key = ?self)`)",
        ));
    }
    let mut named = Vec::new();
    for input in &sig.inputs {
        let FnArg::Typed(typed) = input else {
            continue;
        };
        match &*typed.pat {
            Pat::Ident(binding) if binding.subpat.is_none() => {
                if binding.ident == *name {
                    return Ok(());
                }
                named.push(format!("`{}`", binding.ident));
            }
            pattern => {
                if binds(pattern, name) {
                    return Err(syn::Error::new(
                        name.span(),
                        format!(
                            "`{name}` is bound inside the pattern `{}`, which `args` cannot \
                             name: `args` records whole parameters; record `{name}` with \
                             `attrs({name} = {name})`",
                            pattern.to_token_stream().to_string().replace(" ,", ",")
                        ),
                    ));
                }
            }
        }
    }
    let known = if named.is_empty() {
        String::from("this function has no parameter that `args` can name")
    } else {
        format!("the parameters are {}", named.join(", "))
    };
    Err(syn::Error::new(
        name.span(),
        format!("`args` names `{name}`, but there is no parameter `{name}`: {known}"),
    ))
}

/// Whether `pattern` binds `name` somewhere inside it.
fn binds(pattern: &Pat, name: &Ident) -> bool {
    struct Bindings<'a> {
        name: &'a Ident,
        found: bool,
    }
    impl VisitMut for Bindings<'_> {
        fn visit_pat_ident_mut(&mut self, binding: &mut syn::PatIdent) {
            self.found |= binding.ident == *self.name;
            visit_mut::visit_pat_ident_mut(self, binding);
        }
    }
    let mut bindings = Bindings { name, found: false };
    bindings.visit_pat_mut(&mut pattern.clone());
    bindings.found
}

/// Checks that `err(%)` / `err(?)` has a value that may be an error.
fn rendered_error(err: Span, output: Option<&Output>) -> syn::Result<()> {
    match output {
        Some(Output::Unit | Output::Never) => Err(syn::Error::new(
            err,
            "`err(..)` chooses how an `Err` result is rendered, but this function returns \
             nothing: remove it",
        )),
        _ => Ok(()),
    }
}

/// Checks that `ret` has a value to record.
fn returned_value(ret: Span, output: Option<&Output>) -> syn::Result<()> {
    let message = match output {
        Some(Output::Named(_)) => return Ok(()),
        Some(Output::Unit) => {
            "`ret` records the return value, but this function returns nothing: remove `ret`"
        }
        Some(Output::Never) => {
            "`ret` records the return value, but this function returns nothing \
             (it returns `!`, it never returns): remove `ret`"
        }
        Some(Output::Opaque(_)) => {
            "`ret` cannot record a return type containing `impl Trait`: its type cannot be \
             named in the function; return a concrete type, or record the value with \
             `trace_runtime::add_attribute` before returning it"
        }
        None => {
            "`ret` cannot find the type of the value the returned future produces: write the \
             return type as `impl Future<Output = T>`, or record the value with \
             `trace_runtime::add_attribute`"
        }
    };
    Err(syn::Error::new(ret, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arguments_error(args: &str, item: &str) -> Option<String> {
        let Ok(traced) = Traced::from_syn(args.parse().unwrap(), item.parse().unwrap()) else {
            panic!("#[traced({args})] {item} should parse");
        };
        traced.validate().err().map(|error| error.to_string())
    }

    #[test]
    fn args_must_name_plain_parameters() {
        assert_eq!(
            arguments_error("args(a, b)", "fn f(a: u8, mut b: u8) {}"),
            None
        );
        let message = arguments_error("args(c)", "fn f(&self, a: u8, b: u8) {}").unwrap();
        assert!(
            message.contains("no parameter `c`: the parameters are `a`, `b`"),
            "{message}"
        );
        let message = arguments_error("args(self)", "fn f(&self) {}").unwrap();
        assert!(message.contains("cannot record `self`"), "{message}");
        let message = arguments_error("args(x)", "fn f((x, y): (u8, u8)) {}").unwrap();
        assert!(message.contains("bound inside the pattern"), "{message}");
        assert!(message.contains("attrs(x = x)"), "{message}");
        let message = arguments_error("args(x)", "fn f(P { x, .. }: P) {}").unwrap();
        assert!(message.contains("bound inside the pattern"), "{message}");
    }

    #[test]
    fn ret_needs_a_nameable_value() {
        for item in [
            "fn f() -> u8 { 1 }",
            "fn f(s: &str) -> Result<&str, E> { Ok(s) }",
            "async fn f() -> u8 { 1 }",
            "fn f() -> impl Future<Output = u8> { async { 1 } }",
        ] {
            assert_eq!(arguments_error("ret", item), None, "{item}");
        }
        for (item, expected) in [
            ("fn f() {}", "returns nothing"),
            ("fn f() -> () {}", "returns nothing"),
            ("async fn f() {}", "returns nothing"),
            ("fn f() -> ! { loop {} }", "never returns"),
            ("fn f() -> impl Display { 1 }", "`impl Trait`"),
            (
                "fn f() -> BoxFuture<u8> { Box::pin(async { 1 }) }",
                "returned future",
            ),
        ] {
            let message = arguments_error("ret", item).unwrap();
            assert!(message.contains(expected), "{item}: {message}");
        }
    }

    #[test]
    fn err_rendering_needs_a_value() {
        assert_eq!(
            arguments_error("err(%)", "fn f() -> io::Result<()> { Ok(()) }"),
            None
        );
        assert_eq!(arguments_error("err = false", "fn f() {}"), None);
        let message = arguments_error("err(?)", "async fn f() {}").unwrap();
        assert!(message.contains("returns nothing"), "{message}");
    }
}
