//! What `#[traced]` may be applied to: parses the annotated item and rejects
//! every item it cannot instrument, with an error on the offending token.
//!
//! The item is parsed as a [`syn::Item`] first, not straight as an
//! [`ItemFn`], so that a misplaced attribute gets a message naming what it
//! was placed on ("not a struct") instead of syn's "expected `fn`". A
//! function declaration without a body (a required trait method, a foreign
//! function) comes back from syn as [`Item::Verbatim`] and is recognised by
//! re-parsing it as a bodiless signature.
//!
//! Rejected, each for a reason the message states:
//! - a `const fn`: spans read a clock and a thread-local stack at run time,
//!   which const evaluation cannot do;
//! - any item that is not a function;
//! - a function without a body: there is no call to bound.
//!
//! [`arguments`] then checks the arguments that depend on the function:
//! - `args(..)` names parameters bound by a plain name (`id: u64`,
//!   `mut id: u64`). Not `self` (record what is needed from it with
//!   `attrs(key = self.field)`), and not the names inside a destructuring
//!   pattern (`(x, y): (i32, i32)`), which are not parameters of their own
//!   (`attrs(x = x)` records them);
//! - `ret` needs a value whose type can be named: not `()`, `!`, a type
//!   containing `impl Trait`, nor a future whose `Output` is not spelled
//!   out (see `shape::Output`);
//! - `err(%)` / `err(?)` needs a value at all: not `()` or `!`. Whether
//!   the value is a `Result` is the compiler's to say (aliases hide it),
//!   at the `err` keyword, where the rendering code is located.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser as _};
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, FnArg, Ident, Item, ItemFn, Pat, Signature, Token, Visibility};

use crate::args::Args;
use crate::attributes::FieldValue;
use crate::shape::{Flavor, Output};

