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

    /// What Ansible says at `-vv` once the action ran for `hosts`: per host for the actions
    /// that act per host, once for the others.
    pub fn said(what: &str, hosts: &[String]) -> Vec<String> {
        let per_host = |f: &dyn Fn(&str) -> String| hosts.iter().map(|h| f(h)).collect();
        match what {
            "noop" => per_host(&|_| "noop".into()),
            "flush_handlers" => per_host(&|h| format!("triggered running handlers for {h}")),
            "end_host" => per_host(&|h| format!("ending play for {h}")),
            "reset_connection" => per_host(&|_| "reset connection".into()),
            "end_play" => vec!["ending play".into()],
            "end_batch" => vec!["ending batch".into()],
            "clear_facts" => vec!["facts cleared".into()],
            "clear_host_errors" => vec!["cleared host errors".into()],
            "refresh_inventory" => vec!["inventory successfully refreshed".into()],
            _ => Vec::new(),
        }
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
