//! Recognising what kind of function and return type the expansion deals
//! with: the two questions `expand` asks before generating anything.
//!
//! 1. **Where does the call's work happen?** In the body itself (a sync
//!    function), in the future an `async fn` returns, or in an `async` block
//!    the body ends with: `-> impl Future` functions and the
//!    `Box::pin(async move { .. })` that `#[async_trait]` leaves behind.
//!    See [`async_tail`].
//! 2. **Can the returned value be observed?** Only if its type can be
//!    written in a `let`: not `()` (nothing to see), not `!` (`let x: ! =` is
//!    unstable), not a type containing `impl Trait` (not allowed in a `let`).
//!    See [`Output`].

use syn::visit_mut::{self, VisitMut};
use syn::{
    Block, Expr, GenericArgument, ItemFn, PathArguments, ReturnType, Stmt, Type, TypeImplTrait,
    TypeInfer, TypeParamBound,
};

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

impl Output {
    /// Classifies a function's declared return type.
    pub(crate) fn of_return(output: &ReturnType) -> Self {
        match output {
            ReturnType::Default => Output::Unit,
            ReturnType::Type(_, ty) => Output::of_type(ty),
        }
    }

    /// Classifies a type.
    pub(crate) fn of_type(ty: &Type) -> Self {
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
    pub(crate) fn of_future(output: &ReturnType) -> Option<Self> {
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

/// Where a function's work happens (question 1 of the module docs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Flavor {
    /// In the body itself.
    Sync,
    /// In the future an `async fn` returns.
    AsyncFn,
    /// In the `async` block the body ends with (see [`async_tail`]).
    AsyncTail,
}

impl Flavor {
    /// Classifies a function.
    pub(crate) fn of(function: &ItemFn) -> Flavor {
        if function.sig.asyncness.is_some() {
            Flavor::AsyncFn
        } else if function
            .block
            .stmts
            .last()
            .is_some_and(|last| matches!(last, Stmt::Expr(tail, None) if is_async_tail(tail)))
        {
            Flavor::AsyncTail
        } else {
            Flavor::Sync
        }
    }

    /// The type of the value a call produces when its work is done: the
    /// function's return type, or for an async tail the `Output` of its
    /// `Future` bound (`None` when no such bound can be found).
    pub(crate) fn output(self, output: &ReturnType) -> Option<Output> {
        match self {
            Flavor::Sync | Flavor::AsyncFn => Some(Output::of_return(output)),
            Flavor::AsyncTail => Output::of_future(output),
        }
    }
}

/// Whether `tail` is an `async` block or `Box::pin` of one.
fn is_async_tail(tail: &Expr) -> bool {
    match tail {
        Expr::Async(_) => true,
        Expr::Call(call) => {
            call.args.len() == 1
                && is_box_pin(&call.func)
                && matches!(call.args.first(), Some(Expr::Async(_)))
        }
        _ => false,
    }
}

/// The `async` block a non-`async` function's body ends with, if any:
/// either the tail expression itself (`fn f() -> impl Future { ..; async move { .. } }`)
/// or the single argument of a tail `Box::pin(..)` (what `#[async_trait]`
/// generates, and what hand-written boxed futures look like).
///
/// The expression returned is always an [`Expr::Async`].
pub(crate) fn async_tail(block: &mut Block) -> Option<&mut Expr> {
    let Some(Stmt::Expr(tail, None)) = block.stmts.last_mut() else {
        return None;
    };
    match tail {
        Expr::Async(_) => Some(tail),
        Expr::Call(call) if call.args.len() == 1 && is_box_pin(&call.func) => {
            let arg = call.args.first_mut()?;
            matches!(arg, Expr::Async(_)).then_some(arg)
        }
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

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

    #[test]
    fn finds_async_tails() {
        for body in [
            "{ async move { 1 } }",
            "{ let x = 1; async { x } }",
            "{ Box::pin(async move { 1 }) }",
            "{ ::std::boxed::Box::pin(async move { 1 }) }",
        ] {
            let mut block: Block = syn::parse_str(body).unwrap();
            assert!(async_tail(&mut block).is_some(), "{body}");
        }
        for body in [
            "{ async move { 1 }; }",
            "{ Box::pin(fut) }",
            "{ f(async {}) }",
        ] {
            let mut block: Block = syn::parse_str(body).unwrap();
            assert!(async_tail(&mut block).is_none(), "{body}");
        }
    }
}
