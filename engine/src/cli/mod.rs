//! `troupe run`: the command line an Ansible user expects of ansible-playbook.

mod become_password;
mod config_dump;
mod error;
mod extra_vars;
mod listing;
mod vars_prompt;
mod vault;
mod vault_args;
mod vault_editor;

use std::{path::PathBuf, process::ExitCode};

use clap::{ArgAction, Args, Parser, Subcommand};

pub use error::CliError;

use crate::{
    config::Config,
    inventory::Inventory,
    output::{Format, Printer},
    playbook::{load_playbook, LoadOptions},
    run::{Run, RunOptions, TagFilter},
};

#[derive(Parser, Debug)]
#[command(
    name = "troupe",
    version,
    about = "Ansible-compatible playbooks, with nothing but a POSIX shell on the targets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run playbooks against an inventory (like ansible-playbook).
    Run(Box<RunArgs>),
    /// Encrypt and decrypt Ansible Vault files and strings (like ansible-vault).
    Vault {
        #[command(subcommand)]
        command: vault::VaultCommand,
    },
    /// Show the ansible.cfg settings troupe uses (like ansible-config).
    Config {
        #[command(subcommand)]
        command: config_dump::ConfigCommand,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Playbook files, run in order.
    #[arg(required = true)]
    playbooks: Vec<PathBuf>,
    /// Inventory file, directory, script or comma-separated host list ('web1,web2,')
    /// (repeatable; default: $ANSIBLE_INVENTORY, comma-separated paths).
    #[arg(short = 'i', long = "inventory", alias = "inventory-file", action = ArgAction::Append)]
    inventory: Vec<String>,
    /// Limit to hosts matching this pattern (names, groups, `a:b`, `a:&b`, `a:!b`, globs).
    #[arg(short = 'l', long)]
    limit: Option<String>,
    /// Only run tasks with these tags (comma-separated, repeatable).
    #[arg(short = 't', long = "tags", action = ArgAction::Append)]
    tags: Vec<String>,
    /// Skip tasks with these tags.
    #[arg(long = "skip-tags", action = ArgAction::Append)]
    skip_tags: Vec<String>,
    /// Change nothing; predict what would change.
    #[arg(short = 'C', long)]
    check: bool,
    /// Show what changes in files and templates.
    #[arg(short = 'D', long)]
    diff: bool,
    /// Extra variables: key=value, YAML/JSON, or @file (repeatable; highest precedence).
    #[arg(short = 'e', long = "extra-vars", action = ArgAction::Append)]
    extra_vars: Vec<String>,
    /// Hosts worked on at once (default: ansible.cfg's forks, else 50).
    #[arg(short = 'f', long)]
    forks: Option<usize>,
    /// More output (-v results, -vv more).
    #[arg(short = 'v', long = "verbose", action = ArgAction::Count)]
    verbose: u8,
    /// List the hosts each play would run on, then stop.
    #[arg(long)]
    list_hosts: bool,
    /// List the tasks each play would run, then stop.
    #[arg(long)]
    list_tasks: bool,
    /// List the tags in the playbook, then stop.
    #[arg(long)]
    list_tags: bool,
    /// Check the playbook's syntax, then stop.
    #[arg(long)]
    syntax_check: bool,
    /// Run notified handlers even on hosts that failed (a play's `force_handlers:` wins).
    #[arg(long, env = "ANSIBLE_FORCE_HANDLERS", value_parser = clap::builder::BoolishValueParser::new())]
    force_handlers: bool,
    /// Empty the fact cache (ANSIBLE_CACHE_PLUGIN=jsonfile) before the run.
    #[arg(long)]
    flush_cache: bool,
    /// Start at the task with this name.
    #[arg(long)]
    start_at_task: Option<String>,
    /// Output format: human (default) or json (one event per line; also ansible.cfg's
    /// stdout_callback = json).
    #[arg(long)]
    output: Option<String>,
    /// Extra directories to find roles in (colon-separated, repeatable).
    #[arg(long = "roles-path", env = "ANSIBLE_ROLES_PATH", action = ArgAction::Append)]
    roles_path: Vec<String>,
    /// Run operations with become (sudo).
    #[arg(short = 'b', long = "become")]
    r#become: bool,
    /// The user to become.
    #[arg(long)]
    become_user: Option<String>,
    /// Ask for the become password.
    #[arg(short = 'K', long = "ask-become-pass")]
    ask_become_pass: bool,
    /// Ask for the SSH login password (used through sshpass).
    #[arg(short = 'k', long = "ask-pass")]
    ask_pass: bool,
    /// Connect as this user.
    #[arg(short = 'u', long = "user")]
    user: Option<String>,
    /// Connection type (ssh, local).
    #[arg(short = 'c', long)]
    connection: Option<String>,
    /// SSH private key file.
    #[arg(long = "private-key", alias = "key-file")]
    private_key: Option<String>,
    /// Connection timeout in seconds.
    #[arg(short = 'T', long)]
    timeout: Option<u64>,
    #[command(flatten)]
    vault: vault_args::VaultArgs,
    /// Print values that came out of Vault as they are (they show as ******** otherwise).
    #[arg(long)]
    show_vault_values: bool,
}

