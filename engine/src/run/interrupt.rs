//! Ctrl-C: kill every shell of the running playbook and the SSH masters it started, then exit
//! with 130 as a shell would, so nothing is left behind on the controller.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once, Weak};

use super::Run;

static CURRENT: Mutex<Option<Weak<Run>>> = Mutex::new(None);

/// Set once Ctrl-C was pressed: the handler owns the exit from then on.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Makes `run` the one Ctrl-C closes; installs the handler on first use.
pub fn guard(run: &Arc<Run>) {
    static INSTALL: Once = Once::new();
    *CURRENT.lock().unwrap() = Some(Arc::downgrade(run));
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            INTERRUPTED.store(true, Ordering::SeqCst);
            let current = CURRENT.lock().unwrap().as_ref().and_then(Weak::upgrade);
            if let Some(run) = current {
                run.printer().fatal("interrupted: closing connections");
                run.connections().abort();
            }
            std::process::exit(130);
        });
    });
}

/// Waits for the Ctrl-C handler to end the process when it has begun to: the hosts it cut
/// off must not end the run first with a recap and another exit code.
pub fn hold_if_interrupted() {
    while INTERRUPTED.load(Ordering::SeqCst) {
        std::thread::park();
    }
}
