//! `troupe config dump [--only-changed]`: each ansible.cfg setting troupe uses, its value and
//! where it came from, as `ansible-config dump` prints them.

use clap::Subcommand;

use super::CliError;
use crate::config::{Config, Origin};

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Every setting: NAME(origin) = value.
    Dump {
        /// Only the settings not left to their default.
        #[arg(long)]
        only_changed: bool,
    },
}

pub fn run(command: ConfigCommand) -> Result<(), CliError> {
    let ConfigCommand::Dump { only_changed } = command;
    let config = Config::load()?;
    for warning in &config.warnings {
        eprintln!("[WARNING]: {warning}");
    }
    for r in config.all() {
        if only_changed && r.origin == Origin::Default {
            continue;
        }
        let value = r.value.as_deref().unwrap_or("None");
        println!("{}({}) = {value}", r.setting.name, r.origin);
    }
    Ok(())
}
