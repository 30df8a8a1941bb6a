//! The span filter: directives from code and from `TRACE_RUNTIME_FILTER`
//! skip the spans of matching `#[traced]` functions, and the spans started
//! inside a skipped one attach to the nearest recorded ancestor.
//!
//! The filter is installed with the pipeline, process-wide, so these tests
//! take turns ([`serial`]). Directives are written from `module_path!()`,
//! which is this module's path in the test binary.

use trace_runtime::testing::{InMemoryExporter, SpanDataExt as _, Spans};
use trace_runtime::{Pipeline, PipelineError, SpanFilter, traced};

use crate::serial;

/// This module's path, as the callsites below see it.
const HERE: &str = module_path!();

mod noisy {
    use trace_runtime::traced;

    #[traced]
    pub(super) fn chatter() {}

    pub(super) mod deeper {
        #[trace_runtime::traced]
        pub(in super::super) fn whisper() {}
    }
}

mod store {
    use trace_runtime::traced;

    #[traced]
    pub(super) fn query() {}

    #[traced]
    pub(super) fn load() {}

    #[traced(name = "store.migrate")]
    pub(super) fn migrate() {}
}

#[traced]
fn kept() {
    noisy::chatter();
    noisy::deeper::whisper();
    store::query();
    store::load();
    store::migrate();
}

/// Runs `f` under a pipeline built by `configure` and returns what it exported.
fn exported(
    configure: impl FnOnce(trace_runtime::PipelineBuilder) -> trace_runtime::PipelineBuilder,
    f: impl FnOnce(),
) -> Spans {
    let exporter = InMemoryExporter::default();
    let pipeline = configure(Pipeline::builder().with_exporter(exporter.clone()))
        .install()
        .unwrap();
    f();
    drop(pipeline);
    exporter.spans()
}

fn with_filter(directives: &str, f: impl FnOnce()) -> Spans {
    exported(|builder| builder.with_filter(directives), f)
}

fn sorted_names(spans: &Spans) -> Vec<&str> {
    let mut names = spans.names();
    names.sort_unstable();
    names
}

#[test]
fn no_filter_records_everything() {
    let _serial = serial();
    let spans = exported(|builder| builder, kept);
    assert_eq!(
        sorted_names(&spans),
        [
            "chatter",
            "kept",
            "load",
            "query",
            "store.migrate",
            "whisper"
        ]
    );
}

#[test]
fn a_module_off_silences_it_and_the_modules_below() {
    let _serial = serial();
    let spans = with_filter(&format!("{HERE}::noisy=off"), kept);
    assert_eq!(
        sorted_names(&spans),
        ["kept", "load", "query", "store.migrate"]
    );
    let kept = spans.named("kept");
    assert_eq!(spans.children_of(kept).len(), 3);
}

#[test]
fn a_function_off_silences_that_function_only() {
    let _serial = serial();
    let spans = with_filter(&format!("{HERE}::store::query=off"), kept);
    assert_eq!(
        sorted_names(&spans),
        ["chatter", "kept", "load", "store.migrate", "whisper"]
    );
}

#[test]
fn a_span_name_off_silences_it_wherever_it_is() {
    let _serial = serial();
    let spans = with_filter("[store.migrate]=off, [chatter]=off", kept);
    assert_eq!(sorted_names(&spans), ["kept", "load", "query", "whisper"]);
    let spans = with_filter(&format!("{HERE}::store[load]=off"), kept);
    assert_eq!(
        sorted_names(&spans),
        ["chatter", "kept", "query", "store.migrate", "whisper"]
    );
}

#[test]
fn the_most_specific_directive_wins() {
    let _serial = serial();
    let spans = with_filter(&format!("{HERE}=off,{HERE}::store=on"), kept);
    assert_eq!(sorted_names(&spans), ["load", "query", "store.migrate"]);
    assert_eq!(spans.roots().len(), 3, "no recorded ancestor: three roots");
    let spans = with_filter(
        &format!("{HERE}::store=off, {HERE}::store[store.migrate]=on"),
        kept,
    );
    assert_eq!(
        sorted_names(&spans),
        ["chatter", "kept", "store.migrate", "whisper"]
    );
    let spans = with_filter("off, [whisper]=on", kept);
    assert_eq!(sorted_names(&spans), ["whisper"]);
}

#[traced]
fn grandparent() {
    middle();
}

#[traced]
fn middle() {
    grandchild();
}

#[traced]
fn grandchild() {}

/// One trace, `grandchild` under `grandparent`, nothing else.
fn assert_bridged(spans: &Spans, parent: &str, child: &str) {
    assert_eq!(sorted_names(spans), [child, parent]);
    let (parent, child) = (spans.named(parent), spans.named(child));
    spans.assert_parent(child, parent);
    assert_eq!(spans.trace_ids().len(), 1, "one trace");
}

