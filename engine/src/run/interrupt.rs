//! Ctrl-C: close every connection (shells and SSH masters) of the running playbook, then exit
//! with 130 as a shell would, so nothing is left behind on the controller.

use std::sync::{Arc, Mutex, Once, Weak};

use super::Run;

static CURRENT: Mutex<Option<Weak<Run>>> = Mutex::new(None);

/// Makes `run` the one Ctrl-C closes; installs the handler on first use.
pub fn guard(run: &Arc<Run>) {
    static INSTALL: Once = Once::new();
    *CURRENT.lock().unwrap() = Some(Arc::downgrade(run));
    INSTALL.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            let current = CURRENT.lock().unwrap().as_ref().and_then(Weak::upgrade);
            if let Some(run) = current {
                run.printer.fatal("interrupted: closing connections");
                run.abort();
            }
            std::process::exit(130);
        });
    });
}
