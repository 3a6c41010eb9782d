//! The conformance runner: `session vectors check [--json] FILE...`.
//!
//! The file format is `vectors/README.md`. This module loads and validates files, decodes
//! inputs, compares outputs and reports; the per-area modules (`identity`, `protocol`,
//! `onion`, `swarm`, `config`, `community`) map each kind onto the public API of its crate.

mod community;
mod config;
mod identity;
mod onion;
mod protocol;
mod swarm;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Map, Value};

/// One vector, validated against the file format.
#[derive(Debug, Clone)]
pub(crate) struct Vector {
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) inputs: Map<String, Value>,
    pub(crate) expected: Map<String, Value>,
}

/// A file that does not follow the vector format (exit code 2).
#[derive(Debug)]
pub(crate) struct Malformed {
    path: PathBuf,
    why: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: malformed vector file: {}",
            self.path.display(),
            self.why
        )
    }
}

const REQUIRED_KEYS: [&str; 5] = ["id", "kind", "inputs", "expected", "source"];
const OPTIONAL_KEYS: [&str; 2] = ["intermediate", "comment"];

/// Parses and validates one vector file.
pub(crate) fn load_file(path: &Path) -> Result<Vec<Vector>, Malformed> {
    let bad = |why: String| Malformed {
        path: path.to_path_buf(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    parse_vectors(&text).map_err(bad)
}

/// Parses and validates the text of one vector file.
pub(crate) fn parse_vectors(text: &str) -> Result<Vec<Vector>, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Array(items) = root else {
        return Err("the top level is not a JSON array".into());
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let Value::Object(mut obj) = item else {
            return Err(format!("entry {i} is not a JSON object"));
        };
        let label = match obj.get("id") {
            Some(Value::String(id)) => format!("entry {i} ({id})"),
            _ => format!("entry {i}"),
        };
        for key in REQUIRED_KEYS {
            if !obj.contains_key(key) {
                return Err(format!("{label}: missing key `{key}`"));
            }
        }
        if let Some(key) = obj
            .keys()
            .find(|k| !REQUIRED_KEYS.contains(&k.as_str()) && !OPTIONAL_KEYS.contains(&k.as_str()))
        {
            return Err(format!("{label}: unknown key `{key}`"));
        }
        let mut take_string = |key: &str| match obj.remove(key) {
            Some(Value::String(s)) => Ok(s),
            _ => Err(format!("{label}: `{key}` must be a string")),
        };
        let id = take_string("id")?;
        let kind = take_string("kind")?;
        let _source = take_string("source")?;
        if let Some(c) = obj.get("comment") {
            if !c.is_string() {
                return Err(format!("{label}: `comment` must be a string"));
            }
        }
        if let Some(c) = obj.get("intermediate") {
            if !c.is_object() {
                return Err(format!("{label}: `intermediate` must be an object"));
            }
        }
        let mut take_object = |key: &str| match obj.remove(key) {
            Some(Value::Object(m)) => Ok(m),
            _ => Err(format!("{label}: `{key}` must be an object")),
        };
        let inputs = take_object("inputs")?;
        let expected = take_object("expected")?;
        if let Some(e) = expected.get("error") {
            if !e.is_string() || expected.len() != 1 {
                return Err(format!(
                    "{label}: an error expectation must be exactly {{\"error\": \"<category>\"}}"
                ));
            }
        }
        if id.is_empty() || kind.is_empty() {
            return Err(format!("{label}: `id` and `kind` must not be empty"));
        }
        out.push(Vector {
            id,
            kind,
            inputs,
            expected,
        });
    }
    Ok(out)
}

/// Why an operation did not produce outputs.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The operation failed with this error category (`vectors/README.md`).
    Category(&'static str),
    /// The vector's inputs could not be decoded for this kind (a harness-level problem).
    BadInput(String),
}

impl<E: Categorized> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Category(e.category())
    }
}

/// A library error that maps onto one of the vector error categories.
pub(crate) trait Categorized {
    /// The category name from `vectors/README.md`.
    fn category(&self) -> &'static str;
}

