//! A long-running component, bounded: `cargo run --example consumer`.
//!
//! The shape the Go framework in the seeds arrived at, after one span held
//! open for the life of a subscription grew a trace without end:
//!
//! * no span lives as long as the component: start-up and shut-down are
//!   each one bounded span, with their errors (and panics) recorded on them;
//! * each message is handled under its own root span (`root`), of kind
//!   consumer, linked to the producer's span found in the message metadata
//!   (`link = extract(..)`) instead of joining the producer's trace;
//! * the component's identity (`component.name`, a deployment id) is a
//!   scope, not a span: every span started inside it carries those
//!   attributes, so a backend query such as `component.name = "orders"`
//!   finds all of the component's spans across its many small traces.

use std::collections::VecDeque;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use trace_runtime::identity::Identity;
use trace_runtime::otel::KeyValue;
use trace_runtime::{ConsoleExporter, Pipeline, extract, inject, record_error, traced};

/// A message on a queue, with its metadata (where trace context travels).
struct Message {
    id: u64,
    body: String,
    metadata: Vec<(String, String)>,
}

#[derive(Debug)]
struct Rejected(u64);

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message {} has an empty body", self.0)
    }
}

impl std::error::Error for Rejected {}

/// The producer side: its span's context travels in the message metadata.
#[traced(name = "orders.publish", kind = producer, attrs(messaging.message.id = id))]
fn publish(queue: &mut VecDeque<Message>, id: u64, body: &str) {
    let mut metadata = Vec::new();
    inject(&mut metadata);
    queue.push_back(Message {
        id,
        body: body.to_owned(),
        metadata,
    });
}

struct OrdersConsumer {
    identity: Identity,
}

impl OrdersConsumer {
    /// One bounded span for start-up, not one for the component's life.
    #[traced(name = "orders.start_up")]
    fn start_up(&self) -> Result<(), std::io::Error> {
        Ok(())
    }

    /// Every message is its own trace, linked to the producer's.
    #[traced(
        name = "orders.handle",
        kind = consumer,
        root,
        link = extract(&message.metadata),
        attrs(messaging.message.id = message.id)
    )]
    fn handle(&self, message: &Message) -> Result<(), Rejected> {
        validate(message)?;
        store(message);
        Ok(())
    }

    /// One bounded span for shut-down; a failing or panicking cleanup step is
    /// recorded on it and does not stop the others.
    #[traced(name = "orders.shut_down")]
    fn shut_down(&self) {
        if let Err(error) = std::fs::remove_file("/nonexistent/orders.lock") {
            record_error(&error);
        }
        let cleanup = catch_unwind(AssertUnwindSafe(|| flush_buffers(true)));
        println!("cleanup step panicked: {}", cleanup.is_err());
    }
}

#[traced]
fn validate(message: &Message) -> Result<(), Rejected> {
    if message.body.is_empty() {
        Err(Rejected(message.id))
    } else {
        Ok(())
    }
}

#[traced(kind = client, attrs(db.system = "postgres"))]
fn store(message: &Message) {
    let _ = message.body.len();
}

#[traced]
fn flush_buffers(broken: bool) {
    assert!(!broken, "buffer flush failed");
}

fn main() {
    std::panic::set_hook(Box::new(|info| eprintln!("[panic hook] {info}")));
    let pipeline = Pipeline::builder()
        .with_exporter(ConsoleExporter::new())
        .install()
        .expect("no other pipeline is installed");

    let mut queue = VecDeque::new();
    for (id, body) in [(1, "two apples"), (2, ""), (3, "one pear")] {
        publish(&mut queue, id, body);
    }

    let consumer = OrdersConsumer {
        identity: Identity::new([
            KeyValue::new("component.name", "orders"),
            KeyValue::new("deployment.id", "blue-7"),
        ]),
    };
    consumer.identity.run(|| {
        consumer.start_up().expect("start-up");
        while let Some(message) = queue.pop_front() {
            if let Err(error) = consumer.handle(&message) {
                println!("rejected: {error}");
            }
        }
        consumer.shut_down();
    });

    println!(
        "\nEach message is its own small trace, linked to its producer; none is a child of a component span:\n"
    );
    drop(pipeline);
}
