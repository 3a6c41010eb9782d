//! Vector kinds of the `swarm` area (`vectors/swarm.json`), run through `session-swarm`.

use super::{Inputs, OpResult};

/// Runs one `swarm` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    let _ = inputs;
    match kind {
        _ => None,
    }
}