#[test]
fn a_skipped_sync_span_leaves_its_children_to_the_nearest_recorded_ancestor() {
    let _serial = serial();
    let spans = with_filter(&format!("{HERE}::middle=off"), grandparent);
    assert_bridged(&spans, "grandparent", "grandchild");
}

#[traced]
async fn async_grandparent() {
    async_middle().await;
}

#[traced]
async fn async_middle() {
    // Spans started across an await of the skipped span still attach above it.
    std::future::ready(()).await;
    async_grandchild().await;
    grandchild();
}

#[traced]
async fn async_grandchild() {}

#[test]
fn a_skipped_async_span_leaves_its_children_to_the_nearest_recorded_ancestor() {
    let _serial = serial();
    let spans = with_filter("[async_middle]=off", || {
        futures_executor::block_on(async_grandparent());
    });
    assert_eq!(
        sorted_names(&spans),
        ["async_grandchild", "async_grandparent", "grandchild"]
    );
    let parent = spans.named("async_grandparent");
    spans.assert_parent(spans.named("async_grandchild"), parent);
    spans.assert_parent(spans.named("grandchild"), parent);
    assert_eq!(spans.trace_ids().len(), 1, "one trace");
}

#[test]
fn the_environment_variable_sets_the_filter_and_code_overrides_it() {
    let _serial = serial();
    let directives = format!("{HERE}::middle=off");
    let env = |name: &str| (name == "TRACE_RUNTIME_FILTER").then(|| directives.clone());
    let spans = exported(|builder| builder.from_env_with(env), grandparent);
    assert_bridged(&spans, "grandparent", "grandchild");

    let spans = exported(
        |builder| {
            builder
                .with_filter(format!("{HERE}::grandchild=off"))
                .from_env_with(env)
        },
        grandparent,
    );
    assert_eq!(sorted_names(&spans), ["grandparent", "middle"]);
}

#[test]
fn an_invalid_directive_is_reported_and_the_others_apply() {
    let _serial = serial();
    let value = format!("{HERE}::middle=off, {HERE}::grandchild=debug");
    let env = |name: &str| (name == "TRACE_RUNTIME_FILTER").then(|| value.clone());
    let strict = Pipeline::builder().from_env_with(env).strict().install();
    let Err(PipelineError::InvalidSetting {
        variable,
        value: given,
        reason,
    }) = strict
    else {
        panic!("a strict install accepted an invalid directive: {strict:?}");
    };
    assert_eq!(
        (variable.as_str(), given.as_str()),
        ("TRACE_RUNTIME_FILTER", value.as_str())
    );
    assert!(reason.contains("grandchild=debug"), "{reason}");

    let spans = exported(|builder| builder.from_env_with(env), grandparent);
    assert_bridged(&spans, "grandparent", "grandchild");

    let strict = Pipeline::builder()
        .with_filter("[x]=maybe")
        .strict()
        .install();
    assert!(
        matches!(&strict, Err(PipelineError::InvalidSetting { variable, .. }) if variable == "PipelineBuilder::with_filter"),
        "{strict:?}"
    );
    let parsed = SpanFilter::parse("[x]=maybe");
    assert!(matches!(parsed, Err(PipelineError::InvalidSetting { .. })));
}

#[test]
fn a_new_filter_decides_again_for_callsites_already_decided() {
    let _serial = serial();
    let spans = with_filter(&format!("{HERE}::middle=off"), grandparent);
    assert_bridged(&spans, "grandparent", "grandchild");
    let spans = with_filter(&format!("{HERE}::grandparent=off"), grandparent);
    assert_eq!(sorted_names(&spans), ["grandchild", "middle"]);
    spans.assert_parent(spans.named("grandchild"), spans.named("middle"));
    let parsed: SpanFilter = format!("{HERE}::grandchild=off").parse().unwrap();
    let spans = exported(|builder| builder.with_filter(parsed), grandparent);
    assert_eq!(sorted_names(&spans), ["grandparent", "middle"]);
    let spans = exported(|builder| builder, grandparent);
    assert_eq!(
        sorted_names(&spans),
        ["grandchild", "grandparent", "middle"]
    );
}

#[traced]
fn recorded_caller() {
    skipped_with_values(7, "eu");
}

/// Values that run no code: the span would start with them (see the
/// macro's `attributes_at_start`).
#[traced(args(attempt), attrs(region = region, next = attempt + 1))]
fn skipped_with_values(attempt: u64, region: &str) {}

#[test]
fn a_skipped_span_s_values_land_on_the_nearest_recorded_ancestor() {
    let _serial = serial();
    let spans = with_filter(&format!("{HERE}::skipped_with_values=off"), recorded_caller);
    assert_eq!(spans.names(), ["recorded_caller"]);
    let caller = spans.named("recorded_caller");
    assert_eq!(caller.attr_i64("attempt"), Some(7));
    assert_eq!(caller.attr_i64("next"), Some(8));
    assert_eq!(caller.attr_str("region"), Some("eu"));
}
