//! `self` cannot be named in `args`: the error says how to record what is
//! needed from it instead.

use trace_runtime::traced;

struct Store {
    shard: u32,
}

impl Store {
    #[traced(args(self, key))]
    fn get(&self, key: u64) -> u64 {
        key + u64::from(self.shard)
    }
}

fn main() {
    Store { shard: 1 }.get(2);
}
