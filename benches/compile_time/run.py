#!/usr/bin/env python3
"""Build time and binary size of a crate of instrumented functions.

Generates, in a scratch directory, one crate of N functions (a third
methods, a third `Result` functions that use `?`, a third `async fn`s) in
several variants, and builds each one:

  plain        no instrumentation
  traced       #[trace_runtime::traced]
  traced_off   #[trace_runtime::traced], built with RUSTFLAGS=--cfg traced_off
  fastrace     #[fastrace::trace]
  tracing      #[tracing::instrument]

Each variant is built once to compile its dependencies, then its own crate
is rebuilt from scratch (`touch`, debug profile, not incremental) ROUNDS
times, alternating variants so that the machine's drift spreads over all
of them. Reported: the median build time of the crate itself, its ratio
to `fastrace` and to `plain`, and the size of the release binary.

Usage: python3 benches/compile_time/run.py [--functions 200] [--rounds 5]
       [--out /tmp/trace-compile-time]

Needs only the crates already in this workspace's Cargo.lock (it builds
offline, with a copy of that lock file).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

WORKSPACE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

VARIANTS = ["plain", "traced", "traced_off", "fastrace", "tracing"]

ATTRIBUTE = {
    "plain": "",
    "traced": "#[trace_runtime::traced]",
    "traced_off": "#[trace_runtime::traced]",
    "fastrace": "#[fastrace::trace]",
    "tracing": "#[tracing::instrument(skip_all)]",
}


def source(variant: str, functions: int) -> str:
    """The crate's main.rs: `functions` instrumented functions and a main
    that calls each once, so none is dead code."""
    attr = ATTRIBUTE[variant]
    out = [
        "#![allow(dead_code, clippy::all)]",
        "use std::num::ParseIntError;",
        "pub struct Store { base: u64 }",
        "impl Store {",
    ]
    calls = []
    per_kind = functions // 3
    for i in range(per_kind):
        out.append(f"    {attr}\n    pub fn method_{i}(&self, x: u64) -> u64 {{ self.base.wrapping_add(x ^ {i}) }}")
        calls.append(f"    sum = sum.wrapping_add(store.method_{i}({i}));")
    out.append("}")
    for i in range(per_kind):
        out.append(
            f"{attr}\npub fn parse_{i}(s: &str) -> Result<u64, ParseIntError> {{\n"
            f"    let n: u64 = s.trim().parse()?;\n    Ok(n + {i})\n}}"
        )
        calls.append(f'    sum = sum.wrapping_add(parse_{i}("{i}").unwrap_or(0));')
    for i in range(functions - 2 * per_kind):
        out.append(f"{attr}\npub async fn fetch_{i}(x: u64) -> u64 {{ x.wrapping_mul({i} + 1) }}")
        calls.append(f"    sum = sum.wrapping_add(futures_executor::block_on(fetch_{i}({i})));")
    out.append("fn main() {\n    let store = Store { base: 1 };\n    let mut sum = 0u64;")
    out.extend(calls)
    out.append('    println!("{sum}");\n}')
    return "\n".join(out) + "\n"


def manifest(variant: str) -> str:
    deps = ['futures-executor = "0.3"']
    if variant in ("traced", "traced_off"):
        deps.append(f'trace-runtime = {{ path = "{WORKSPACE}/trace-runtime" }}')
    if variant == "fastrace":
        deps.append('fastrace = { version = "0.7", features = ["enable"] }')
    if variant == "tracing":
        deps.append('tracing = "0.1"')
    return (
        f'[package]\nname = "compile-{variant.replace("_", "-")}"\nversion = "0.0.0"\n'
        'edition = "2024"\npublish = false\n\n[dependencies]\n' + "\n".join(deps) + "\n\n[workspace]\n"
    )


def env_for(variant: str, target_dir: str) -> dict:
    env = dict(os.environ)
    env["CARGO_INCREMENTAL"] = "0"
    env["CARGO_TARGET_DIR"] = target_dir
    env["CARGO_TERM_COLOR"] = "never"
    if variant == "traced_off":
        env["RUSTFLAGS"] = (env.get("RUSTFLAGS", "") + " --cfg traced_off").strip()
    return env


def cargo(args, cwd, env):
    result = subprocess.run(["cargo", *args, "--offline", "--quiet"], cwd=cwd, env=env,
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"cargo {' '.join(args)} failed in {cwd}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default="/tmp/trace-compile-time")
    args = parser.parse_args()

    os.makedirs(args.out, exist_ok=True)
    crates = {}
    for variant in VARIANTS:
        crate = os.path.join(args.out, variant)
        os.makedirs(os.path.join(crate, "src"), exist_ok=True)
        with open(os.path.join(crate, "Cargo.toml"), "w") as f:
            f.write(manifest(variant))
        with open(os.path.join(crate, "src", "main.rs"), "w") as f:
            f.write(source(variant, args.functions))
        shutil.copy(os.path.join(WORKSPACE, "Cargo.lock"), os.path.join(crate, "Cargo.lock"))
        target = os.path.join(args.out, f"target-{variant}")
        crates[variant] = (crate, env_for(variant, target), target)
        print(f"building dependencies of {variant} ...", file=sys.stderr)
        cargo(["build"], crate, crates[variant][1])
        cargo(["build", "--release"], crate, crates[variant][1])

    times = {variant: [] for variant in VARIANTS}
    for round_ in range(args.rounds):
        order = VARIANTS[round_ % len(VARIANTS):] + VARIANTS[:round_ % len(VARIANTS)]
        for variant in order:
            crate, env, _ = crates[variant]
            os.utime(os.path.join(crate, "src", "main.rs"))
            start = time.monotonic()
            cargo(["build"], crate, env)
            times[variant].append(time.monotonic() - start)

    median = {v: statistics.median(t) for v, t in times.items()}
    print(f"\n{args.functions} functions, debug build of the crate itself (dependencies built), "
          f"median of {args.rounds} alternating rounds")
    print("| variant | build (s) | vs fastrace | vs plain | release binary (KiB) |")
    print("|---|---:|---:|---:|---:|")
    for variant in VARIANTS:
        _, _, target = crates[variant]
        binary = os.path.join(target, "release", f"compile-{variant.replace('_', '-')}")
        size = os.path.getsize(binary) // 1024
        print(f"| {variant} | {median[variant]:.2f} | {median[variant] / median['fastrace']:.2f}x "
              f"| {median[variant] / median['plain']:.2f}x | {size} |")


if __name__ == "__main__":
    main()
