//! Turning an `async fn` into the plain function it stands for, so that its
//! span can open at the call.
//!
//! An `async fn` runs nothing until its future is first polled. A span
//! opened in its body would therefore start at the first poll and miss the
//! time the future waited before it (in a `join_all`, a queue, a `select!`
//! that polls it late), and a future dropped unpolled would leave no span.
//! So the function is written as what the compiler makes of it anyway, a
//! plain `fn` returning `impl Future<Output = R>` whose body is an
//! `async move` block, and the span is opened in the plain function, before
//! the block is built ([`desugar`] shows the transform).
//!
//! What the compiler's own lowering guarantees, and this one keeps:
//!
//! - **Every parameter moves into the future**, used or not, so a
//!   `_: Guard` or an unused `guard: Guard` is dropped when the future ends,
//!   not at the call, and in the same order (parameters after the body's
//!   locals, the last one first). A parameter bound by a plain name is moved
//!   by `let name = name;`; any other pattern (`_`, `(a, b)`, `ref x`,
//!   `Point { x, .. }`, `x @ ..`) is bound to a fresh `__traced_arg_N` in
//!   the signature and destructured inside the block, so `ref` and `mut`
//!   keep meaning what they mean in an `async fn`. `mut x` becomes `x` in
//!   the signature and `let mut x = x;` inside (the binding that is
//!   mutated). `self`, in any form, is moved by a borrow of it, which a
//!   `move` block captures by value.
//! - **Lifetimes.** The `impl` token is the macro's own (call-site span),
//!   so the return type follows the macro crate's edition, 2024, whose
//!   `impl Trait` captures every lifetime in scope, elided ones included,
//!   like an `async fn` does, also in crates on edition 2021.
//! - **Auto traits** leak through `impl Future` as they do through an
//!   `async fn`'s future: the future is `Send` exactly when the body's is.
//!
//! A few functions keep their `async fn` and the span opens at the first
//! poll, as before (see [`rewritable`]).

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;
use syn::{Attribute, FnArg, Ident, Pat, PatIdent, ReturnType, Signature};

use crate::ast::Output;

/// Whether the `async fn` may be turned into a plain function. Not when:
///
/// - it returns `!` (`impl Future<Output = !>` is not stable Rust);
/// - another attribute follows `#[traced]` that is not one of the
///   compiler's inert ones: an attribute macro there expands after
///   `#[traced]` and may need the `async fn` itself (`#[tokio::main]` and
///   `#[tokio::test]` reject a function that is not `async`);
/// - it is `#[must_use]`: on an `async fn` that attribute also warns when
///   the *awaited value* is unused, which no attribute on a function
///   returning `impl Future` can express (and clippy would flag the
///   double `must_use` of such a function).
pub(crate) fn rewritable(attrs: &[Attribute], output: Option<&Output>) -> bool {
    !matches!(output, Some(Output::Never)) && attrs.iter().all(is_inert)
}

/// Attributes that mean the same on an `async fn` and on the plain function.
fn is_inert(attr: &Attribute) -> bool {
    let path = attr.path();
    if path.segments.len() == 2 {
        // Tool attributes: `#[clippy::..]`, `#[rustfmt::..]`, `#[diagnostic::..]`.
        return path.segments.first().is_some_and(|tool| {
            ["clippy", "rustfmt", "diagnostic"]
                .iter()
                .any(|t| tool.ident == t)
        });
    }
    [
        "doc",
        "allow",
        "warn",
        "deny",
        "forbid",
        "expect",
        "inline",
        "cold",
        "deprecated",
        "cfg",
    ]
    .iter()
    .any(|name| path.is_ident(name))
}

