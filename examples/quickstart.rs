//! The five-minute tour: `cargo run --example quickstart`.
//!
//! Nested sync and async calls, an `Err` that bubbles up through `?`, and a
//! panic caught at the top, printed as a tree on the terminal when the
//! pipeline shuts down. No collector and no environment needed.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use trace_runtime::{ConsoleExporter, Pipeline, traced};

#[derive(Debug)]
struct NotFound(u64);

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "user {} not found", self.0)
    }
}

impl std::error::Error for NotFound {}

/// A client call: a span of kind client named after the operation, with a
/// literal attribute and the `id` argument recorded (other arguments never are).
#[traced(name = "db.load_user", kind = client, attrs(db.system = "postgres"), args(id))]
fn load_user(id: u64) -> Result<String, NotFound> {
    if id == 0 {
        Err(NotFound(id))
    } else {
        Ok(format!("user-{id}"))
    }
}

#[traced]
fn format_profile(user: &str) -> String {
    format!("<profile of {user}>")
}

/// An async span: entered on each poll, ended when the future completes.
#[traced]
async fn render_profile(id: u64) -> Result<String, NotFound> {
    let user = load_user(id)?; // an Err here marks both spans
    Ok(format_profile(&user))
}

/// Panics on bad input: the span records the panic, which then continues.
#[traced]
fn parse_port(text: &str) -> u16 {
    text.parse().expect("the port must be a number")
}

#[traced(kind = server)]
fn handle_request() {
    let ok = futures_executor::block_on(render_profile(7));
    println!("render_profile(7) = {ok:?}");
    let err = futures_executor::block_on(render_profile(0));
    println!("render_profile(0) = {err:?}");
    let caught = catch_unwind(AssertUnwindSafe(|| parse_port("eighty")));
    println!("parse_port(\"eighty\") panicked: {}", caught.is_err());
}

fn main() {
    // The application's own panic hook. The runtime chains onto it (it does
    // not replace it): the hook still runs, and the span records the panic.
    std::panic::set_hook(Box::new(|info| eprintln!("[app panic hook] {info}")));

    let pipeline = Pipeline::builder()
        .with_exporter(ConsoleExporter::new())
        .install()
        .expect("no other pipeline is installed");

    handle_request();

    println!(
        "\nShutting down: the pipeline flushes, and the console exporter prints each trace:\n"
    );
    drop(pipeline);
}
