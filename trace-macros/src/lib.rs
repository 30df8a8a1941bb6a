//! The `#[traced]` attribute: every call of the annotated function becomes
//! one bounded OpenTelemetry span.
//!
//! Use it through `trace-runtime`, which re-exports it as
//! `trace_runtime::traced`; the code it generates calls
//! `trace_runtime::__private`, a hidden module versioned with this crate
//! (the contract is `notes/private-api.md`), and `::core`, nothing else.
//! Which argument uses which part of that module:
//!
//! | argument | `__private` items the expansion calls |
//! |---|---|
//! | (always) | `Callsite::new`, `Callsite::with_qualified_name`, `SpanKind`, `SpanGuard::enter` (sync) or `PendingSpan::new` + `Instrumented::new` (async, opened at the call) |
//! | (a `Result` return) | `observe!` at the tail and each `return`, `observe_try!` at each `?` |
//! | `err(%)` / `err(?)` | `observe_display!` / `observe_debug!`, `observe_try_display!` / `observe_try_debug!` instead |
//! | `attrs(key = literal)` | `Callsite::with_attributes`, `StaticAttribute::new`, `StaticValue` |
//! | `attrs(key = expr)`, `args(name)` | `Attributes::{new, with}` then `enter` (sync, values that run no code: the span starts with them) or `record` after the start, with `Display` for `%expr` and `Debug` for `?expr` |
//! | `ret` / `ret(%)` / `ret(?)` | `record_return!` / `record_return_display!` / `record_return_debug!` |
//! | `parent`, `root`, `link`, `follows_from` | `StartOptions::{new, parent, root, link}`, `SpanGuard::enter_with` / `PendingSpan::new_with` |
//!
//! The crate is a pipeline, one stage per module. The input is parsed and
//! classified once, into the view `ast` defines; validation and generation
//! only read that view, so no stage works the function's shape out again:
//!
//! | stage | module | owns |
//! |---|---|---|
//! | parse | `args` | the `#[traced(...)]` arguments |
//! | parse | `attributes` | the keys and values of `attrs(..)` and `args(..)` |
//! | parse | `ast` | the one parsed view: arguments, function, flavor (sync / `async fn` / async tail), output type; what the attribute may be applied to |
//! | rewrite | `async_fn` | an `async fn` as the plain function returning `impl Future` it stands for, so its span opens at the call |
//! | validate | `validate` | `args` names, `ret` and `err(..)` against the function |
//! | rewrite | `rewrite` | observing `?` and `return` in the body |
//! | generate | `expand` | the instrumented function (an index of the transforms, each shown on the function generating it) |
//!
//! Beside them, `suggest` finds the "did you mean ...?" of a misspelt
//! argument or span kind.

#![forbid(unsafe_code)]

mod args;
mod ast;
mod async_fn;
mod attributes;
mod expand;
mod rewrite;
mod suggest;
mod validate;

use proc_macro::TokenStream;

