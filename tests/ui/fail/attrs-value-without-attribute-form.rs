//! A value whose type has no attribute form: the error is on the value in
//! `attrs` (or the name in `args`); the notes cover secrets, then `%` / `?`.

use trace_runtime::traced;

#[derive(Debug)]
struct Config {
    retries: u32,
}

#[traced(attrs(config = config))]
fn in_attrs(config: &Config) -> u32 {
    config.retries
}

#[traced(args(config))]
fn in_args(config: Config) -> u32 {
    config.retries
}

fn main() {
    in_attrs(&Config { retries: 1 });
    in_args(Config { retries: 1 });
}
