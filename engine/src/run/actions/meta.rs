//! `meta`: actions on the play itself rather than on a host.

use std::sync::Arc;

use crate::run::{host_status::HostEnd, play_context::PlayContext};

/// The `meta` actions troupe knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meta {
    FlushHandlers,
    EndPlay,
    EndHost,
    ClearHostErrors,
    ClearFacts,
    ResetConnection,
    /// `refresh_inventory`, `noop`, `end_batch`: nothing to do.
    Noop,
}

impl Meta {
    /// The action named `what`; `None` when troupe does not know it.
    pub fn parse(what: &str) -> Option<Meta> {
        Some(match what {
            "flush_handlers" => Meta::FlushHandlers,
            "end_play" => Meta::EndPlay,
            "end_host" => Meta::EndHost,
            "clear_host_errors" => Meta::ClearHostErrors,
            "clear_facts" => Meta::ClearFacts,
            "reset_connection" => Meta::ResetConnection,
            "refresh_inventory" | "noop" | "end_batch" => Meta::Noop,
            _ => return None,
        })
    }

    /// Applies the action to `hosts` of the play. `FlushHandlers` is the walker's to do.
    pub fn apply(self, play: &PlayContext, hosts: &[String]) {
        let status = play.status();
        match self {
            Meta::FlushHandlers | Meta::Noop => {}
            Meta::EndPlay => status.end_play(),
            Meta::EndHost => {
                for h in hosts {
                    status.end_host(h, HostEnd::Ended);
                }
            }
            Meta::ClearHostErrors => status.clear_errors(),
            Meta::ClearFacts => {
                for h in hosts {
                    play.run()
                        .vars()
                        .update_host(h, |s| s.facts = Arc::default());
                }
            }
            Meta::ResetConnection => {
                for h in hosts {
                    play.run().connections().forget(h);
                }
            }
        }
    }
}
