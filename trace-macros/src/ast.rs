//! The one parsed view of a `#[traced]` use: [`Traced`], built once by
//! [`Traced::from_syn`] from the attribute's arguments and the annotated
//! item, then read by `validate` (the arguments checked against the
//! function) and by `expand` (the code generated from it).
//!
//! Everything the later stages ask about the function is answered here,
//! once, and kept in the view with its spans:
//!
//! 1. **Can `#[traced]` apply to it at all?** Only to a function with a
//!    body that is not a `const fn`. The item is parsed as a [`syn::Item`]
//!    first, not straight as an [`ItemFn`], so that a misplaced attribute
//!    gets a message naming what it was placed on ("not to a struct")
//!    instead of syn's "expected `fn`". A function declaration without a
//!    body (a required trait method, a foreign function) comes back from
//!    syn as [`Item::Verbatim`] and is recognised by re-parsing it as a
//!    bodiless signature. Rejected, each for a reason the message states:
//!    - a `const fn`: spans read a clock and a thread-local stack at run
//!      time, which const evaluation cannot do;
//!    - any item that is not a function;
//!    - a function without a body: there is no call to bound.
//! 2. **Where does the call's work happen?** In the body itself (a sync
//!    function), in the future an `async fn` returns, or in an `async`
//!    block the body ends with: `-> impl Future` functions and the
//!    `Box::pin(async move { .. })` that `#[async_trait]` leaves behind.
//!    See [`Flavor`]; the tail `async` block is split off the body
//!    ([`AsyncTail`]), so the expansion wraps it without looking for it
//!    again.
//! 3. **Can the value the call produces be observed?** Only if its type
//!    can be written in a `let`: not `()` (nothing to see), not `!`
//!    (`let x: ! =` is unstable), not a type containing `impl Trait` (not
//!    allowed in a `let`). See [`Output`].
//!
//! An item that does not parse at all (a syntax error in the body, say) has
//! no view: [`Rejection`] then carries no error of its own, and the item is
//! emitted as written, so that rustc reports the syntax error once, where
//! it is, instead of alongside a copy of it from syn.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::{ParseStream, Parser as _};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Attribute, Block, Expr, ExprAsync, ExprCall, GenericArgument, Item, ItemFn, PathArguments,
    ReturnType, Signature, Stmt, Token, Type, TypeImplTrait, TypeInfer, TypeParamBound, Visibility,
};

use crate::args::Args;

/// One `#[traced(..)]` on one function, parsed and classified.
pub(crate) struct Traced {
    /// The arguments between the attribute's parentheses.
    pub(crate) args: Args,
    /// The function as written, except that with [`Flavor::AsyncTail`] its
    /// body no longer holds the tail `async` block (the flavor does).
    pub(crate) func: ItemFn,
    /// Where the call's work happens.
    pub(crate) flavor: Flavor,
    /// The type of the value a call produces when its work is done: the
    /// function's return type, or for an async tail the `Output` of its
    /// `Future` bound (`None` when no such bound can be found).
    pub(crate) output: Option<Output>,
}

/// Where a function's work happens (question 2 of the module docs).
pub(crate) enum Flavor {
    /// In the body itself.
    Sync,
    /// In the future an `async fn` returns.
    AsyncFn,
    /// In the `async` block the body ends with, taken out of the body.
    AsyncTail(AsyncTail),
}

/// The `async` block a non-`async` function's body ends with: either the
/// tail expression itself (`fn f() -> impl Future { ..; async move { .. } }`)
/// or the single argument of a tail `Box::pin(..)` (what `#[async_trait]`
/// generates, and what hand-written boxed futures look like).
pub(crate) struct AsyncTail {
    /// The `Box::pin(..)` call around the block, if any, with its argument
    /// left empty for the expansion to fill.
    pub(crate) boxed: Option<ExprCall>,
    /// The `async` block.
    pub(crate) future: ExprAsync,
}

