//! Code generation: turns the parsed, validated view of a traced function
//! (`ast::Traced`) into the same function whose every call is one bounded
//! span.
//!
//! The signature is not touched (generics, lifetimes, `unsafe`,
//! `extern "C"`, `impl Trait` arguments stay exactly as written); only the
//! body changes, except for an `async fn`, which becomes the plain function
//! returning `impl Future` it stands for (see `async_fn`), so that its span
//! opens at the call. The generated code calls nothing but
//! `RT::__private::*` (`RT` is `::trace_runtime`, or the `crate = path`
//! argument) and `::core::*`, so it compiles in a crate that shadows `std`,
//! `core`, `Result` or `Option`. Locals are `__traced_*` with mixed-site
//! hygiene, so user code can neither see nor clash with them; the only
//! items are the static `__TRACED_CALLSITE` and the unit struct
//! `__traced_here` whose type name gives the callsite the function's fully
//! qualified name (see [`callsite`]).
//!
//! The span ends when a drop guard (sync) or the runtime's future (async)
//! goes away, so it ends on every exit, panics included. The returned value
//! is observed (`Err` recorded on the span) by binding it to a `let` typed
//! with the declared return type, never by moving the body into a closure:
//! a body returning a borrow of a parameter (`&self.name`) does not compile
//! inside a closure, whose captured variables a returned reference cannot
//! outlive, while a `let` annotated with `&str` or `Result<&T, E>` simply
//! gets a fresh inference lifetime. The early exits `?` and `return` are
//! rewritten in place, see `rewrite`. Observation is skipped (and the body
//! left untouched) with `err = false` and no `ret`, or when the return type
//! is `()`, `!` or contains `impl Trait`; see `ast::Output`.
//!
//! Generated statements carry narrow `#[allow]`s where a body that diverges
//! would otherwise trip a lint in the user's crate: `unreachable_code` on
//! the observation after it, `clippy::diverging_sub_expression` on the `let`
//! holding it. They are shown once, on [`observed`], and elided elsewhere.
//!
//! Each transform is shown as an `// Input:` / `// Output:` pair on the
//! function that generates it, with `CALLSITE;` standing for the static
//! [`callsite`] emits:
//!
//! | transform | where |
//! |---|---|
//! | the `static __TRACED_CALLSITE` (name, kind, code location) | [`callsite`] |
//! | sync function | [`sync_fn`] |
//! | the body bound to a typed `let` and observed | [`observed`] |
//! | `async fn` (signature and parameters: `async_fn::desugar`) | [`async_fn`] |
//! | function returning an `async` block (`-> impl Future`), `#[async_trait]` method | [`fn_returning_async_block`] |
//! | literal `attrs(..)` in the callsite | [`static_attributes`] |
//! | evaluated `attrs(..)` and `args(..)` | [`records`] |
//! | `ret`, `err(%)`, `err(?)` at the tail and at each `return` | [`Context::on_return`] |
//! | `parent`, `root`, `link`, `follows_from` | [`start_options`] |
//! | `?` and `return` in the body | `rewrite::observe_exits` |