/// Makes every call of the annotated function one span.
///
/// The span opens when the call starts and ends exactly once when it
/// leaves: normal return, early `return`, `?`, a panic unwinding through
/// it, or (for async code) the future being dropped before it completes.
/// Its parent is the innermost span active on this thread or in this task.
///
/// ```ignore
/// use trace_runtime::traced;
///
/// #[traced]                            // span "load_user", kind internal
/// fn load_user(&self, id: u64) -> Result<&User, DbError> { ... }
///
/// #[traced(name = "db.query", kind = client, attrs(db.system = "postgres"), args(sql))]
/// async fn query(sql: &str) -> Result<Rows, DbError> { ... }
///
/// #[traced(kind = consumer, root, link = trace_runtime::extract(&message.metadata))]
/// fn on_message(message: &Message) { ... }
/// ```
///
/// Built with `RUSTFLAGS="--cfg traced_off"`, the attribute is a
/// pass-through: the function is emitted exactly as written, unparsed.
///
/// # What it applies to
///
/// Free functions, inherent and trait methods with a body (any receiver:
/// `self`, `&self`, `&mut self`, `self: Box<Self>`, `self: Pin<&mut Self>`),
/// with generics, lifetimes, const generics, `where` clauses, `impl Trait`
/// arguments and returns, `unsafe fn`, `extern "C" fn` and `-> !`. The
/// signature is left exactly as written (an `async fn` becomes the plain
/// function it stands for, see below).
///
/// - **`async fn`** (free, inherent, in a trait with a default body, or in a
///   trait `impl`): the span opens when the function is called, so it
///   includes the time the future waits before it is first polled, and its
///   parent is the span current at the call (not at the first poll). It is
///   entered on each poll, and ends when the future completes or is dropped,
///   polled or not (then marked cancelled). To do this, the function is
///   emitted as the plain `fn` returning `impl Future<Output = T>` it stands
///   for, its body an `async move` block into which every parameter moves,
///   as in an `async fn` (drop order included); the return type captures
///   every lifetime in scope, also in edition-2021 crates, and the future
///   is `Send` exactly when the body's is. Wrappers applied to the returned
///   future (`.in_context(..)`, `with_identity(attrs, fut)`,
///   `testing::capture_future(fut)`) therefore do not reach the function's
///   own span, which was opened at the call; call the function inside the
///   wrapped future instead (`async { work().await }.in_context(ctx)`), or
///   use `parent = ..`.
///
///   Kept as an `async fn`, with the span opening at the first poll: an
///   `async fn` marked `#[must_use]` (that attribute also checks the
///   awaited value, which a plain function cannot express), returning `!`,
///   or followed by another attribute macro that may need the `async fn`
///   itself (`#[tokio::main]` below `#[traced]`; any attribute other than
///   `doc`, lint levels, `inline`, `cold`, `deprecated`, `cfg` and tool
///   attributes).
/// - **`fn ... -> impl Future<Output = T>` whose body ends in an `async`
///   block** (possibly after other statements): the span opens at the call
///   and covers running the returned future. If the body does not end in an
///   `async` block, the span covers only creating the future.
/// - **`#[async_trait]` methods**: put `#[async_trait]` on the trait or
///   `impl` block and `#[traced]` on the method inside it. `#[async_trait]`
///   expands first (it is the outer attribute) and `#[traced]` recognises
///   the `Box::pin(async move { .. })` it generates, so the span covers the
///   boxed future. `#[traced]` on the `impl` block itself is an error.
///
///   ```ignore
///   #[async_trait::async_trait]
///   impl Store for Db {
///       #[traced(kind = client)]
///       async fn get(&self, id: u64) -> Result<Row, DbError> { ... }
///   }
///   ```
/// - Other attribute macros on the same function expand outermost first.
///   Written above `#[tokio::main]` / `#[tokio::test]`, `#[traced]` sees the
///   `async fn` and instruments its body; written below, it sees the
///   blocking `fn` tokio generates, and the span also covers building the
///   runtime. Both work.
///
/// It is an error on a `const fn` (a span needs a clock at run time), on a
/// function without a body (a required trait method: put `#[traced]` on its
/// implementations), and on anything that is not a function.
///
/// # Code attributes
///
/// Every span carries `code.file.path` and `code.line.number` (the line of
/// the `fn`) and `code.function.name`, the function's fully qualified name
/// as the compiler prints it. The span name stays the short function name.
///
/// ```ignore
/// mod db {
///     impl Store {
///         #[traced]                      // span "load", code.function.name = "app::db::Store::load"
///         fn load(&self) { ... }
///     }
///     impl Repo for Store {
///         #[traced]                      // span "get", code.function.name = "<app::db::Store as app::db::Repo>::get"
///         async fn get(&self) { ... }
///     }
///     impl<T> Cache<T> {
///         #[traced]                      // span "put", code.function.name = "app::db::Cache<_>::put"
///         fn put(&self, value: T) { ... }
///     }
/// }
/// ```
///
/// `async fn` and `#[async_trait]` methods are named like sync ones, and
/// a function declared inside another function or a closure by its path
/// through them (`app::db::outer::inner`, no `{{closure}}`). The name is worked out on
/// the collector thread, once per function: the call itself only passes a
/// pointer to static data. Should a compiler ever print type names in a
/// shape the runtime does not recognise, the name falls back to the module
/// path and the function's name (`app::db::load`).
///
/// # Errors and results
///
/// When the function returns a `Result`, an `Err` leaving it (by its final
/// value, by `return`, or by `?`) sets the span's status to Error and
/// records an `exception` event. This needs no bound on the error type and
/// works for aliases such as `io::Result<T>`. Every exit records the error
/// the function returns, the `E` of its `Result<T, E>`: at a `?`, after the
/// `?` has converted the operand's error into it (`From`), so a `?` records
/// the same type, message and `source()` chain as a `return Err(..)` of
/// the converted value. A `?` on something other than a `Result` (an
/// `Option`, a `Poll`) records nothing. Borrowed returns (`-> &str`,
/// `-> Result<&T, E>`) keep working: the body is never moved into a
/// closure. A `?` written inside a macro invocation (`vec![a?]`) is not
/// observed individually. Return types containing `impl Trait` are not
/// observed. `err(..)` chooses how the error is rendered and `ret` records
/// the `Ok` value (see below).
///
/// A panic unwinding through the call marks the span as Error whatever
/// the return type.
///
/// # Arguments
///
/// All optional, comma-separated, in any order, each at most once except
/// `link` / `follows_from`. Together:
///
/// ```ignore
/// #[traced(
///     name = "db.query", kind = client,
///     attrs(db.system = "postgres", db.statement = sql),
///     args(id), ret, err(%),
///     parent = parent_context, link = &producer,
/// )]
/// async fn query(sql: &str, id: u64, parent_context: Option<PropagatedContext>, producer: PropagatedContext)
///     -> Result<u64, DbError> { ... }
/// ```
///
/// ## `name = "literal"` or `name = PATH`
///
/// The span's name. Defaults to the function's name (without the module
/// path and type, which are recorded separately in `code.function.name`,
/// with the file and the line of the `fn`: see [Code
/// attributes](#code-attributes)). `PATH` is a
/// `const` of type `&'static str`, for names shared with other code; it is
/// evaluated in a `static`, so it cannot name a generic parameter or `Self`.
///
/// ```ignore
/// #[traced(name = "db.query")]
/// fn run_query(sql: &str) -> Result<Rows, DbError> { ... }
///
/// pub const CHECKOUT: &str = "shop.checkout";
/// #[traced(name = spans::CHECKOUT)]
/// fn checkout(cart: &Cart) { ... }
/// ```
///
/// ## `kind = internal | server | client | producer | consumer`
///
/// The OpenTelemetry span kind. Defaults to `internal`.
///
/// ```ignore
/// #[traced(kind = server)]
/// async fn handle(request: Request) -> Response { ... }
///
/// #[traced(kind = producer)]
/// fn publish(message: &Message) -> Result<(), SendError> { ... }
/// ```
///
/// ## `attrs(key = value, ..)`
///
/// Attributes recorded on every span of the function. A key is a name, a
/// dotted name (`db.system`, `http.request.method`; keywords are fine as
/// parts: `otel.type`) or, for anything else, a string literal
/// (`"weird key"`). A value is
///
/// - a literal: a string, an integer, a float or a `bool`, possibly
///   negative (`offset = -1`). It is stored in the function's static
///   callsite and costs nothing per call. Integers keep the `i64` type
///   (beyond `i64::MAX` they are recorded as their decimal text), floats
///   are `f64`;
/// - any other expression, which may use the function's parameters. It is
///   evaluated once per call, on entry, after the span is entered (for an
///   `async fn`, at the start of the body, where the parameters are owned):
///   a panic while evaluating it is a panic in the body, recorded on the
///   span. Its type must implement `trace_runtime::AttributeValue`
///   (integers, floats, `bool`, strings, `Option`s — `None` records
///   nothing —, slices and `Vec`s as arrays, or your own types); otherwise
///   write `key = %expr` to record its `Display` text, or `key = ?expr` for
///   its `Debug` text.
///
/// A key may appear once (across `attrs` and `args`).
///
/// ```ignore
/// #[traced(kind = client, attrs(
///     db.system = "postgres",            // static, in the callsite
///     db.statement = sql,                // &str
///     db.rows.limit = limit * 2,         // evaluated on entry
///     server.address = %addr,            // Display
///     db.options = ?options,             // Debug
///     "db.weird key" = true,
/// ))]
/// fn query(sql: &str, limit: u32, addr: SocketAddr, options: &Options) -> Result<Rows, DbError> { ... }
/// ```
///
/// ## `args(name, ..)`
///
/// Records the named parameters, each under its own name, as `attrs(name =
/// name)` would. Parameters are never recorded unless named, so secrets do
/// not leak by default. A name must be a parameter bound by a plain name
/// (`id: u64`, `mut id: u64`): not `self` (use `attrs(key = self.field)`),
/// nor a name bound inside a pattern such as `(x, y): (i32, i32)` (use
/// `attrs(x = x)`). A name that is not a parameter is an error listing the
/// parameters.
///
/// ```ignore
/// #[traced(args(user, attempt))]              // `password` is not recorded
/// fn login(user: &str, password: &str, attempt: u8) -> Result<Session, AuthError> { ... }
/// ```
///
/// ## `ret`, `ret(%)`, `ret(?)`
///
/// Records the returned value as the `return.value` attribute: as its own
/// attribute type with `ret`, its `Display` text with `ret(%)`, its `Debug`
/// text with `ret(?)`. For a `Result`, the `Ok` value is recorded; an `Err`
/// is recorded as an error, not as the return value. The value is recorded
/// wherever it leaves the function (its final value and every `return`),
/// not at a `?`, which is an error exit. Borrowed returns work.
///
/// The value's type must have an attribute form (see `attrs`); otherwise
/// the compiler's error points at `ret`, and `ret(%)` or `ret(?)` records
/// its text instead. `ret` is an error when there is no value to record (no return type,
/// `-> ()`, `-> !`, an `async fn` returning `()`), when the return type
/// contains `impl Trait` (its type cannot be named inside the function),
/// and for a function returning a future whose `Output` its signature
/// does not spell out (`-> impl Future<Output = T>` works).
///
/// ```ignore
/// #[traced(ret)]
/// fn port(config: &Config) -> Result<u16, ConfigError> { ... }  // return.value = 8080
///
/// #[traced(ret(%))]
/// fn peer(&self) -> &SocketAddr { ... }                          // return.value = "10.0.0.7:443"
/// ```
///
/// ## `err = false`, `err(%)`, `err(?)`
///
/// `err = false` stops recording `Err` results on the span (for functions
/// whose `Err` is an expected outcome, such as a cache miss). The span is
/// still created, and panics are still recorded. `err = true` is the
/// default. By default the error message is the `std::error::Error`
/// message with its `source()` chain, else the `Display` text, else the
/// `Debug` text; `err(%)` always uses `Display`, `err(?)` always `Debug`.
/// Those two need a `Result` return type (any alias of it): on a function
/// returning nothing they are an error, and on another type the compiler's
/// type error points at `err`.
///
/// ```ignore
/// #[traced(err = false)]
/// fn lookup(key: &str) -> Result<Value, NotFound> { ... }
///
/// #[traced(err(?))]                    // exception.message = "Timeout { after: 5s }"
/// fn call(&self) -> Result<Reply, RpcError> { ... }
/// ```
///
/// ## `parent = expr`
///
/// Makes the span a child of the given context instead of the current one:
/// a `trace_runtime::PropagatedContext` from `trace_runtime::extract(..)`
/// (a remote parent, from incoming headers or message metadata) or from
/// `trace_runtime::propagate_context()`, by value, by reference, or as an
/// `Option` (`None` keeps the current context). The expression is
/// evaluated at the start of the call, before the span opens, with the
/// parameters available (for an `async fn` too: at the call, before the
/// parameters move into its future; a parameter the expression names is
/// left to it, and moves into the future only if the body uses it).
///
/// ```ignore
/// #[traced(kind = server, parent = trace_runtime::extract(request.headers()))]
/// async fn handle(request: &Request) -> Response { ... }
/// ```
///
/// ## `root`
///
/// Starts a new trace, even under an active span: for per-message work in
/// a long-running loop, so that each message gets its own bounded trace.
/// It contradicts `parent`; giving both is an error.
///
/// ```ignore
/// #[traced(kind = consumer, root)]
/// fn on_message(message: &Message) { ... }
/// ```
///
/// ## `link = expr`, `follows_from = expr`
///
/// Adds a span link to the target's span: a `PropagatedContext` (by value
/// or reference), an OpenTelemetry `SpanContext` or `Link`, or an `Option`
/// of one (`None`, or a context without a span, adds nothing). Repeatable,
/// links are kept in the order written; `follows_from` is another name
/// for `link`. Evaluated like `parent`, before the span opens.
///
/// ```ignore
/// #[traced(kind = consumer, root, link = trace_runtime::extract(&message.metadata))]
/// fn on_message(message: &Message) { ... }
///
/// #[traced(follows_from = &batch.first, follows_from = &batch.last)]
/// fn flush(batch: &Batch) { ... }
/// ```
///
/// ## `crate = path`
///
/// Where the runtime crate is, for code that reaches `trace_runtime` under
/// another name (a renamed dependency, or a re-export from a facade crate).
/// The generated code then calls `path::__private::...` instead of
/// `::trace_runtime::__private::...`.
///
/// ```ignore
/// extern crate trace_runtime as tr;
///
/// #[traced(crate = tr)]
/// fn step() { ... }
///
/// #[traced(crate = my_telemetry::trace_runtime)]
/// fn other_step() { ... }
/// ```
///
/// # Diagnostics
///
/// A mistake in the arguments or a misplaced attribute gives one error on
/// the offending token, and the function is then emitted unchanged so that
/// no other error follows from it:
///
/// ```text
/// error: unknown span kind `rpc`: expected one of `internal`, `server`, `client`, `producer`, `consumer`
///  --> src/lib.rs:3:17
///   |
/// 3 | #[traced(kind = rpc)]
///   |                 ^^^
/// ```
///
/// A function that does not parse (a syntax error in its body, say) is
/// emitted as written, with no error from `#[traced]`: rustc reports the
/// syntax error, once, where it is.
///
/// A value that cannot be recorded is reported on the expression, with the
/// way out:
///
/// ```text
/// error[E0277]: `Config` cannot be recorded as a span attribute
///   --> src/lib.rs:11:25
///    |
/// 11 | #[traced(attrs(config = config))]
///    |                         ^^^^^^ this value's type has no attribute form
///    |
///    = note: record it as text with `%value` (Display) or `?value` (Debug), or implement `trace_runtime::AttributeValue` for it
/// ```
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    // `--cfg traced_off`: the function as written, not even parsed, so the
    // attribute costs no compile time (a cfg rather than a cargo feature,
    // because features must be additive: one crate turning tracing off
    // must not turn it off for every crate in the build).
    if cfg!(traced_off) {
        let _ = args;
        return item;
    }
    let item = proc_macro2::TokenStream::from(item);
    let traced = ast::Traced::from_syn(args.into(), item.clone()).and_then(|traced| {
        traced.validate()?;
        Ok(traced)
    });
    match traced {
        Ok(traced) => expand::traced(traced).into(),
        // The errors, if any, then the item as written.
        Err(rejection) => rejection.emit(item).into(),
    }
}
