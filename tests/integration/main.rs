//! The behaviour of `#[traced]` and the runtime, observed through test
//! captures: one module per concern, all in this one test binary.
//!
//! Every test here records through `trace_runtime::testing::capture` (or
//! `capture_future`, `capture_sampled`): a capture's spans travel with its
//! own context, so captures on parallel test threads never see each other,
//! and nothing in this process installs a pipeline or changes process-wide
//! state. That is what lets these tests share one process, and the reason
//! the other test binaries of this package are separate:
//!
//! - `process_wide`: tests that install the process-wide pipeline (with its
//!   exporter, sampler, span limits and hooks) or replace the panic hook.
//!   While a pipeline is installed, spans from this binary would reach its
//!   exporter, its hooks and limits would apply to captured spans, and every
//!   sampled span bumps the `PipelineStats` counters it checks; replacing
//!   the panic hook leaves a moment in which a panic in a span is not seen
//!   by the runtime. So they run in their own process, one at a time.
//! - `bounded_lifecycle`: its global allocator counts the live bytes of the
//!   whole process, which must not include other tests' allocations.
//! - `otlp`: runs the `otlp` example against a real collector and installs
//!   an OTLP pipeline of its own.
//! - `ui`: trybuild compiles each case as a crate of its own.
//!
//! A test added here must keep to captures; one that needs the installed
//! pipeline or changes other process-wide state (the panic hook included)
//! belongs in `process_wide`.
//!
//! Built with `RUSTFLAGS="--cfg traced_off"`, only `off_switch` runs: it
//! specifies what the off switch promises (the functions behave as written,
//! nothing is recorded); every other module specifies recording.

#[cfg(not(traced_off))]
mod async_start;
#[cfg(not(traced_off))]
mod attributes;
#[cfg(not(traced_off))]
mod attributes_at_start;
#[cfg(not(traced_off))]
mod context_restore;
#[cfg(not(traced_off))]
mod errors;
#[cfg(not(traced_off))]
mod function_names;
#[cfg(not(traced_off))]
mod identity;
#[cfg(not(traced_off))]
mod lifecycle;
#[cfg(not(traced_off))]
mod macro_args;
mod off_switch;
#[cfg(not(traced_off))]
mod panics;
#[cfg(not(traced_off))]
mod propagation;
#[cfg(not(traced_off))]
mod testing_api;
#[cfg(not(traced_off))]
mod tracing_bridge;