/// The result of one kind's operation: named outputs, or a failure.
pub(crate) type OpResult = Result<Outputs, Failure>;

/// Outputs of one operation, by catalogue field name.
#[derive(Debug, Default)]
pub(crate) struct Outputs(Map<String, Value>);

impl Outputs {
    pub(crate) fn new() -> Self {
        Self::default()
    }
    /// A byte string, as lowercase hex.
    pub(crate) fn hex(mut self, name: &str, bytes: impl AsRef<[u8]>) -> Self {
        self.0
            .insert(name.into(), Value::String(hex::encode(bytes)));
        self
    }
    /// A text value.
    pub(crate) fn str(mut self, name: &str, s: impl Into<String>) -> Self {
        self.0.insert(name.into(), Value::String(s.into()));
        self
    }
    /// An integer that fits a JSON number.
    pub(crate) fn int(mut self, name: &str, n: impl Into<i128>) -> Self {
        let n: i128 = n.into();
        let v = match i64::try_from(n) {
            Ok(v) => Value::from(v),
            Err(_) => Value::String(n.to_string()),
        };
        self.0.insert(name.into(), v);
        self
    }
    /// A u64 that may exceed 2^53, as a decimal string.
    pub(crate) fn u64_str(mut self, name: &str, n: u64) -> Self {
        self.0.insert(name.into(), Value::String(n.to_string()));
        self
    }
    /// A boolean.
    pub(crate) fn bool(mut self, name: &str, b: bool) -> Self {
        self.0.insert(name.into(), Value::Bool(b));
        self
    }
    /// Any JSON value (objects, arrays, `null`).
    pub(crate) fn json(mut self, name: &str, v: Value) -> Self {
        self.0.insert(name.into(), v);
        self
    }
    /// An optional byte string: hex, or `null` for no value.
    pub(crate) fn opt_hex(self, name: &str, bytes: Option<impl AsRef<[u8]>>) -> Self {
        match bytes {
            Some(b) => self.hex(name, b),
            None => self.json(name, Value::Null),
        }
    }
}

/// Typed access to a vector's inputs; decoding errors become [`Failure::BadInput`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a>(pub(crate) &'a Map<String, Value>);

impl<'a> Inputs<'a> {
    fn missing(name: &str) -> Failure {
        Failure::BadInput(format!("missing input `{name}`"))
    }
    /// Whether the input is present.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
    /// The raw JSON value.
    pub(crate) fn value(&self, name: &str) -> Result<&'a Value, Failure> {
        self.0.get(name).ok_or_else(|| Self::missing(name))
    }
    /// A text input.
    pub(crate) fn str(&self, name: &str) -> Result<&'a str, Failure> {
        self.value(name)?
            .as_str()
            .ok_or_else(|| Failure::BadInput(format!("input `{name}` is not a string")))
    }
    /// An optional text input (absent or `null` gives `None`).
    pub(crate) fn opt_str(&self, name: &str) -> Result<Option<&'a str>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.str(name).map(Some),
        }
    }
    /// A hex byte-string input, decoded. Use [`Inputs::str`] instead where invalid hex is
    /// itself under test, so that the library reports it.
    pub(crate) fn hex(&self, name: &str) -> Result<Vec<u8>, Failure> {
        let s = self.str(name)?;
        hex::decode(s).map_err(|e| Failure::BadInput(format!("input `{name}` is not hex: {e}")))
    }
    /// An optional hex input (absent or `null` gives `None`).
    pub(crate) fn opt_hex(&self, name: &str) -> Result<Option<Vec<u8>>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.hex(name).map(Some),
        }
    }
    /// A hex input of exactly `N` bytes; another length is reported as `invalid_length`, the
    /// category every kind uses for it.
    pub(crate) fn hex_array<const N: usize>(&self, name: &str) -> Result<[u8; N], Failure> {
        let v = self.hex(name)?;
        <[u8; N]>::try_from(v.as_slice()).map_err(|_| Failure::Category("invalid_length"))
    }
    /// A standard base64 input, decoded.
    pub(crate) fn b64(&self, name: &str) -> Result<Vec<u8>, Failure> {
        use base64::Engine as _;
        let s = self.str(name)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| Failure::BadInput(format!("input `{name}` is not base64: {e}")))
    }
    /// A boolean input.
    pub(crate) fn bool(&self, name: &str) -> Result<bool, Failure> {
        self.value(name)?
            .as_bool()
            .ok_or_else(|| Failure::BadInput(format!("input `{name}` is not a boolean")))
    }
    /// An optional boolean input.
    pub(crate) fn opt_bool(&self, name: &str) -> Result<Option<bool>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.bool(name).map(Some),
        }
    }
    /// An integer input: a JSON number, or a decimal string for u64 values above 2^53.
    pub(crate) fn i128(&self, name: &str) -> Result<i128, Failure> {
        let bad = || Failure::BadInput(format!("input `{name}` is not an integer"));
        match self.value(name)? {
            Value::Number(n) => n
                .as_i64()
                .map(i128::from)
                .or_else(|| n.as_u64().map(i128::from))
                .ok_or_else(bad),
            Value::String(s) => s.parse::<i128>().map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
    /// A u64 input (number or decimal string).
    pub(crate) fn u64(&self, name: &str) -> Result<u64, Failure> {
        u64::try_from(self.i128(name)?)
            .map_err(|_| Failure::BadInput(format!("input `{name}` is out of range for u64")))
    }
    /// An i64 input (number or decimal string).
    pub(crate) fn i64(&self, name: &str) -> Result<i64, Failure> {
        i64::try_from(self.i128(name)?)
            .map_err(|_| Failure::BadInput(format!("input `{name}` is out of range for i64")))
    }
    /// An optional integer input.
    pub(crate) fn opt_i128(&self, name: &str) -> Result<Option<i128>, Failure> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.i128(name).map(Some),
        }
    }
}