/// What a function (or future) produces, as far as observation is concerned.
pub(crate) enum Output {
    /// No return type, or `()`: nothing to observe.
    Unit,
    /// `!`: the body never produces a value.
    Never,
    /// A type that can annotate a `let` as written.
    Named(Type),
    /// A type containing `impl Trait`; the payload has every `impl Trait`
    /// replaced by `_`, which a `let` accepts (used to guide inference of
    /// `?` inside async blocks, never to observe).
    Opaque(Type),
}

/// Why a `#[traced]` use gets no expansion: the errors to emit before the
/// item as written. No error at all when the item does not parse: rustc
/// reads the item back and reports its syntax error itself.
pub(crate) struct Rejection {
    errors: Option<syn::Error>,
}

impl From<syn::Error> for Rejection {
    fn from(error: syn::Error) -> Self {
        Rejection {
            errors: Some(error),
        }
    }
}

impl Rejection {
    /// The errors, then `item` unchanged: a mistake in the attribute gives
    /// its own message, not a cascade of errors from a missing expansion.
    pub(crate) fn emit(self, item: TokenStream) -> TokenStream {
        let mut output = self
            .errors
            .map(|error| error.to_compile_error())
            .unwrap_or_default();
        output.extend(item);
        output
    }
}

impl Traced {
    /// Parses the attribute's arguments and the annotated item, and
    /// classifies the function. Errors in both are reported together.
    pub(crate) fn from_syn(args: TokenStream, item: TokenStream) -> Result<Self, Rejection> {
        let args = syn::parse2::<Args>(args);
        let func = function(item);
        match (args, func) {
            (Ok(args), Ok(Some(func))) => Ok(Traced::classify(args, func)),
            (args, func) => Err(Rejection {
                errors: args
                    .err()
                    .into_iter()
                    .chain(func.err())
                    .reduce(|mut first, next| {
                        first.combine(next);
                        first
                    }),
            }),
        }
    }

    /// Answers questions 2 and 3 of the module docs.
    fn classify(args: Args, mut func: ItemFn) -> Self {
        let flavor = if func.sig.asyncness.is_some() {
            Flavor::AsyncFn
        } else if let Some(tail) = AsyncTail::split_off(&mut func.block) {
            Flavor::AsyncTail(tail)
        } else {
            Flavor::Sync
        };
        let output = match flavor {
            Flavor::Sync | Flavor::AsyncFn => Some(Output::of_return(&func.sig.output)),
            Flavor::AsyncTail(_) => Output::of_future(&func.sig.output),
        };
        Traced {
            args,
            func,
            flavor,
            output,
        }
    }
}

