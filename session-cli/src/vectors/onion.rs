//! Vector kinds of the `onion` area (`vectors/onion.json`), run through `session-onion`.

use super::{Inputs, OpResult};

/// Runs one `onion` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    let _ = inputs;
    match kind {
        _ => None,
    }
}
