//! Runs an example program as a user would, through `cargo run`, with
//! `stdin` as its input.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The output of `cargo run --quiet --example NAME -- ARGS` fed `stdin`.
pub fn run(name: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name, "--"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