/// Settings the command line leaves open, from ansible.cfg (and the environment it reads):
/// vault passwords and roles paths; the rest is applied where the run options are made.
fn apply_config(args: &mut RunArgs, config: &Config) {
    let from_file = |name: &str| {
        config.all().iter().any(|r| {
            r.setting.name == name && matches!(r.origin, crate::config::Origin::File { .. })
        })
    };
    if args.vault.vault_password_file.is_empty()
        && args.vault.vault_id.is_empty()
        && !args.vault.ask_vault_pass
    {
        if from_file("DEFAULT_VAULT_PASSWORD_FILE") {
            args.vault
                .vault_password_file
                .extend(config.path("DEFAULT_VAULT_PASSWORD_FILE"));
        }
        if from_file("DEFAULT_VAULT_IDENTITY_LIST") {
            if let Some(list) = config.text("DEFAULT_VAULT_IDENTITY_LIST") {
                args.vault
                    .vault_id
                    .extend(list.split(',').map(|s| s.trim().to_string()));
            }
        }
    }
    if from_file("DEFAULT_ROLES_PATH") {
        args.roles_path.extend(
            config
                .paths("DEFAULT_ROLES_PATH")
                .iter()
                .map(|p| p.display().to_string()),
        );
    }
}

/// Runs the command line; the process exit code follows Ansible's (0 ok, 2 host failures,
/// 4 unreachable hosts, 1 other errors, 5 bad options).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(*args),
        Command::Vault { command } => vault::run(command).map(|()| ExitCode::SUCCESS),
        Command::Config { command } => config_dump::run(command).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ERROR! {}", crate::vault::mask::mask(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(mut args: RunArgs) -> Result<ExitCode, CliError> {
    let config = Config::load()?;
    for warning in &config.warnings {
        eprintln!("[WARNING]: {warning}");
    }
    if args.verbose > 0 {
        match &config.file {
            Some(f) => println!("Using {} as config file", f.display()),
            None => println!("No config file found; using defaults"),
        }
        if !config.unknown.is_empty() {
            let list: Vec<String> = config
                .unknown
                .iter()
                .map(|(k, line)| format!("{k} (line {line})"))
                .collect();
            println!(
                "ansible.cfg settings troupe does not use: {}",
                list.join(", ")
            );
        }
    }
    apply_config(&mut args, &config);
    let output =
        args.output
            .clone()
            .unwrap_or_else(|| match config.text("DEFAULT_STDOUT_CALLBACK") {
                Some("json") => "json".into(),
                _ => "human".into(),
            });
    let format = match output.as_str() {
        "human" => Format::Human,
        "json" => Format::Json,
        other => {
            return Err(CliError::Usage(format!(
                "unknown output format '{other}' (human or json)"
            )))
        }
    };
    // Vault passwords first: extra vars files, inventories and playbooks may all be encrypted.
    crate::vault::install(args.vault.keyring(false, false)?);
    if args.show_vault_values {
        crate::vault::mask::show_values();
    }
    let extra_vars = extra_vars::parse_all(&args.extra_vars)?;
    let load = LoadOptions {
        roles_path: args
            .roles_path
            .iter()
            .flat_map(|p| p.split(':'))
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .collect(),
        collections_path: config.paths("COLLECTIONS_PATHS"),
    };
    let mut playbooks = Vec::new();
    for path in &args.playbooks {
        playbooks.push(load_playbook(path, &load)?);
    }
    if !args.syntax_check && !args.list_hosts && !args.list_tasks && !args.list_tags {
        vars_prompt::answer_all(&mut playbooks, &extra_vars)?;
    }
    if args.syntax_check {
        for p in &args.playbooks {
            println!("\nplaybook: {}", p.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let sources: Vec<PathBuf> = if args.inventory.is_empty() {
        match config.set("DEFAULT_HOST_LIST") {
            Some(_) => config.paths("DEFAULT_HOST_LIST"),
            None => Vec::new(),
        }
    } else {
        args.inventory.iter().map(PathBuf::from).collect()
    };
    // Read once, before any play, so a broken source stops the run before a host is touched.
    let inventory = Inventory::load(&sources)?;
    for warning in inventory.warnings() {
        eprintln!("[WARNING]: {warning}");
    }
    let password = if args.ask_pass {
        Some(
            become_password::ask("SSH password: ")
                .map_err(|e| CliError::Usage(format!("reading the SSH password: {e}")))?,
        )
    } else {
        None
    };
    let ask_become_pass =
        args.ask_become_pass || config.bool("DEFAULT_BECOME_ASK_PASS").unwrap_or(false);
    let become_password = if ask_become_pass {
        Some(
            become_password::ask("BECOME password: ")
                .map_err(|e| CliError::Usage(format!("reading the become password: {e}")))?,
        )
    } else {
        None
    };
    if let Some(limit) = config.int("TROUPE_SSH_HANDSHAKES") {
        crate::connection::limit_handshakes(limit as usize);
    }
    let opts = RunOptions {
        check: args.check,
        diff: args.diff,
        forks: args
            .forks
            .or_else(|| config.int("DEFAULT_FORKS").map(|f| f as usize))
            .unwrap_or(50)
            .max(1),
        limit: args.limit.clone(),
        tags: TagFilter::new(&args.tags, &args.skip_tags),
        extra_vars,
        start_at_task: args.start_at_task.clone(),
        force_handlers: args.force_handlers
            || config.bool("DEFAULT_FORCE_HANDLERS").unwrap_or(false),
        any_errors_fatal: config.bool("ANY_ERRORS_FATAL").unwrap_or(false),
        warn_on_missing_handler: !config.bool("ERROR_ON_MISSING_HANDLER").unwrap_or(true),
        gather_by_default: config.text("DEFAULT_GATHERING") != Some("explicit"),
        flush_cache: args.flush_cache,
        load,
        connection: crate::connection::Overrides {
            connection: args.connection.clone(),
            remote_user: args
                .user
                .clone()
                .or_else(|| config.set("DEFAULT_REMOTE_USER").map(str::to_string)),
            private_key: args.private_key.clone().or_else(|| {
                config
                    .set("DEFAULT_PRIVATE_KEY_FILE")
                    .and(config.path("DEFAULT_PRIVATE_KEY_FILE"))
                    .map(|p| p.display().to_string())
            }),
            timeout: args.timeout.or_else(|| {
                config
                    .set("DEFAULT_TIMEOUT")
                    .and(config.int("DEFAULT_TIMEOUT"))
            }),
            r#become: args.r#become || config.bool("DEFAULT_BECOME").unwrap_or(false),
            become_user: args
                .become_user
                .clone()
                .or_else(|| config.set("DEFAULT_BECOME_USER").map(str::to_string)),
            become_method: config.set("DEFAULT_BECOME_METHOD").map(str::to_string),
            become_password,
            password,
            host_key_checking: config.bool("HOST_KEY_CHECKING"),
            ssh_args: config.set("SSH_ARGS").map(str::to_string),
            ssh_common_args: config.set("SSH_COMMON_ARGS").map(str::to_string),
            ssh_extra_args: config.set("SSH_EXTRA_ARGS").map(str::to_string),
            control_path_dir: config
                .set("SSH_CONTROL_PATH_DIR")
                .and(config.path("SSH_CONTROL_PATH_DIR"))
                .map(|p| p.display().to_string()),
            control_path: config.set("SSH_CONTROL_PATH").map(str::to_string),
            ssh_transport: config.set("TROUPE_SSH_TRANSPORT").map(str::to_string),
        },
    };
    let mut all_ok = true;
    let mut unreachable = false;
    for (path, playbook) in args.playbooks.iter().zip(&playbooks) {
        let dir = path
            .parent()
            .map(|p| {
                if p.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    p.to_path_buf()
                }
            })
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let mut inventory = inventory.clone();
        inventory.add_vars_dir(&dir)?;
        if args.list_hosts || args.list_tasks || args.list_tags {
            listing::print(
                playbook,
                &inventory,
                &opts,
                args.list_hosts,
                args.list_tasks,
                args.list_tags,
            )?;
            continue;
        }
        let printer = Printer::new(format, args.verbose);
        let run = Run::new(opts.clone(), inventory, dir, printer);
        all_ok &= crate::run::execute(&run, playbook);
        unreachable |= run.any_unreachable();
    }
    if let Some(file) = std::env::var_os("TROUPE_ROUND_TRIPS_FILE") {
        // For bench/: requests sent to the hosts' shells during the whole run.
        let count = crate::connection::round_trips();
        std::fs::write(&file, format!("{count}\n")).map_err(|e| {
            CliError::Usage(format!("writing {}: {e}", PathBuf::from(&file).display()))
        })?;
    }
    // Ansible's codes: 2 when a host failed, 4 when one was unreachable.
    Ok(match (all_ok, unreachable) {
        (true, _) => ExitCode::SUCCESS,
        (false, true) => ExitCode::from(4),
        (false, false) => ExitCode::from(2),
    })
}