/// Parses the annotated item and checks that it is a function `#[traced]`
/// can instrument (question 1 of the module docs). `Ok(None)` when it does
/// not parse: that error is rustc's to report.
fn function(item: TokenStream) -> syn::Result<Option<ItemFn>> {
    let Ok(item) = syn::parse2::<Item>(item) else {
        return Ok(None);
    };
    match item {
        Item::Fn(function) => {
            if let Some(constness) = &function.sig.constness {
                return Err(syn::Error::new(
                    constness.span,
                    "#[traced] cannot be applied to a `const fn`: spans need a clock at run time \
                     (remove `const`, or remove #[traced])",
                ));
            }
            Ok(Some(function))
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

impl AsyncTail {
    /// Takes the tail `async` block off `block`, if its last statement is
    /// one; otherwise leaves `block` as it was.
    fn split_off(block: &mut Block) -> Option<Self> {
        let tail = match block.stmts.pop() {
            Some(Stmt::Expr(tail, None)) => tail,
            other => {
                block.stmts.extend(other);
                return None;
            }
        };
        match AsyncTail::from_tail(tail) {
            Ok(async_tail) => Some(async_tail),
            Err(tail) => {
                block.stmts.push(Stmt::Expr(*tail, None));
                None
            }
        }
    }

    /// `tail` as an async tail, or back unchanged if it is not one.
    fn from_tail(tail: Expr) -> Result<Self, Box<Expr>> {
        match tail {
            Expr::Async(future) => Ok(AsyncTail {
                boxed: None,
                future,
            }),
            Expr::Call(mut call) if call.args.len() == 1 && is_box_pin(&call.func) => {
                let Some(arg) = call.args.first_mut() else {
                    return Err(Box::new(Expr::Call(call)));
                };
                match std::mem::replace(arg, Expr::Verbatim(TokenStream::new())) {
                    Expr::Async(future) => Ok(AsyncTail {
                        boxed: Some(call),
                        future,
                    }),
                    other => {
                        *arg = other;
                        Err(Box::new(Expr::Call(call)))
                    }
                }
            }
            other => Err(Box::new(other)),
        }
    }
}

/// Whether `func` is a path ending in `Box::pin`.
fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else {
        return false;
    };
    let mut segments = path.path.segments.iter().rev();
    matches!(
        (segments.next(), segments.next()),
        (Some(pin), Some(boxed)) if pin.ident == "pin" && boxed.ident == "Box"
    )
}

impl Output {
    /// Classifies a function's declared return type.
    fn of_return(output: &ReturnType) -> Self {
        match output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => Output::of_type(ty),
        }
    }

    /// Classifies a type.
    fn of_type(ty: &Type) -> Self {
        match ty {
            Type::Paren(inner) => Output::of_type(&inner.elem),
            Type::Group(inner) => Output::of_type(&inner.elem),
            Type::Never(_) => Output::Never,
            Type::Tuple(tuple) if tuple.elems.is_empty() => Output::Unit,
            _ => {
                let mut infer = ImplTraitToInfer { found: false };
                let mut replaced = ty.clone();
                infer.visit_type_mut(&mut replaced);
                if infer.found {
                    Output::Opaque(replaced)
                } else {
                    Output::Named(ty.clone())
                }
            }
        }
    }

    /// The `Output = X` of the `Future` bound in a function's return type
    /// (`impl Future<Output = X> + Send`,
    /// `Pin<Box<dyn Future<Output = X> + Send + 'async_trait>>`), if there
    /// is one to find.
    fn of_future(output: &ReturnType) -> Option<Self> {
        let ReturnType::Type(_, ty) = output else {
            return None;
        };
        future_output_type(ty).map(Output::of_type)
    }
}

/// Replaces every `impl Trait` in a type by `_`, noting whether it found one.
struct ImplTraitToInfer {
    found: bool,
}

impl VisitMut for ImplTraitToInfer {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(TypeImplTrait { impl_token, .. }) = ty {
            self.found = true;
            *ty = Type::Infer(TypeInfer {
                attrs: Vec::new(),
                underscore_token: syn::Token![_](impl_token.span),
            });
        } else {
            visit_mut::visit_type_mut(self, ty);
        }
    }
}

/// Finds `X` in the first `Future<Output = X>` bound inside `ty`, looking
/// through `Pin<..>`, `Box<..>` and other generic wrappers.
fn future_output_type(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Paren(inner) => future_output_type(&inner.elem),
        Type::Group(inner) => future_output_type(&inner.elem),
        Type::ImplTrait(impl_trait) => bounds_output(impl_trait.bounds.iter()),
        Type::TraitObject(object) => bounds_output(object.bounds.iter()),
        Type::Path(path) => path.path.segments.iter().find_map(|segment| {
            let PathArguments::AngleBracketed(args) = &segment.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(inner) => future_output_type(inner),
                _ => None,
            })
        }),
        _ => None,
    }
}