/// Parses the annotated item and checks that `#[traced]` can instrument it.
pub(crate) fn function(item: TokenStream) -> syn::Result<ItemFn> {
    match syn::parse2::<Item>(item)? {
        Item::Fn(function) => {
            if let Some(constness) = &function.sig.constness {
                return Err(syn::Error::new(
                    constness.span,
                    "#[traced] cannot be applied to a `const fn`: spans need a clock at run time \
                     (remove `const`, or remove #[traced])",
                ));
            }
            Ok(function)
        }
        Item::Verbatim(tokens) => Err(match bodiless_fn.parse2(tokens.clone()) {
            Ok((signature, semi)) => syn::Error::new_spanned(
                quote!(#signature #semi),
                "#[traced] needs a function body: this declaration has none, so there is no call to trace \
                 (for a trait method without a default body, put #[traced] on the method in each `impl`)",
            ),
            Err(_) => not_a_function(tokens, "this item"),
        }),
        other => Err(misplaced(&other)),
    }
}

/// Checks the arguments that depend on the function (see the module docs).
pub(crate) fn arguments(args: &Args, function: &ItemFn) -> syn::Result<()> {
    let mut errors = args
        .fields()
        .iter()
        .filter_map(|field| match &field.value {
            FieldValue::Parameter(name) => parameter(name, &function.sig).err(),
            _ => None,
        })
        .chain(
            args.ret()
                .and_then(|ret| returned_value(ret.keyword.span, function).err()),
        )
        .chain(
            args.error_render_keyword()
                .and_then(|keyword| rendered_error(keyword.span, function).err()),
        );
    let Some(mut first) = errors.next() else {
        return Ok(());
    };
    for error in errors {
        first.combine(error);
    }
    Err(first)
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
fn rendered_error(err: proc_macro2::Span, function: &ItemFn) -> syn::Result<()> {
    match Flavor::of(function).output(&function.sig.output) {
        Some(Output::Unit | Output::Never) => Err(syn::Error::new(
            err,
            "`err(..)` chooses how an `Err` result is rendered, but this function returns \
             nothing: remove it",
        )),
        _ => Ok(()),
    }
}

/// Checks that `ret` has a value to record.
fn returned_value(ret: proc_macro2::Span, function: &ItemFn) -> syn::Result<()> {
    let flavor = Flavor::of(function);
    let message = match flavor.output(&function.sig.output) {
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

/// Parses `attrs vis sig;`: a function declared without a body.
fn bodiless_fn(input: ParseStream) -> syn::Result<(Signature, Token![;])> {
    input.call(Attribute::parse_outer)?;
    input.parse::<Visibility>()?;
    let signature = input.parse()?;
    let semi = input.parse()?;
    Ok((signature, semi))
}

/// The error for an item that is not a function, spanned at its keyword and
/// name so the caret does not cover a whole struct or module body.
fn misplaced(item: &Item) -> syn::Error {
    let (head, what) = match item {
        Item::Const(i) => (head(&i.const_token, &i.ident), "a const"),
        Item::Enum(i) => (head(&i.enum_token, &i.ident), "an enum"),
        Item::ExternCrate(i) => (head(&i.crate_token, &i.ident), "an `extern crate`"),
        Item::ForeignMod(i) => (i.abi.to_token_stream(), "an `extern` block"),
        Item::Impl(i) => {
            let (impl_token, self_ty) = (&i.impl_token, &i.self_ty);
            return syn::Error::new_spanned(
                quote!(#impl_token #self_ty),
                "#[traced] cannot be applied to an `impl` block: put #[traced] on each method \
                 inside it that should get a span",
            );
        }
        Item::Macro(i) => (i.mac.path.to_token_stream(), "a macro invocation"),
        Item::Mod(i) => (head(&i.mod_token, &i.ident), "a module"),
        Item::Static(i) => (head(&i.static_token, &i.ident), "a static"),
        Item::Struct(i) => (head(&i.struct_token, &i.ident), "a struct"),
        Item::Trait(i) => {
            let (trait_token, ident) = (&i.trait_token, &i.ident);
            return syn::Error::new_spanned(
                quote!(#trait_token #ident),
                "#[traced] cannot be applied to a trait: put #[traced] on each method that has a \
                 body, in the trait (default methods) or in its `impl`s",
            );
        }
        Item::TraitAlias(i) => (head(&i.trait_token, &i.ident), "a trait alias"),
        Item::Type(i) => (head(&i.type_token, &i.ident), "a type alias"),
        Item::Union(i) => (head(&i.union_token, &i.ident), "a union"),
        Item::Use(i) => (i.use_token.to_token_stream(), "a `use` declaration"),
        other => (other.to_token_stream(), "this item"),
    };
    not_a_function(head, what)
}

/// `keyword name`, the part of an item an error points at.
fn head(keyword: &impl ToTokens, name: &impl ToTokens) -> TokenStream {
    quote!(#keyword #name)
}

fn not_a_function(tokens: TokenStream, what: &str) -> syn::Error {
    syn::Error::new_spanned(
        tokens,
        format!(
            "#[traced] can only be applied to a function or method, not to {what}: \
             move it onto the `fn` whose calls should become spans"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(item: &str) -> String {
        match function(item.parse().unwrap()) {
            Ok(_) => panic!("`{item}` should be rejected"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn accepts_functions_and_methods() {
        for item in [
            "fn f() {}",
            "pub async unsafe fn f(&self) -> u8 { 1 }",
            "extern \"C\" fn f(x: i32) -> i32 { x }",
            "fn f<'a, T: Clone, const N: usize>(x: &'a [T; N]) -> &'a T where T: Copy { &x[0] }",
        ] {
            assert!(function(item.parse().unwrap()).is_ok(), "{item}");
        }
    }

    #[test]
    fn rejects_const_fn() {
        assert!(error("const fn f() -> u8 { 1 }").contains("`const fn`"));
    }

    #[test]
    fn rejects_non_functions() {
        assert!(error("struct S;").contains("not to a struct"));
        assert!(error("mod m {}").contains("not to a module"));
        assert!(error("impl S { fn f() {} }").contains("on each method"));
    }

    #[test]
    fn rejects_functions_without_body() {
        assert!(error("fn f(&self) -> u8;").contains("needs a function body"));
        assert!(error("pub fn f();").contains("needs a function body"));
    }

    fn arguments_error(args: &str, item: &str) -> Option<String> {
        let args: Args = syn::parse_str(args).unwrap();
        let item = function(item.parse().unwrap()).unwrap();
        arguments(&args, &item).err().map(|error| error.to_string())
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
