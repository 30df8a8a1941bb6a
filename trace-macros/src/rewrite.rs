//! Making every early exit of a body visible to the span: `?` and `return`.
//!
//! A traced body's value is observed once at its end, but a body can also
//! leave through `?` and `return`, which skip that end. Rather than moving
//! the body into a closure (a body returning a borrow of a parameter does
//! not compile there, see `expand`), each early exit is rewritten in place
//! so that it observes the value it leaves with; [`observe_exits`] shows
//! the transform.
//!
//! What runs at each exit is the caller's choice ([`Exits`]): at a `?`, the
//! error observation matching `err` (`observe_try!`, `observe_try_display!`
//! for `err(%)`, `observe_try_debug!` for `err(?)`, or nothing with
//! `err = false`), given the function's return type so that the error is
//! recorded as the type the function returns, as at a `return` (the
//! operand's own error type may not be inferred yet at the `?`; see the
//! runtime's `__private/observing.rs`); at a `return`, the error observation and, with `ret`,
//! the recording of the return value. A `?` is an error exit, so the return
//! value is never recorded there.
//!
//! The `?` and `return` tokens keep the user's spans, so rustc's errors
//! about them still point at the user's code.
//!
//! Only exits of the traced function itself are rewritten. The walk does not
//! enter closures, async blocks, `try` and `const` blocks (their `?` and
//! `return` leave something else), nested items (their own functions), or
//! macro invocations (their tokens are not parsed; a `?` inside `vec![..]`
//! or `format!(..)` is therefore not observed, the tail value still is).

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Item, Type};

/// What to do at the early exits of a body.
pub(crate) struct Exits<'a> {
    /// The macro a `?` operand is passed through
    /// (`RT::__private::observe_try!`), or `None` to leave `?` alone.
    pub(crate) question_mark: Option<TokenStream>,
    /// The statements run with a returned value bound to `binding`; empty
    /// to leave `return` alone.
    pub(crate) on_return: TokenStream,
    /// The function's return type as it may be written in a `let`.
    pub(crate) ret: &'a Type,
    /// The hygienic name of the local that holds the returned value.
    pub(crate) binding: &'a syn::Ident,
}

/// Rewrites the early exits of `block` (see the module docs), each in place:
///
/// ```text
/// // Input:
/// let n = parse(s)?;
/// return Err(e);
/// return;
///
/// // Output:
/// let n = RT::__private::observe_try!(R; parse(s))?;
/// return {
///     let __traced_ret: R = Err(e);
///     #[allow(unreachable_code)]
///     {
///         RT::__private::observe!(&__traced_ret);
///         RT::__private::record_return!(&__traced_ret); // `ret`
///     }
///     __traced_ret
/// };
/// return;
/// ```
pub(crate) fn observe_exits(block: &mut Block, exits: &Exits<'_>) {
    ExitObserver { exits }.visit_block_mut(block);
}

/// `path!(R; operand)` (`path` being, e.g., `RT::__private::observe_try!`,
/// `R` the function's return type, whose error type the operand's error is
/// converted into and recorded as),
/// spanned at the start of `operand`: rustc spans an `expr?` from the start
/// of `expr` to the `?`, so an error about the `?` (a `Result` `?` in a
/// function returning `Option`, say) underlines the user's `operand?`
/// rather than the `#[traced]` attribute.
fn wrap_operand(path: &TokenStream, ret: &Type, operand: &Expr) -> TokenStream {
    let span = first_span(operand);
    let operand = operand.to_token_stream();
    let mut call = respan(path.clone(), span);
    let mut args = Group::new(Delimiter::Parenthesis, quote!(#ret; #operand));
    args.set_span(span);
    call.extend([TokenTree::Group(args)]);
    call
}

/// The span of the first token of `tokens` (what `quote_spanned!` can use
/// on stable, where spans cannot be joined).
pub(crate) fn first_span(tokens: &impl ToTokens) -> Span {
    tokens
        .to_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token| token.span())
}

/// `tokens` with every span (delimiters included) set to `span`.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                TokenTree::Group(respanned)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}

/// Moves an expression out, leaving an empty placeholder to overwrite.
fn take(expr: &mut Expr) -> Expr {
    std::mem::replace(expr, Expr::Verbatim(TokenStream::new()))
}

struct ExitObserver<'a> {
    exits: &'a Exits<'a>,
}

