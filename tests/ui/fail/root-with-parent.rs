//! `root` starts a new trace and `parent` continues a given one: together
//! they contradict each other.

use trace_runtime::{PropagatedContext, traced};

#[traced(parent = context, root)]
fn handle(context: &PropagatedContext) -> bool {
    context.is_remote()
}

fn main() {
    handle(&PropagatedContext::none());
}