/// The verdict on one vector.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Pass,
    Fail(String),
    Unsupported,
}

/// Runs the operation of one vector through the area modules.
fn execute(v: &Vector) -> Option<OpResult> {
    let inputs = Inputs(&v.inputs);
    identity::run(&v.kind, inputs)
        .or_else(|| protocol::run(&v.kind, inputs))
        .or_else(|| onion::run(&v.kind, inputs))
        .or_else(|| swarm::run(&v.kind, inputs))
        .or_else(|| config::run(&v.kind, inputs))
        .or_else(|| community::run(&v.kind, inputs))
}

/// Whether a produced value equals an expected one: JSON equality, except that an integer may
/// be given as a decimal string on either side (u64 values above 2^53).
fn values_equal(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s.parse::<i128>().ok().is_some_and(|a| {
                n.as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from))
                    == Some(a)
            })
        }
        _ => expected == got,
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        let cut: String = s.chars().take(157).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// Runs one vector and judges the result.
pub(crate) fn judge(v: &Vector) -> Verdict {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(v)));
    let outcome = match outcome {
        Ok(Some(o)) => o,
        Ok(None) => return Verdict::Unsupported,
        Err(_) => return Verdict::Fail("the implementation panicked".into()),
    };
    match (v.expected.get("error"), outcome) {
        (Some(Value::String(want)), Err(Failure::Category(got))) => {
            if want == got {
                Verdict::Pass
            } else {
                Verdict::Fail(format!("expected error `{want}`, got error `{got}`"))
            }
        }
        (Some(Value::String(want)), Err(Failure::BadInput(why))) => Verdict::Fail(format!(
            "expected error `{want}`, but the inputs could not be decoded: {why}"
        )),
        (Some(want), Ok(_)) => Verdict::Fail(format!("expected error {want}, but it succeeded")),
        (_, Err(Failure::Category(got))) => Verdict::Fail(format!("failed with error `{got}`")),
        (_, Err(Failure::BadInput(why))) => Verdict::Fail(format!("bad inputs: {why}")),
        (_, Ok(Outputs(got))) => {
            for (name, want) in &v.expected {
                match got.get(name) {
                    None => return Verdict::Fail(format!("output `{name}` was not produced")),
                    Some(g) if !values_equal(want, g) => {
                        return Verdict::Fail(format!(
                            "`{name}`: expected {}, got {}",
                            short(want),
                            short(g)
                        ));
                    }
                    Some(_) => {}
                }
            }
            Verdict::Pass
        }
    }
}