impl VisitMut for ExitObserver<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Closures, async, try and const blocks: their `?` and `return` do
        // not leave the traced function.
        let leaves_something_else = matches!(
            expr,
            Expr::Closure(_) | Expr::Async(_) | Expr::TryBlock(_) | Expr::Const(_)
        );
        // Macros and verbatim tokens: nothing parsed to walk.
        let unparsed = matches!(expr, Expr::Macro(_) | Expr::Verbatim(_));
        if leaves_something_else || unparsed {
            return;
        }
        // Inner exits first, so `return f()?` observes both.
        visit_mut::visit_expr_mut(self, expr);
        let exits = self.exits;
        match expr {
            Expr::Try(try_expr) => {
                if let Some(path) = &exits.question_mark {
                    let operand = take(&mut try_expr.expr);
                    *try_expr.expr = Expr::Verbatim(wrap_operand(path, exits.ret, &operand));
                }
            }
            Expr::Return(return_expr) if !exits.on_return.is_empty() => {
                if let Some(value) = &mut return_expr.expr {
                    let (ret, binding, on_return) = (exits.ret, exits.binding, &exits.on_return);
                    let value_expr = take(value);
                    **value = Expr::Verbatim(quote! {
                        {
                            let #binding: #ret = #value_expr;
                            #[allow(unreachable_code)]
                            {
                                #on_return
                            }
                            #binding
                        }
                    });
                }
            }
            _ => {}
        }
    }

    fn visit_item_mut(&mut self, _item: &mut Item) {
        // A nested item is its own function (or holds its own): its exits are
        // not ours.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(body: &str) -> String {
        let mut block: Block = syn::parse_str(body).unwrap();
        let ret: Type = syn::parse_str("R").unwrap();
        let binding = syn::Ident::new("__traced_ret", Span::call_site());
        let exits = Exits {
            question_mark: Some(quote!(rt::__private::observe_try!)),
            on_return: quote!(rt::__private::observe!(&__traced_ret);),
            ret: &ret,
            binding: &binding,
        };
        observe_exits(&mut block, &exits);
        quote!(#block).to_string()
    }

    #[test]
    fn question_mark_is_observed() {
        let out = rewrite("{ let n = parse(s)?; Ok(n) }");
        assert!(
            out.contains("rt :: __private :: observe_try ! (R ; parse (s)) ?"),
            "{out}"
        );
    }

    #[test]
    fn nested_question_marks_are_each_observed() {
        let out = rewrite("{ a()?.b()? }");
        assert_eq!(out.matches("observe_try").count(), 2, "{out}");
    }

    #[test]
    fn return_with_value_is_observed() {
        let out = rewrite("{ if x { return Err(e); } Ok(()) }");
        assert!(
            out.contains("return { let __traced_ret : R = Err (e) ; # [allow (unreachable_code)]"),
            "{out}"
        );
        assert!(
            out.contains("rt :: __private :: observe ! (& __traced_ret)"),
            "{out}"
        );
    }

    #[test]
    fn bare_return_is_unchanged() {
        assert_eq!(rewrite("{ return; }"), "{ return ; }");
    }

    #[test]
    fn closures_async_blocks_items_and_macros_are_not_entered() {
        for body in [
            "{ let f = || { g()?; return Ok(1); }; }",
            "{ let f = async move { g()?; return 1; }; }",
            "{ fn inner() -> R { g()?; return r; } }",
            "{ impl S { fn f() -> R { return g()?; } } }",
            "{ println!(\"{}\", g()?); }",
        ] {
            let out = rewrite(body);
            assert!(!out.contains("observe"), "{body} => {out}");
        }
    }

    #[test]
    fn return_only_exits_leave_question_marks_alone() {
        let mut block: Block = syn::parse_str("{ let n = g()?; return Ok(n); }").unwrap();
        let ret: Type = syn::parse_str("R").unwrap();
        let binding = syn::Ident::new("__traced_ret", Span::call_site());
        let exits = Exits {
            question_mark: None,
            on_return: quote!(rt::__private::record_return!(&__traced_ret);),
            ret: &ret,
            binding: &binding,
        };
        observe_exits(&mut block, &exits);
        let out = quote!(#block).to_string();
        assert!(out.contains("let n = g () ? ;"), "{out}");
        assert!(
            out.contains("rt :: __private :: record_return ! (& __traced_ret)"),
            "{out}"
        );
    }
}