use proc_macro2::{Delimiter, Group, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use std::collections::HashSet;
use syn::ext::IdentExt as _;

use syn::{AttrStyle, Block, Expr, Ident, ItemFn, LitStr, Stmt};

use crate::args::{Args, SpanName};
use crate::ast::{AsyncTail, Flavor, Output, Traced};
use crate::async_fn;
use crate::attributes::{Field, FieldValue, Render, StaticLiteral};
use crate::rewrite::{self, first_span};

/// Names and paths shared by every part of one expansion.
struct Context {
    /// The runtime crate's path: `::trace_runtime` or `crate = path`.
    runtime: TokenStream,
    /// How `Err` values leaving the function are observed (`None` with
    /// `err = false`).
    errors: Option<Render>,
    /// How the returned value is recorded (`ret`), if it is.
    returns: Option<Render>,
    /// Where the code rendering errors is located: the `err` of
    /// `err(%)` / `err(?)`, else the attribute.
    errors_at: Span,
    /// Where the code recording the return value is located: `ret`.
    returns_at: Span,
    /// The statements recording `attrs(..)` expressions and `args(..)`,
    /// run first thing inside the span.
    records: TokenStream,
    /// For a sync function, the span's start with those values recorded
    /// in it, when they can be (see [`attributes_at_start`]).
    start_attributes: Option<TokenStream>,
    /// The `StartOptions` for `parent`, `root` and `link`, if any is given.
    options: Option<TokenStream>,
    /// `__traced_ret`, with mixed-site hygiene.
    ret: Ident,
    /// `__traced_span`, with mixed-site hygiene.
    span: Ident,
    /// `__traced_guard`, with mixed-site hygiene.
    guard: Ident,
}

impl Context {
    fn new(args: &Args) -> Self {
        let runtime = args.runtime_path().to_token_stream();
        let mut cx = Context {
            records: records(&runtime, args.fields()),
            start_attributes: None,
            options: start_options(&runtime, args),
            runtime,
            errors: args.error_render(),
            returns: args.ret().map(|ret| ret.render),
            errors_at: args
                .error_render_keyword()
                .map_or_else(Span::call_site, |keyword| at_user_code(keyword.span)),
            returns_at: args
                .ret()
                .map_or_else(Span::call_site, |ret| at_user_code(ret.keyword.span)),
            ret: Ident::new("__traced_ret", Span::mixed_site()),
            span: Ident::new("__traced_span", Span::mixed_site()),
            guard: Ident::new("__traced_guard", Span::mixed_site()),
        };
        cx.start_attributes = attributes_at_start(&cx, args.fields());
        cx
    }

    /// Whether the returned value is looked at at all.
    fn observes(&self) -> bool {
        self.errors.is_some() || self.returns.is_some()
    }

    /// The statements run with the returned value bound to `__traced_ret`:
    /// the error observation, then the return value's recording.
    ///
    /// Each statement is located at the argument that asked for it (`ret`,
    /// `err(%)`), so that a type error in it points at that argument: a
    /// return type without an attribute form under `ret`, a non-`Result`
    /// under `err(%)`.
    ///
    /// `ret` makes the body observed even with `err = false`, and adds the
    /// recording of the value next to the error observation at the tail and
    /// at every rewritten `return` (never at a `?`). `err(%)` / `err(?)`
    /// swap the observation macros for their `Display` / `Debug` forms
    /// (see [`Context::question_mark`] for the `?`). `validate` rejects
    /// `ret` when the value's type cannot be written in the `let`. With
    /// `ret` and `err = false`, only `record_return!` runs, and `?` is left
    /// as written.
    ///
    /// ```text
    /// // Input:
    /// #[traced(ret(%), err(?))]
    /// fn peer(&self) -> Result<&SocketAddr, Closed> {
    ///     let conn = self.conn()?;
    ///     Ok(&conn.peer)
    /// }
    ///
    /// // Output:
    /// fn peer(&self) -> Result<&SocketAddr, Closed> {
    ///     CALLSITE;
    ///     let __traced_guard = RT::__private::SpanGuard::enter(&__TRACED_CALLSITE);
    ///     let __traced_ret: Result<&SocketAddr, Closed> = {
    ///         let conn = RT::__private::observe_try_debug!(Result<&SocketAddr, Closed>; self.conn())?;
    ///         Ok(&conn.peer)
    ///     };
    ///     {
    ///         RT::__private::observe_debug!(&__traced_ret);
    ///         RT::__private::record_return_display!(&__traced_ret);
    ///     }
    ///     __traced_ret
    /// }
    /// ```
    fn on_return(&self) -> TokenStream {
        let observe = self
            .errors
            .map(|render| self.call_on_ret(&rendered("observe", render), self.errors_at));
        let record = self
            .returns
            .map(|render| self.call_on_ret(&rendered("record_return", render), self.returns_at));
        quote!(#observe #record)
    }

    /// `RT::__private::name!(&__traced_ret);`, located at `at`.
    fn call_on_ret(&self, name: &str, at: Span) -> TokenStream {
        let runtime = rewrite::respan(self.runtime.clone(), at);
        let name = Ident::new(name, at);
        let ret = Ident::new("__traced_ret", Span::mixed_site().located_at(at));
        quote_spanned!(at=> #runtime::__private::#name!(&#ret);)
    }

    /// The macro a `?` operand goes through, if errors are observed.
    fn question_mark(&self) -> Option<TokenStream> {
        let runtime = &self.runtime;
        self.errors.map(|render| {
            let name = Ident::new(&rendered("observe_try", render), Span::call_site());
            quote!(#runtime::__private::#name!)
        })
    }

    /// `SpanGuard::enter(..)` or, with start options, `SpanGuard::enter_with(..)`.
    fn enter(&self) -> TokenStream {
        self.start("SpanGuard", "enter")
    }

    /// `PendingSpan::new(..)` or, with start options, `PendingSpan::new_with(..)`.
    fn pending(&self) -> TokenStream {
        self.start("PendingSpan", "new")
    }

    /// `RT::__private::ty::constructor(&__TRACED_CALLSITE)` or, with start
    /// options, `RT::__private::ty::constructor_with(&__TRACED_CALLSITE, options)`.
    fn start(&self, ty: &str, constructor: &str) -> TokenStream {
        let runtime = &self.runtime;
        let ty = Ident::new(ty, Span::call_site());
        match &self.options {
            None => {
                let constructor = Ident::new(constructor, Span::call_site());
                quote!(#runtime::__private::#ty::#constructor(&__TRACED_CALLSITE))
            }
            Some(options) => {
                let constructor = format_ident!("{constructor}_with");
                quote!(#runtime::__private::#ty::#constructor(&__TRACED_CALLSITE, #options))
            }
        }
    }
}

/// The name of the runtime macro that does `base` with `render`'s
/// rendering: `observe`, `observe_display` (`%`), `observe_debug` (`?`).
/// Every observation and recording macro of the runtime comes in those
/// three forms.
fn rendered(base: &str, render: Render) -> String {
    let suffix = match render {
        Render::Value => "",
        Render::Display => "_display",
        Render::Debug => "_debug",
    };
    format!("{base}{suffix}")
}

/// Generates the instrumented function: its attributes and signature as
/// written, then, inside the user's braces, its inner attributes, the
/// callsite and the body the flavor calls for.
pub(crate) fn traced(traced: Traced) -> TokenStream {
    let Traced {
        args,
        mut func,
        flavor,
        output,
    } = traced;
    let cx = Context::new(&args);
    let callsite = callsite(&cx, &args, &func.sig.ident);

    let body = match flavor {
        Flavor::AsyncFn => async_fn(&cx, &args, output, &mut func),
        Flavor::AsyncTail(tail) => fn_returning_async_block(&cx, output, &func.block, tail),
        Flavor::Sync => sync_fn(&cx, output, &mut func.block),
    };

    let (inner_attrs, outer_attrs): (Vec<_>, Vec<_>) = func
        .attrs
        .iter()
        .partition(|attr| matches!(attr.style, AttrStyle::Inner(_)));
    let vis = &func.vis;
    let sig = &func.sig;
    let mut tokens = quote!(#(#outer_attrs)* #vis #sig);
    // The user's braces, so that the function's span (used by rustc's "this
    // function returns ..." notes) is the user's function, not the attribute.
    func.block.brace_token.surround(&mut tokens, |tokens| {
        tokens.extend(quote! {
            #(#inner_attrs)*
            #callsite
            #body
        });
    });
    tokens
}

/// The `static __TRACED_CALLSITE` holding the function's span metadata,
/// spanned at the function's name so that `line!()` gives the line of the
/// `fn`. The other transforms show it as `CALLSITE;`.
///
/// `code.function.name` is the function's fully qualified name: the path
/// `module_path!()` does not know (the `Store` of `Store::load`, the
/// `<Store as Repo>` of a trait method) is in the type name of an item
/// declared in the body, the unit struct `__traced_here`. The callsite
/// keeps a pointer to `type_name::<__traced_here>` and the collector calls
/// it once per callsite (the runtime's `record::callsite` strips the
/// `::__traced_here` and any `{{closure}}` segment of an async body); the
/// calling thread only takes the static's address. The module path and
/// name are the fallback, should the compiler's type name not have that
/// shape. A struct rather than a function naming itself
/// (`type_name_of_val(&f)`) because it costs one compiled function per
/// traced function instead of two. The item is declared first, before any
/// statement; its lowercase name (the suffix the runtime looks for) and its
/// never being constructed are allowed on it.
///
/// ```text
/// // Input:
/// #[traced]
/// fn load_user(&self, id: u64) -> Result<&User, DbError> { .. }
///
/// // Output (first thing in the body):
/// #[allow(non_camel_case_types, dead_code)]
/// struct __traced_here;                              // type name "app::db::Store::load_user::__traced_here"
/// static __TRACED_CALLSITE: RT::__private::Callsite = RT::__private::Callsite::new(
///     "load_user",                       // or `name = "..."` / `name = PATH`
///     RT::__private::SpanKind::Internal, // or `kind = ...`
///     ::core::concat!(::core::module_path!(), "::", "load_user"),
///     ::core::file!(),
///     ::core::line!(),
/// )
/// .with_qualified_name(::core::any::type_name::<__traced_here>);
/// ```
fn callsite(cx: &Context, args: &Args, ident: &Ident) -> TokenStream {
    let runtime = &cx.runtime;
    let function_name = LitStr::new(&ident.unraw().to_string(), ident.span());
    let name = match args.name() {
        Some(SpanName::Literal(literal)) => literal.to_token_stream(),
        Some(SpanName::Const(path)) => path.to_token_stream(),
        None => function_name.to_token_stream(),
    };
    let kind = args.kind_variant();
    // Spanned at the function's name: `line!()` reports the line of the
    // token it is spanned at, not the line of `#[traced]`.
    let line = quote_spanned!(ident.span()=> ::core::line!());
    let attributes = static_attributes(runtime, args.fields());
    quote! {
        #[allow(non_camel_case_types, dead_code)]
        struct __traced_here;
        static __TRACED_CALLSITE: #runtime::__private::Callsite = #runtime::__private::Callsite::new(
            #name,
            #runtime::__private::SpanKind::#kind,
            ::core::concat!(::core::module_path!(), "::", #function_name),
            ::core::file!(),
            #line,
        )#attributes
        .with_qualified_name(::core::any::type_name::<__traced_here>);
    }
}

/// `.with_attributes(&[..])` for the literal attributes, if there are any:
/// they join the callsite and cost nothing per call.
///
/// ```text
/// // Input:
/// #[traced(attrs(db.system = "postgres"))]
/// fn query(sql: &str) -> Rows { .. }
///
/// // Output:
/// fn query(sql: &str) -> Rows {
///     static __TRACED_CALLSITE: RT::__private::Callsite = RT::__private::Callsite::new(..)
///         .with_attributes(&[RT::__private::StaticAttribute::new(
///             "db.system",
///             RT::__private::StaticValue::Str("postgres"),   // or I64(-3), F64(0.5), Bool(true)
///         )])
///         .with_qualified_name(__traced_here);
///     ..
/// }
/// ```
fn static_attributes(runtime: &TokenStream, fields: &[Field]) -> Option<TokenStream> {
    let attributes: Vec<TokenStream> = fields
        .iter()
        .filter_map(|field| {
            let FieldValue::Static(literal) = &field.value else {
                return None;
            };
            let key = field.key_literal();
            let value = match literal {
                StaticLiteral::Str(text) => quote!(Str(#text)),
                StaticLiteral::Bool(value) => quote!(Bool(#value)),
                StaticLiteral::I64(value) => {
                    let magnitude = Literal::u64_unsuffixed(value.unsigned_abs());
                    let sign = value.is_negative().then(|| quote!(-));
                    quote!(I64(#sign #magnitude))
                }
                StaticLiteral::F64(value) => {
                    let magnitude = Literal::f64_unsuffixed(value.abs());
                    let sign = value.is_sign_negative().then(|| quote!(-));
                    quote!(F64(#sign #magnitude))
                }
            };
            Some(quote! {
                #runtime::__private::StaticAttribute::new(#key, #runtime::__private::StaticValue::#value)
            })
        })
        .collect();
    if attributes.is_empty() {
        return None;
    }
    Some(quote!(.with_attributes(&[#(#attributes),*])))
}

/// The statement recording the evaluated `attrs(..)` and the `args(..)`,
/// in the order written: one `with` per value, then one `record` for all,
/// so the span is looked up once per call. It is placed right after the
/// span is entered: after the guard in a sync function, first thing inside
/// the `async move` block for async code (where an `async fn`'s parameters
/// are owned). Each `with` (the runtime path included) is located at the
/// user's expression or parameter name, so that a value without an
/// attribute form is reported there, with the runtime's hint to use `%` or
/// `?`, rather than on the whole attribute (see [`at_user_code`]). An
/// operand that binds more loosely than `&` is parenthesized (`&(a + b)`).
///
/// ```text
/// // Input:
/// #[traced(attrs(db.rows = limit * 2, peer = %addr, opts = ?opts.get()), args(sql))]
/// fn query(sql: &str, limit: u32, addr: SocketAddr, opts: &Opts) -> Rows { .. }
///
/// // Output (where a value runs code, here `opts.get()`: otherwise a sync
/// // function starts its span with the values, see `attributes_at_start`):
/// fn query(sql: &str, limit: u32, addr: SocketAddr, opts: &Opts) -> Rows {
///     CALLSITE;
///     let __traced_guard = RT::__private::SpanGuard::enter(&__TRACED_CALLSITE);
///     RT::__private::Attributes::new()
///         .with(&"db.rows", &(limit * 2))
///         .with(&"peer", &RT::__private::Display(&addr))
///         .with(&"opts", &RT::__private::Debug(&opts.get()))
///         .with(&"sql", &sql)
///         .record();
///     { .. }
/// }
///
/// // An `async fn`:
/// let __traced_span = RT::__private::PendingSpan::new(&__TRACED_CALLSITE);
/// RT::__private::Instrumented::new(__traced_span, async move {
///     RT::__private::Attributes::new().with(&"sql", &sql).record();
///     ..
/// })
/// .await
/// ```
fn records(runtime: &TokenStream, fields: &[Field]) -> TokenStream {
    match attribute_chain(runtime, fields) {
        Some(chain) => quote!(#chain .record();),
        None => TokenStream::new(),
    }
}

/// The values of a sync function without start options, recorded as its
/// span starts: the `Attributes` chain of [`records`] ends in
/// `.enter(&__TRACED_CALLSITE)`, which starts the span with them already
/// in its record, so it is not looked up again (about half of what an
/// argument costs otherwise). `None` when a value must wait for the span:
/// one that could run code of its own (a call, a method call, a macro, a
/// block, an `.await`) might start spans or use the current-span API, and
/// must then see the span as its parent, as written.
///
/// ```text
/// // Input:
/// #[traced(args(sql), attrs(db.rows = limit * 2))]
/// fn query(sql: &str, limit: u32) -> Rows { .. }
///
/// // Output:
/// fn query(sql: &str, limit: u32) -> Rows {
///     CALLSITE;
///     let __traced_guard = RT::__private::Attributes::new()
///         .with(&"db.rows", &(limit * 2))
///         .with(&"sql", &sql)
///         .enter(&__TRACED_CALLSITE);
///     { .. }
/// }
/// ```
fn attributes_at_start(cx: &Context, fields: &[Field]) -> Option<TokenStream> {
    if cx.options.is_some() {
        return None;
    }
    let eligible = fields.iter().all(|field| match &field.value {
        FieldValue::Static(_) | FieldValue::Parameter(_) => true,
        FieldValue::Evaluated { expr, .. } => runs_no_code(expr),
    });
    if !eligible {
        return None;
    }
    let chain = attribute_chain(&cx.runtime, fields)?;
    Some(quote!(#chain .enter(&__TRACED_CALLSITE)))
}

/// Whether evaluating `expr` runs only what the language does (reads,
/// arithmetic, casts), no function of anyone's: see [`attributes_at_start`].
/// Operators on user types do call `Add::add` and the like; such a value
/// is still computed before the body runs, as a call argument would be.
fn runs_no_code(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Field(e) => runs_no_code(&e.base),
        Expr::Reference(e) => runs_no_code(&e.expr),
        Expr::Unary(e) => runs_no_code(&e.expr),
        Expr::Binary(e) => runs_no_code(&e.left) && runs_no_code(&e.right),
        Expr::Cast(e) => runs_no_code(&e.expr),
        Expr::Paren(e) => runs_no_code(&e.expr),
        Expr::Group(e) => runs_no_code(&e.expr),
        _ => false,
    }
}

/// `RT::__private::Attributes::new().with(..)..`, one `with` per evaluated
/// value, or `None` if there is none.
fn attribute_chain(runtime: &TokenStream, fields: &[Field]) -> Option<TokenStream> {
    let values: Vec<TokenStream> = fields
        .iter()
        .filter_map(|field| {
            let key = field.key_literal();
            match &field.value {
                FieldValue::Static(_) => None,
                FieldValue::Parameter(name) => {
                    let span = at_user_code(name.span());
                    Some(quote_spanned! {span=> .with(&#key, &#name) })
                }
                FieldValue::Evaluated { render, expr } => {
                    let span = at_user_code(first_span(expr));
                    let runtime = rewrite::respan(runtime.clone(), span);
                    let operand = borrow_operand(expr);
                    let value = match render {
                        Render::Value => quote_spanned!(span=> &#operand),
                        Render::Display => {
                            quote_spanned!(span=> &#runtime::__private::Display(&#operand))
                        }
                        Render::Debug => {
                            quote_spanned!(span=> &#runtime::__private::Debug(&#operand))
                        }
                    };
                    Some(quote_spanned! {span=> .with(&#key, #value) })
                }
            }
        })
        .collect();
    if values.is_empty() {
        return None;
    }
    Some(quote!(#runtime::__private::Attributes::new() #(#values)*))
}

/// `expr` as the operand of `&`: parenthesized unless it binds at least as
/// tightly as `&` (paths, literals, calls, fields, ...), so that
/// `attrs(sum = a + b)` records `&(a + b)`, not `&a + b`.
fn borrow_operand(expr: &Expr) -> TokenStream {
    match expr {
        Expr::Array(_)
        | Expr::Await(_)
        | Expr::Block(_)
        | Expr::Call(_)
        | Expr::Field(_)
        | Expr::Group(_)
        | Expr::If(_)
        | Expr::Index(_)
        | Expr::Lit(_)
        | Expr::Macro(_)
        | Expr::Match(_)
        | Expr::MethodCall(_)
        | Expr::Paren(_)
        | Expr::Path(_)
        | Expr::Reference(_)
        | Expr::Repeat(_)
        | Expr::Struct(_)
        | Expr::Try(_)
        | Expr::Tuple(_)
        | Expr::Unary(_)
        | Expr::Unsafe(_) => expr.to_token_stream(),
        _ => {
            let mut group = Group::new(Delimiter::Parenthesis, expr.to_token_stream());
            group.set_span(first_span(expr));
            TokenTree::Group(group).into()
        }
    }
}

/// A span for generated tokens that reports at `location` (the user's
/// code) but still counts as macro output, so lints about the generated
/// tokens themselves (`unused_qualifications` on a `crate = path` the user
/// wrote, say) stay quiet, as they do for the rest of the expansion.
fn at_user_code(location: Span) -> Span {
    Span::call_site().located_at(location)
}

/// `StartOptions::new().parent(..).root().link(..)`, when any of `parent`,
/// `root`, `link`/`follows_from` is given: only then is the span opened
/// through `StartOptions` (the plain `enter` / `new` stay the fast path
/// otherwise). Each expression is the argument of a method spanned at it,
/// so a type error points at the user's code. Being the builder's
/// arguments, they are evaluated before the span opens, in the function's
/// scope; for an `async fn`, in its body before the inner `async move`
/// block, where the parameters are still available by reference.
///
/// ```text
/// // Input:
/// #[traced(kind = consumer, root, link = &message.producer, follows_from = previous)]
/// fn on_message(message: &Message, previous: Option<PropagatedContext>) { .. }
///
/// // Output:
/// fn on_message(message: &Message, previous: Option<PropagatedContext>) {
///     CALLSITE;
///     let __traced_guard = RT::__private::SpanGuard::enter_with(
///         &__TRACED_CALLSITE,
///         RT::__private::StartOptions::new().root().link(&message.producer).link(previous),
///     );
///     { .. }
/// }
///
/// // With `parent = RT::extract(&headers)` on an `async fn`:
/// let __traced_span = RT::__private::PendingSpan::new_with(
///     &__TRACED_CALLSITE,
///     RT::__private::StartOptions::new().parent(RT::extract(&headers)),
/// );
/// RT::__private::Instrumented::new(__traced_span, async move { .. }).await
/// ```
fn start_options(runtime: &TokenStream, args: &Args) -> Option<TokenStream> {
    if !args.has_start_options() {
        return None;
    }
    let mut options = quote!(#runtime::__private::StartOptions::new());
    if let Some(parent) = args.parent() {
        options.extend(quote_spanned!(at_user_code(first_span(parent))=> .parent(#parent)));
    }
    if args.root() {
        options.extend(quote!(.root()));
    }
    for link in args.links() {
        options.extend(quote_spanned!(at_user_code(first_span(link))=> .link(#link)));
    }
    Some(options)
}

/// The body of a sync function: a guard, the recorded attributes, then the
/// body, observed (see [`observed`]) when its value can be.
///
/// ```text
/// // Input:
/// #[traced]
/// fn load_user(&self, id: u64) -> Result<&User, DbError> {
///     let row = self.db.get(id)?;
///     if row.deleted {
///         return Err(DbError::Gone);
///     }
///     Ok(&row.user)
/// }
///
/// // Output:
/// fn load_user(&self, id: u64) -> Result<&User, DbError> {
///     CALLSITE;
///     let __traced_guard = RT::__private::SpanGuard::enter(&__TRACED_CALLSITE);
///     let __traced_ret: Result<&User, DbError> = {
///         let row = RT::__private::observe_try!(Result<&User, DbError>; self.db.get(id))?;
///         if row.deleted {
///             return {
///                 let __traced_ret: Result<&User, DbError> = Err(DbError::Gone);
///                 { RT::__private::observe!(&__traced_ret); }
///                 __traced_ret
///             };
///         }
///         Ok(&row.user)
///     };
///     { RT::__private::observe!(&__traced_ret); }
///     __traced_ret
/// }
/// ```
///
/// Without observation (`err = false`; `()`, `!` or `impl Trait` returns):
///
/// ```text
/// // Input:
/// #[traced]
/// fn tick(&mut self) { self.n += 1; }
///
/// // Output:
/// fn tick(&mut self) {
///     CALLSITE;
///     let __traced_guard = RT::__private::SpanGuard::enter(&__TRACED_CALLSITE);
///     { self.n += 1; }
/// }
/// ```
fn sync_fn(cx: &Context, output: Option<Output>, block: &mut Block) -> TokenStream {
    let guard = &cx.guard;
    let (enter, records) = match &cx.start_attributes {
        Some(enter_with_values) => (enter_with_values.clone(), &TokenStream::new()),
        None => (cx.enter(), &cx.records),
    };
    let body = match output {
        Some(Output::Named(ty)) if cx.observes() => observed(cx, &ty, block),
        _ => {
            let stmts = &block.stmts;
            quote!({ #(#stmts)* })
        }
    };
    quote! {
        let #guard = #enter;
        #records
        #body
    }
}

/// The body of an `async fn`, which becomes the plain function it stands
/// for (see `async_fn`): the span is opened at the call, then the
/// runtime's future is returned around an `async move` block that first
/// moves every parameter in, then holds the body. The span is entered on
/// every poll by the runtime's future; `parent` and `link` expressions
/// are evaluated at the call, before the span opens.
///
/// ```text
/// // Input:
/// #[traced]
/// async fn fetch(&self, id: u64) -> Result<Row, DbError> {
///     let row = self.db.get(id).await?;
///     Ok(row)
/// }
///
/// // Output:
/// fn fetch(&self, id: u64) -> impl ::core::future::Future<Output = Result<Row, DbError>> {
///     CALLSITE;
///     let __traced_span = RT::__private::PendingSpan::new(&__TRACED_CALLSITE);
///     RT::__private::Instrumented::new(__traced_span, async move {
///         let _ = &self;
///         let id = id;
///         let __traced_ret: Result<Row, DbError> = {
///             let row = RT::__private::observe_try!(Result<Row, DbError>; self.db.get(id).await)?;
///             Ok(row)
///         };
///         RT::__private::observe!(&__traced_ret);
///         __traced_ret
///     })
/// }
/// ```
///
/// An `async fn` that `async_fn::rewritable` excludes (`-> !`,
/// `#[must_use]`, another attribute macro after `#[traced]`) keeps its
/// signature, and its span opens when the future is first polled:
///
/// ```text
/// // Output:
/// #[must_use]
/// async fn fetch(&self, id: u64) -> Result<Row, DbError> {
///     CALLSITE;
///     let __traced_span = RT::__private::PendingSpan::new(&__TRACED_CALLSITE);
///     RT::__private::Instrumented::new(__traced_span, async move { .. }).await
/// }
/// ```
///
/// The inner block is built by [`async_body`].
fn async_fn(cx: &Context, args: &Args, output: Option<Output>, func: &mut ItemFn) -> TokenStream {
    let runtime = &cx.runtime;
    let span = &cx.span;
    let pending = cx.pending();
    if !async_fn::rewritable(&func.attrs, output.as_ref()) {
        let inner = async_body(cx, output, &mut func.block);
        return quote! {
            let #span = #pending;
            #runtime::__private::Instrumented::new(#span, async move { #inner }).await
        };
    }
    let mut kept = HashSet::new();
    for expr in args.parent().into_iter().chain(args.links()) {
        async_fn::identifiers(expr.to_token_stream(), &mut kept);
    }
    let moves = async_fn::desugar(&mut func.sig, &kept);
    let inner = async_body(cx, output, &mut func.block);
    quote! {
        let #span = #pending;
        #runtime::__private::Instrumented::new(#span, async move { #moves #inner })
    }
}

/// The body of a sync function ending in an `async` block (see
/// `ast::AsyncTail`): the span opened at the call, before the statements
/// that precede the tail, then those statements, then the tail block
/// wrapped in the runtime's future. The block's output is observed when
/// the `Future<Output = X>` bound names `X` (same rules as for an
/// `async fn`). A body that does not end in an `async` block is
/// instrumented by [`sync_fn`] (the span then covers creating the future,
/// not running it).
///
/// ```text
/// // Input:
/// #[traced]
/// fn send(&self, msg: Msg) -> impl Future<Output = io::Result<()>> + Send + '_ {
///     let bytes = msg.encode();
///     async move { self.conn.write_all(&bytes).await }
/// }
///
/// // Output:
/// fn send(&self, msg: Msg) -> impl Future<Output = io::Result<()>> + Send + '_ {
///     CALLSITE;
///     let __traced_span = RT::__private::PendingSpan::new(&__TRACED_CALLSITE);
///     {
///         let bytes = msg.encode();
///         RT::__private::Instrumented::new(__traced_span, async move {
///             let __traced_ret: io::Result<()> = { self.conn.write_all(&bytes).await };
///             RT::__private::observe!(&__traced_ret);
///             __traced_ret
///         })
///     }
/// }
/// ```
///
/// An `#[async_trait]` method is one of these: `#[async_trait]` sits on
/// the `impl` (or trait) block, so it expands before the `#[traced]` on a
/// method inside it and hands `#[traced]` a sync function whose body is
/// `Box::pin(async move { .. })`. The `async` block is wrapped inside the
/// `Box::pin`, with `R` taken from the `dyn Future<Output = R>` of the
/// rewritten signature.
///
/// ```text
/// // Input (after #[async_trait]):
/// #[traced]
/// fn get<'life0, 'async_trait>(&'life0 self, id: u64)
///     -> Pin<Box<dyn Future<Output = Result<Row, DbError>> + Send + 'async_trait>>
/// where 'life0: 'async_trait, Self: 'async_trait
/// {
///     Box::pin(async move { /* async-trait's body */ })
/// }
///
/// // Output:
/// fn get<'life0, 'async_trait>(&'life0 self, id: u64)
///     -> Pin<Box<dyn Future<Output = Result<Row, DbError>> + Send + 'async_trait>>
/// where 'life0: 'async_trait, Self: 'async_trait
/// {
///     CALLSITE;
///     let __traced_span = RT::__private::PendingSpan::new(&__TRACED_CALLSITE);
///     {
///         Box::pin(RT::__private::Instrumented::new(__traced_span, async move {
///             let __traced_ret: Result<Row, DbError> = { /* async-trait's body */ };
///             RT::__private::observe!(&__traced_ret);
///             __traced_ret
///         }))
///     }
/// }
/// ```
fn fn_returning_async_block(
    cx: &Context,
    output: Option<Output>,
    before: &Block,
    tail: AsyncTail,
) -> TokenStream {
    let runtime = &cx.runtime;
    let span = &cx.span;
    let pending = cx.pending();
    let AsyncTail { boxed, mut future } = tail;
    let inner = async_body(cx, output, &mut future.block);
    future.block.stmts = vec![Stmt::Expr(Expr::Verbatim(inner), None)];
    let instrumented = Expr::Verbatim(quote! {
        #runtime::__private::Instrumented::new(#span, #future)
    });
    let tail = match boxed {
        Some(mut call) => {
            if let Some(arg) = call.args.first_mut() {
                *arg = instrumented;
            }
            Expr::Call(call)
        }
        None => instrumented,
    };
    let stmts = &before.stmts;
    quote! {
        let #span = #pending;
        { #(#stmts)* #tail }
    }
}

/// The contents of the `async` block run inside the span: the recorded
/// attributes, then the body. `output` is the block's output type, when
/// known.
///
/// With `err = false` or an `impl Trait` output the body still ends in
/// `let __traced_ret: R = { .. }; __traced_ret` (each `impl Trait` in `R`
/// written `_`), because a `?` inside an `async` block needs the block's
/// output type to be known. With a `()` or `!` output, or one the
/// signature does not spell out, it is the body as written.
fn async_body(cx: &Context, output: Option<Output>, block: &mut Block) -> TokenStream {
    let ret = &cx.ret;
    let records = &cx.records;
    let body = match output {
        Some(Output::Named(ty)) if cx.observes() => observed(cx, &ty, block),
        // Annotated so that a `?` in the body knows which error type to
        // convert into.
        Some(Output::Named(ty) | Output::Opaque(ty)) => {
            let stmts = &block.stmts;
            quote! {
                #[allow(clippy::diverging_sub_expression)]
                let #ret: #ty = { #(#stmts)* };
                #ret
            }
        }
        Some(Output::Unit | Output::Never) | None => {
            let stmts = &block.stmts;
            quote!(#(#stmts)*)
        }
    };
    quote!(#records #body)
}

/// The body bound to `__traced_ret: ty`, observed, and returned; its early
/// exits observed too (see `rewrite::observe_exits`). The other transforms
/// show this without its `#[allow]`s.
///
/// ```text
/// // Input:
/// { let row = self.db.get(id)?; Ok(&row.user) }
///
/// // Output (`ty` = `Result<&User, DbError>`):
/// #[allow(clippy::diverging_sub_expression)]
/// let __traced_ret: Result<&User, DbError> = {
///     let row = RT::__private::observe_try!(Result<&User, DbError>; self.db.get(id))?;
///     Ok(&row.user)
/// };
/// #[allow(unreachable_code)]
/// { RT::__private::observe!(&__traced_ret); }
/// __traced_ret
/// ```
fn observed(cx: &Context, ty: &syn::Type, block: &mut Block) -> TokenStream {
    let ret = &cx.ret;
    let on_return = cx.on_return();
    rewrite::observe_exits(
        block,
        &rewrite::Exits {
            question_mark: cx.question_mark(),
            on_return: on_return.clone(),
            ret: ty,
            binding: ret,
        },
    );
    let stmts = &block.stmts;
    // When the body diverges (`loop {}`, `panic!()`, a final `return`), the
    // `let` initializer is a diverging sub-expression (clippy) and the
    // observation is unreachable (rustc). The second allow sits on a block
    // statement: rustc ignores lint attributes on a macro call statement.
    quote! {
        #[allow(clippy::diverging_sub_expression)]
        let #ret: #ty = { #(#stmts)* };
        #[allow(unreachable_code)]
        {
            #on_return
        }
        #ret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands `#[traced(args)] item` and returns the output as a string.
    fn expand(args: &str, item: &str) -> String {
        let Ok(parsed) = Traced::from_syn(args.parse().unwrap(), item.parse().unwrap()) else {
            panic!("#[traced({args})] {item} should parse");
        };
        traced(parsed).to_string()
    }

    fn assert_contains(output: &str, expected: &[&str]) {
        for part in expected {
            assert!(output.contains(part), "missing `{part}` in:\n{output}");
        }
    }

    #[test]
    fn sync_fn_observes_tail_question_marks_and_returns() {
        let out = expand(
            "",
            "fn f(&self) -> Result<&str, E> { let x = g()?; if x { return Err(e); } Ok(&self.s) }",
        );
        assert_contains(
            &out,
            &[
                "# [allow (non_camel_case_types , dead_code)] struct __traced_here ; \
                 static __TRACED_CALLSITE : :: trace_runtime :: __private :: Callsite",
                "\"f\" , :: trace_runtime :: __private :: SpanKind :: Internal",
                ":: core :: concat ! (:: core :: module_path ! () , \"::\" , \"f\")",
                ":: core :: line ! () ,) . with_qualified_name (:: core :: any :: type_name :: < __traced_here >) ;",
                "let __traced_guard = :: trace_runtime :: __private :: SpanGuard :: enter (& __TRACED_CALLSITE) ;",
                "let __traced_ret : Result < & str , E > = {",
                ":: trace_runtime :: __private :: observe_try ! (Result < & str , E > ; g ()) ?",
                "return { let __traced_ret : Result < & str , E > = Err (e) ;",
                ":: trace_runtime :: __private :: observe ! (& __traced_ret) ; } __traced_ret }",
            ],
        );
    }

    #[test]
    fn unit_never_opaque_and_err_false_are_not_observed() {
        for (args, item) in [
            ("", "fn f() { g(); }"),
            ("", "fn f() -> () { g(); }"),
            ("", "fn f() -> ! { loop {} }"),
            ("", "fn f() -> impl Display { 1 }"),
            ("err = false", "fn f() -> Result<u8, E> { g()?; Ok(1) }"),
        ] {
            let out = expand(args, item);
            assert!(!out.contains("observe"), "{item} => {out}");
            assert!(!out.contains("__traced_ret"), "{item} => {out}");
            assert_contains(&out, &["SpanGuard :: enter"]);
        }
    }

    #[test]
    fn async_fn_opens_the_span_at_the_call_and_returns_the_runtime_future() {
        let out = expand(
            "kind = client",
            "async fn f(x: u8) -> Result<u8, E> { g(x).await?; Ok(x) }",
        );
        assert_contains(
            &out,
            &[
                "fn f (x : u8) -> impl :: core :: future :: Future < Output = Result < u8 , E > > {",
                "SpanKind :: Client",
                "let __traced_span = :: trace_runtime :: __private :: PendingSpan :: new (& __TRACED_CALLSITE) ;",
                ":: trace_runtime :: __private :: Instrumented :: new (__traced_span , async move { let x = x ;",
                "let __traced_ret : Result < u8 , E > = {",
                "observe_try ! (Result < u8 , E > ; g (x) . await) ?",
            ],
        );
        assert!(out.ends_with("__traced_ret }) }"), "{out}");
        assert!(!out.contains("async fn"), "{out}");
        assert!(!out.contains("SpanGuard"), "{out}");
    }

    #[test]
    fn async_fn_that_cannot_be_rewritten_keeps_its_signature_and_awaits() {
        for item in [
            "#[must_use] async fn f() -> u8 { 1 }",
            "#[tokio::main] async fn f() -> u8 { 1 }",
            "async fn f() -> ! { loop {} }",
        ] {
            let out = expand("", item);
            assert_contains(
                &out,
                &[
                    "async fn f ()",
                    "Instrumented :: new (__traced_span , async move {",
                    "}) . await }",
                ],
            );
        }
    }

    #[test]
    fn async_fn_without_observation_still_annotates_for_question_marks() {
        let out = expand(
            "err = false",
            "async fn f() -> Result<impl Display, E> { g()?; Ok(1) }",
        );
        assert_contains(
            &out,
            &["let __traced_ret : Result < _ , E > = { g () ? ; Ok (1) } ; __traced_ret"],
        );
        assert!(!out.contains("observe"), "{out}");
    }

    #[test]
    fn async_tail_opens_the_span_at_the_call() {
        let out = expand(
            "",
            "fn f(x: u8) -> impl Future<Output = Result<u8, E>> + Send { let y = x; async move { g(y)?; Ok(y) } }",
        );
        assert_contains(
            &out,
            &[
                "let __traced_span = :: trace_runtime :: __private :: PendingSpan :: new (& __TRACED_CALLSITE) ; { let y = x ;",
                ":: trace_runtime :: __private :: Instrumented :: new (__traced_span , async move {",
                "let __traced_ret : Result < u8 , E > =",
                "observe_try ! (Result < u8 , E > ; g (y)) ?",
            ],
        );
    }

    #[test]
    fn async_trait_boxed_future_is_wrapped_inside_the_box() {
        let out = expand(
            "",
            "fn f<'life0, 'async_trait>(&'life0 self) -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = u8> + ::core::marker::Send + 'async_trait>> where 'life0: 'async_trait { Box::pin(async move { let __ret: u8 = { 1 }; __ret }) }",
        );
        assert_contains(
            &out,
            &[
                "Box :: pin (:: trace_runtime :: __private :: Instrumented :: new (__traced_span , async move {",
                "let __traced_ret : u8 = { let __ret : u8 = { 1 } ; __ret } ;",
            ],
        );
    }

    #[test]
    fn arguments_reach_the_callsite_and_runtime_path() {
        let out = expand(r#"name = "db.query", crate = tr"#, "fn r#type() {}");
        assert_contains(
            &out,
            &[
                "static __TRACED_CALLSITE : tr :: __private :: Callsite = tr :: __private :: Callsite :: new (\"db.query\"",
                "\"::\" , \"type\")",
                "tr :: __private :: SpanGuard :: enter",
            ],
        );
        assert!(!out.contains("trace_runtime"), "{out}");
        let out = expand("name = spans::DB", "fn f() {}");
        assert_contains(&out, &["Callsite :: new (spans :: DB ,"]);
    }

    #[test]
    fn signature_and_inner_attributes_are_kept() {
        let out = expand(
            "",
            "#[inline] pub(crate) unsafe extern \"C\" fn f<'a, T: Copy, const N: usize>(x: &'a [T; N]) -> &'a T where T: 'a { #![allow(unused)] &x[0] }",
        );
        assert!(
            out.starts_with(
                "# [inline] pub (crate) unsafe extern \"C\" fn f < 'a , T : Copy , const N : usize > (x : & 'a [T ; N]) -> & 'a T where T : 'a { # ! [allow (unused)] # [allow (non_camel_case_types , dead_code)] struct __traced_here ;"
            ),
            "{out}"
        );
    }

    #[test]
    fn literal_attributes_join_the_callsite() {
        let out = expand(
            r#"attrs(db.system = "pg", n = -3, r = 0.5, b = true, big = 18446744073709551615)"#,
            "fn f() {}",
        );
        assert_contains(
            &out,
            &[
                ":: core :: line ! () ,) . with_attributes (& [",
                "StaticAttribute :: new (\"db.system\" , :: trace_runtime :: __private :: StaticValue :: Str (\"pg\"))",
                "StaticValue :: I64 (- 3)",
                "StaticValue :: F64 (0.5)",
                "StaticValue :: Bool (true)",
                "StaticValue :: Str (\"18446744073709551615\")",
            ],
        );
        assert!(!out.contains("record"), "{out}");
    }

    #[test]
    fn values_that_run_no_code_are_recorded_as_the_span_starts() {
        let out = expand(
            "attrs(sum = a + b, shown = %a, dbg = ?b), args(a)",
            "fn f(a: u8, b: u8) { g(); }",
        );
        assert_contains(
            &out,
            &[
                "let __traced_guard = :: trace_runtime :: __private :: Attributes :: new () \
                 . with (& \"sum\" , & (a + b)) \
                 . with (& \"shown\" , & :: trace_runtime :: __private :: Display (& a)) \
                 . with (& \"dbg\" , & :: trace_runtime :: __private :: Debug (& b)) \
                 . with (& \"a\" , & a) . enter (& __TRACED_CALLSITE) ; { g () ; }",
            ],
        );
        assert!(!out.contains("SpanGuard"), "{out}");
    }

    #[test]
    fn a_value_that_calls_code_is_recorded_after_the_guard() {
        // `len()` could start spans of its own: it must run inside the span.
        let out = expand(
            "attrs(n = v.len()), args(a)",
            "fn f(a: u8, v: &[u8]) { g(); }",
        );
        assert_contains(
            &out,
            &["SpanGuard :: enter (& __TRACED_CALLSITE) ; \
                 :: trace_runtime :: __private :: Attributes :: new () \
                 . with (& \"n\" , & v . len ()) \
                 . with (& \"a\" , & a) . record () ; { g () ; }"],
        );
        // With start options, the span starts through `enter_with`.
        let out = expand("args(a), root", "fn f(a: u8) { g(); }");
        assert_contains(&out, &["SpanGuard :: enter_with", ". record () ;"]);
    }

    #[test]
    fn async_records_are_the_first_statements_of_the_async_block() {
        let out = expand("args(x)", "async fn f(x: u8) -> u8 { x }");
        assert_contains(
            &out,
            &[
                "Instrumented :: new (__traced_span , async move { let x = x ; :: trace_runtime :: __private :: Attributes :: new () . with (& \"x\" , & x) . record () ; # [allow (clippy :: diverging_sub_expression)] let __traced_ret",
            ],
        );
        let out = expand(
            "args(x)",
            "fn f(x: u8) -> impl Future<Output = u8> { async move { x } }",
        );
        assert_contains(
            &out,
            &[
                "async move { :: trace_runtime :: __private :: Attributes :: new () . with (& \"x\" , & x) . record () ; # [allow (clippy :: diverging_sub_expression)] let __traced_ret : u8",
            ],
        );
    }

    #[test]
    fn ret_is_recorded_at_the_tail_and_returns_but_not_at_question_marks() {
        let out = expand(
            "ret",
            "fn f() -> Result<u8, E> { g()?; if x { return Ok(1); } Ok(2) }",
        );
        assert_eq!(out.matches("record_return !").count(), 2, "{out}");
        assert_contains(&out, &["observe_try ! (Result < u8 , E > ; g ()) ?"]);
        let out = expand(
            "ret(%), err = false",
            "fn f() -> Result<u8, E> { g()?; Ok(2) }",
        );
        assert_contains(
            &out,
            &[
                "g () ? ;",
                ":: trace_runtime :: __private :: record_return_display ! (& __traced_ret) ;",
            ],
        );
        assert!(!out.contains("observe"), "{out}");
        let out = expand("ret(?)", "fn f() -> u8 { 1 }");
        assert_contains(&out, &["record_return_debug ! (& __traced_ret)"]);
    }

    #[test]
    fn err_rendering_picks_the_display_or_debug_macros() {
        let out = expand("err(%)", "fn f() -> Result<u8, E> { g()?; return Err(e); }");
        assert_contains(
            &out,
            &[
                "observe_try_display ! (Result < u8 , E > ; g ()) ?",
                "observe_display ! (& __traced_ret)",
            ],
        );
        let out = expand("err(?)", "async fn f() -> Result<u8, E> { g()?; Ok(1) }");
        assert_contains(
            &out,
            &[
                "observe_try_debug ! (Result < u8 , E > ; g ()) ?",
                "observe_debug ! (& __traced_ret)",
            ],
        );
    }

    #[test]
    fn start_options_are_used_only_when_given() {
        let out = expand(
            "parent = ctx, link = &a, follows_from = b",
            "fn f(ctx: C, a: C, b: C) {}",
        );
        assert_contains(
            &out,
            &[
                "SpanGuard :: enter_with (& __TRACED_CALLSITE , :: trace_runtime :: __private :: StartOptions :: new () . parent (ctx) . link (& a) . link (b))",
            ],
        );
        let out = expand("root", "async fn f() {}");
        assert_contains(
            &out,
            &[
                "PendingSpan :: new_with (& __TRACED_CALLSITE , :: trace_runtime :: __private :: StartOptions :: new () . root ())",
            ],
        );
        let out = expand("attrs(a = 1), ret", "fn f() -> u8 { 1 }");
        assert!(!out.contains("StartOptions"), "{out}");
        assert!(!out.contains("enter_with"), "{out}");
    }
}
