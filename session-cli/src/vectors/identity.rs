//! Vector kinds of the `identity` area (`vectors/identity.json`), run through `session-identity`.

use super::{Inputs, OpResult};

/// Runs one `identity` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    let _ = inputs;
    match kind {
        _ => None,
    }
}
