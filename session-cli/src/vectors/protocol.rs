//! Vector kinds of the `protocol` area (`vectors/protocol.json`), run through `session-protocol`.

use super::{Inputs, OpResult};

/// Runs one `protocol` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    let _ = inputs;
    match kind {
        _ => None,
    }
}