fn bounds_output<'a>(mut bounds: impl Iterator<Item = &'a TypeParamBound>) -> Option<&'a Type> {
    bounds.find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let segment = bound.path.segments.last()?;
        if segment.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &segment.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn traced(args: &str, item: &str) -> Result<Traced, Option<String>> {
        Traced::from_syn(args.parse().unwrap(), item.parse().unwrap())
            .map_err(|rejection| rejection.errors.map(|error| error.to_string()))
    }

    fn error(item: &str) -> String {
        match traced("", item) {
            Ok(_) => panic!("`{item}` should be rejected"),
            Err(error) => error.unwrap_or_else(|| panic!("`{item}` should get an error")),
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
            assert!(traced("", item).is_ok(), "{item}");
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

    #[test]
    fn leaves_items_that_do_not_parse_to_rustc() {
        assert_eq!(traced("", "fn f(x: u8) { let y = x +; }").err(), Some(None));
        let only_the_argument = traced("kind = rpc", "fn f() { let y = ; }").err();
        assert!(
            only_the_argument
                .flatten()
                .is_some_and(|error| error.contains("unknown span kind")),
        );
    }

    fn output(ret: &str) -> Output {
        Output::of_return(&syn::parse_str::<ReturnType>(ret).unwrap())
    }

    #[test]
    fn classifies_return_types() {
        assert!(matches!(output(""), Output::Unit));
        assert!(matches!(output("-> ()"), Output::Unit));
        assert!(matches!(output("-> !"), Output::Never));
        assert!(matches!(output("-> Result<&str, E>"), Output::Named(_)));
        let Output::Opaque(ty) = output("-> Result<impl Display, E>") else {
            panic!("impl Trait is opaque");
        };
        assert_eq!(quote!(#ty).to_string(), "Result < _ , E >");
    }

    #[test]
    fn finds_the_future_output() {
        for (ret, expected) in [
            ("-> impl Future<Output = u8> + Send", "u8"),
            (
                "-> impl core::future::Future<Output = Result<(), E>> + 'a",
                "Result < () , E >",
            ),
            (
                "-> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = u8> + ::core::marker::Send + 'async_trait>>",
                "u8",
            ),
        ] {
            let ret: ReturnType = syn::parse_str(ret).unwrap();
            let ReturnType::Type(_, ty) = &ret else {
                unreachable!()
            };
            let found = future_output_type(ty).unwrap();
            assert_eq!(quote!(#found).to_string(), expected);
        }
        assert!(Output::of_future(&syn::parse_str("-> BoxFuture<'a, u8>").unwrap()).is_none());
    }

    fn flavor(item: &str) -> Flavor {
        match traced("", item) {
            Ok(traced) => traced.flavor,
            Err(_) => panic!("`{item}` should parse"),
        }
    }

    #[test]
    fn finds_async_tails() {
        for body in [
            "{ async move { 1 } }",
            "{ let x = 1; async { x } }",
            "{ Box::pin(async move { 1 }) }",
            "{ ::std::boxed::Box::pin(async move { 1 }) }",
        ] {
            let Flavor::AsyncTail(tail) = flavor(&format!("fn f() {body}")) else {
                panic!("{body} ends in an async block");
            };
            assert!(tail.future.block.stmts.len() == 1, "{body}");
        }
        for body in [
            "{ async move { 1 }; }",
            "{ Box::pin(fut) }",
            "{ f(async {}) }",
        ] {
            let item = format!("fn f() {body}");
            assert!(matches!(flavor(&item), Flavor::Sync), "{body}");
            let Ok(traced) = traced("", &item) else {
                panic!("{item} should parse");
            };
            let block = &traced.func.block;
            assert_eq!(
                quote!(#block).to_string(),
                syn::parse_str::<Block>(body)
                    .unwrap()
                    .to_token_stream()
                    .to_string()
            );
        }
        assert!(matches!(
            flavor("async fn f() { async {} }"),
            Flavor::AsyncFn
        ));
    }

    #[test]
    fn splitting_off_the_tail_keeps_the_statements_before_it() {
        let Ok(traced) = traced("", "fn f() { let x = 1; Box::pin(async move { x }) }") else {
            panic!("should parse");
        };
        let block = &traced.func.block;
        assert_eq!(quote!(#block).to_string(), "{ let x = 1 ; }");
        let Flavor::AsyncTail(AsyncTail {
            boxed: Some(call), ..
        }) = &traced.flavor
        else {
            panic!("a boxed async tail");
        };
        assert_eq!(quote!(#call).to_string(), "Box :: pin ()");
    }
}
