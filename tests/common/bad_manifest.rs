//! The manifest of the bad-input corpus (tests/data/bad/MANIFEST.toml),
//! shared by tests/bad_inputs.rs and tests/examples_bad_input.rs: for each
//! malformed file, its kind, the stage that must reject it, and the
//! substrings its error message must contain.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
pub struct Manifest {
    pub case: Vec<Case>,
}

#[derive(Deserialize)]
pub struct Case {
    pub kind: String,
    pub file: String,
    pub stage: String,
    pub contains: Vec<String>,
    pub note: String,
}

/// The corpus folder.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad")
}

/// The manifest, parsed.
pub fn manifest() -> Manifest {
    let text = std::fs::read_to_string(dir().join("MANIFEST.toml")).expect("manifest");
    toml::from_str(&text).expect("manifest parses")
}
