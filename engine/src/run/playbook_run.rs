//! A playbook's plays, one after the other, over one [`Run`].

use std::sync::Arc;

use super::{interrupt, play::PlayRun, Run};
use crate::playbook::Playbook;

/// Runs every play until one ends with a whole batch failed; returns whether no host ended a
/// play failed or unreachable.
pub fn execute(run: &Arc<Run>, playbook: &Playbook) -> bool {
    interrupt::guard(run);
    run.printer().playbook(&playbook.path, playbook.plays.len());
    for play in &playbook.plays {
        if !PlayRun::new(run.clone(), play).run() {
            break;
        }
    }
    interrupt::hold_if_interrupted();
    run.printer().recap(&run.recap().snapshot());
    run.connections().close();
    !run.any_failed()
}