/// Rewrites the signature of an `async fn` into the plain function's, and
/// returns the statements that move every parameter into the `async move`
/// block (see the module docs). Parameters named in `parent` / `link`
/// expressions (`kept`) are left to them: those run at the call, and may
/// consume the parameter there.
///
/// ```text
/// // Input:
/// #[traced]
/// async fn store(&self, mut buf: Vec<u8>, _: Permit, (id, name): (u64, &str)) -> io::Result<()> {
///     ..
/// }
///
/// // Output:
/// fn store(&self, buf: Vec<u8>, __traced_arg_2: Permit, __traced_arg_3: (u64, &str))
///     -> impl ::core::future::Future<Output = io::Result<()>>
/// {
///     CALLSITE;
///     let __traced_span = RT::__private::PendingSpan::new(&__TRACED_CALLSITE);
///     RT::__private::Instrumented::new(__traced_span, async move {
///         let _ = &self;
///         let mut buf = buf;
///         let __traced_arg_2 = __traced_arg_2;
///         let __traced_arg_3 = __traced_arg_3;
///         let (id, name) = __traced_arg_3;
///         ..
///     })
/// }
/// ```
pub(crate) fn desugar(sig: &mut Signature, kept: &HashSet<String>) -> TokenStream {
    sig.asyncness = None;
    let output = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    sig.output = syn::parse_quote!(-> impl ::core::future::Future<Output = #output>);
    let mut moves = TokenStream::new();
    for (index, input) in sig.inputs.iter_mut().enumerate() {
        let typed = match input {
            FnArg::Receiver(receiver) => {
                let self_token = &receiver.self_token;
                moves.extend(quote!(let _ = &#self_token;));
                continue;
            }
            FnArg::Typed(typed) => typed,
        };
        match &mut *typed.pat {
            Pat::Ident(PatIdent {
                by_ref: None,
                subpat: None,
                mutability,
                ident,
                ..
            }) => {
                if kept.contains(&ident.to_string()) {
                    continue;
                }
                let mutability = mutability.take();
                moves.extend(quote!(let #mutability #ident = #ident;));
            }
            pattern => {
                let fresh = Ident::new(&format!("__traced_arg_{index}"), Span::mixed_site());
                let written = std::mem::replace(
                    pattern,
                    Pat::Ident(PatIdent {
                        attrs: Vec::new(),
                        by_ref: None,
                        mutability: None,
                        ident: fresh.clone(),
                        subpat: None,
                    }),
                );
                moves.extend(quote!(let #fresh = #fresh;));
                if !matches!(written, Pat::Wild(_)) {
                    moves.extend(quote!(let #written = #fresh;));
                }
            }
        }
    }
    moves
}

/// Every identifier in `tokens`, at any depth: the names a `parent` or
/// `link` expression may use.
pub(crate) fn identifiers(tokens: TokenStream, found: &mut HashSet<String>) {
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                found.insert(ident.to_string());
            }
            TokenTree::Group(group) => identifiers(group.stream(), found),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desugared(item: &str, kept: &[&str]) -> (String, String) {
        let mut func: syn::ItemFn = syn::parse_str(item).unwrap();
        let kept = kept.iter().map(ToString::to_string).collect();
        let moves = desugar(&mut func.sig, &kept);
        let sig = &func.sig;
        (quote!(#sig).to_string(), moves.to_string())
    }

    #[test]
    fn signature_becomes_a_plain_fn_returning_a_future() {
        let (sig, moves) = desugared("async fn f(&self, x: u8) -> &str {}", &[]);
        assert_eq!(
            sig,
            "fn f (& self , x : u8) -> impl :: core :: future :: Future < Output = & str >"
        );
        assert_eq!(moves, "let _ = & self ; let x = x ;");
        let (sig, _) = desugared("pub(crate) async unsafe fn f() {}", &[]);
        assert_eq!(
            sig,
            "unsafe fn f () -> impl :: core :: future :: Future < Output = () >"
        );
    }

    #[test]
    fn patterns_are_bound_to_fresh_names_and_destructured_inside() {
        let (sig, moves) = desugared(
            "async fn f(mut a: u8, _: G, (b, c): (u8, u8), ref d: S, e @ 1..: u8) {}",
            &[],
        );
        assert_eq!(
            sig,
            "fn f (a : u8 , __traced_arg_1 : G , __traced_arg_2 : (u8 , u8) , \
             __traced_arg_3 : S , __traced_arg_4 : u8) \
             -> impl :: core :: future :: Future < Output = () >"
        );
        assert_eq!(
            moves,
            "let mut a = a ; let __traced_arg_1 = __traced_arg_1 ; \
             let __traced_arg_2 = __traced_arg_2 ; let (b , c) = __traced_arg_2 ; \
             let __traced_arg_3 = __traced_arg_3 ; let ref d = __traced_arg_3 ; \
             let __traced_arg_4 = __traced_arg_4 ; let e @ 1 .. = __traced_arg_4 ;"
        );
    }

    #[test]
    fn parameters_used_by_start_options_are_left_to_them() {
        let (sig, moves) = desugared("async fn f(mut ctx: C, x: u8) {}", &["ctx"]);
        assert!(sig.starts_with("fn f (mut ctx : C , x : u8)"), "{sig}");
        assert_eq!(moves, "let x = x ;");
    }

    #[test]
    fn only_inert_attributes_allow_the_rewrite() {
        let attrs = |source: &str| {
            let func: syn::ItemFn = syn::parse_str(&format!("{source} async fn f() {{}}")).unwrap();
            rewritable(&func.attrs, Some(&Output::Unit))
        };
        assert!(attrs(
            "/// docs\n#[inline] #[allow(unused)] #[clippy::msrv = \"1.80\"]"
        ));
        assert!(!attrs("#[tokio::main]"));
        assert!(!attrs("#[must_use]"));
        assert!(!attrs("#[cfg_attr(test, must_use)]"));
        assert!(!rewritable(&[], Some(&Output::Never)));
    }

    #[test]
    fn identifiers_are_found_at_any_depth() {
        let mut found = HashSet::new();
        identifiers(quote!(extract(&req.headers()[0], ctx)), &mut found);
        for name in ["extract", "req", "headers", "ctx"] {
            assert!(found.contains(name), "{name}");
        }
    }
}