/// `session vectors check [--json] FILE...`.
pub(crate) fn check(files: &[PathBuf], json: bool) -> ExitCode {
    let mut vectors = Vec::new();
    for f in files {
        match load_file(f) {
            Ok(v) => vectors.extend(v),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let (mut passed, mut failed, mut unsupported) = (0usize, Vec::new(), Vec::new());
    for v in &vectors {
        match judge(v) {
            Verdict::Pass => passed += 1,
            Verdict::Fail(why) => {
                if !json {
                    println!("FAIL {} ({}): {why}", v.id, v.kind);
                }
                failed.push(v.id.clone());
            }
            Verdict::Unsupported => {
                if !json {
                    println!(
                        "UNSUPPORTED {} ({}): no implementation of this kind",
                        v.id, v.kind
                    );
                }
                unsupported.push(v.id.clone());
            }
        }
    }
    if json {
        let report = serde_json::json!({
            "total": vectors.len(),
            "passed": passed,
            "failed": failed,
            "unsupported": unsupported,
        });
        println!("{report}");
    } else {
        println!(
            "{passed} passed, {} failed, {} unsupported",
            failed.len(),
            unsupported.len()
        );
    }
    if failed.is_empty() && unsupported.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Asserts that every vector of a file's text passes, naming each one that does not (used by
/// the per-area tests so that `cargo test` alone catches a regression).
#[cfg(test)]
pub(crate) fn assert_all_pass(text: &str, area: &str) {
    let vectors = parse_vectors(text).unwrap_or_else(|e| panic!("{area} vectors: {e}"));
    assert!(!vectors.is_empty(), "no {area} vectors");
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| match judge(v) {
            Verdict::Pass => None,
            other => Some(format!("{} ({}): {other:?}", v.id, v.kind)),
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {area} vectors fail:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed_files() {
        assert!(parse_vectors("{").is_err());
        assert!(parse_vectors("{}").is_err());
        assert!(parse_vectors("[1]").is_err());
        let ok = r#"[{"id":"identity/x","kind":"k","inputs":{},"expected":{},"source":"s"}]"#;
        assert_eq!(parse_vectors(ok).map(|v| v.len()), Ok(1));
        let missing = r#"[{"id":"identity/x","kind":"k","inputs":{},"source":"s"}]"#;
        assert!(
            parse_vectors(missing)
                .unwrap_err()
                .contains("missing key `expected`")
        );
        let unknown = r#"[{"id":"a/x","kind":"k","inputs":{},"expected":{},"source":"s","x":1}]"#;
        assert!(
            parse_vectors(unknown)
                .unwrap_err()
                .contains("unknown key `x`")
        );
        let wrong = r#"[{"id":"a/x","kind":"k","inputs":[],"expected":{},"source":"s"}]"#;
        assert!(
            parse_vectors(wrong)
                .unwrap_err()
                .contains("`inputs` must be an object")
        );
        let wrong_id = r#"[{"id":7,"kind":"k","inputs":{},"expected":{},"source":"s"}]"#;
        assert!(parse_vectors(wrong_id).is_err());
    }

    #[test]
    fn unknown_kind_is_unsupported_never_passed() {
        let v = parse_vectors(
            r#"[{"id":"identity/x","kind":"no_such_kind","inputs":{},"expected":{},"source":"s"}]"#,
        )
        .unwrap();
        assert_eq!(judge(&v[0]), Verdict::Unsupported);
    }

    #[test]
    fn integer_strings_compare_with_numbers() {
        assert!(values_equal(
            &Value::from("18446744073709551615"),
            &Value::from(u64::MAX)
        ));
        assert!(!values_equal(&Value::from("1"), &Value::from(2)));
        assert!(values_equal(
            &serde_json::json!({"a":[1]}),
            &serde_json::json!({"a":[1]})
        ));
    }
}
