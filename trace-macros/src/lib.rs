//! The `#[traced]` attribute: every call of the annotated function becomes
//! one bounded OpenTelemetry span.
//!
//! Use it through `trace-runtime`, which re-exports it as
//! `trace_runtime::traced`; the code it generates calls
//! `trace_runtime::__private`, a hidden module versioned with this crate.
//!
//! The crate is a pipeline, one stage per module:
//!
//! | stage | module | owns |
//! |---|---|---|
//! | parse | `args` | the `#[traced(...)]` arguments |
//! | validate | `validate` | what the attribute may be applied to |
//! | classify | `shape` | sync / `async fn` / async tail; observable return types |
//! | rewrite | `rewrite` | observing `?` and `return` in the body |
//! | generate | `expand` | the instrumented function (every transform documented there) |

#![forbid(unsafe_code)]

mod args;
mod attributes;
mod expand;
mod rewrite;
mod shape;
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
/// #[traced(name = "db.query", kind = client)]
/// async fn query(sql: &str) -> Result<Rows, DbError> { ... }
/// ```
///
/// # What it applies to
///
/// Free functions, inherent and trait methods with a body (any receiver:
/// `self`, `&self`, `&mut self`, `self: Box<Self>`, `self: Pin<&mut Self>`),
/// with generics, lifetimes, const generics, `where` clauses, `impl Trait`
/// arguments and returns, `unsafe fn`, `extern "C" fn` and `-> !`. The
/// signature is left exactly as written.
///
/// - **`async fn`** (free, inherent, or a native `async fn` in a trait with a
///   default body): the span opens when the future is first polled, is
///   entered on each poll, and ends when the future completes or is dropped.
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
/// # Errors and results
///
/// When the function returns a `Result`, an `Err` leaving it (by its final
/// value, by `return`, or by `?`) sets the span's status to Error and
/// records an `exception` event. This needs no bound on the error type and
/// works for aliases such as `io::Result<T>`. Borrowed returns (`-> &str`,
/// `-> Result<&T, E>`) keep working: the body is never moved into a
/// closure. A `?` written inside a macro invocation (`vec![a?]`) is not
/// observed individually. Return types containing `impl Trait` are not
/// observed.
///
/// A panic unwinding through the call marks the span as Error whatever
/// the return type.
///
/// # Arguments
///
/// All optional, comma-separated, each at most once.
///
/// ## `name = "literal"` or `name = PATH`
///
/// The span's name. Defaults to the function's name (without the module
/// path, which is recorded separately in `code.function.name`, with the
/// file and the line of the `fn`). `PATH` is a
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
/// ## `err = false`
///
/// Stops recording `Err` results on the span (for functions whose `Err` is
/// an expected outcome, such as a cache miss). The span is still created,
/// and panics are still recorded. `err = true` is the default.
///
/// ```ignore
/// #[traced(err = false)]
/// fn lookup(key: &str) -> Result<Value, NotFound> { ... }
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
#[proc_macro_attribute]
pub fn traced(args: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let args = syn::parse::<args::Args>(args);
    let function = validate::function(item.clone());
    let function = match (&args, function) {
        (Ok(args), Ok(function)) => validate::arguments(args, &function).map(|()| function),
        (_, function) => function,
    };
    match (args, function) {
        (Ok(args), Ok(function)) => expand::traced(&args, function).into(),
        (args, function) => {
            // Emit every error, then the item as written, so that a mistake in
            // the attribute gives one message, not a cascade from the item.
            let error = args
                .err()
                .into_iter()
                .chain(function.err())
                .reduce(|mut first, next| {
                    first.combine(next);
                    first
                });
            let mut output = error
                .map(|error| error.to_compile_error())
                .unwrap_or_default();
            output.extend(item);
            output.into()
        }
    }
}
