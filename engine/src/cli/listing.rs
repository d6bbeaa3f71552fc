//! `--list-hosts`, `--list-tasks`, `--list-tags`.

use std::collections::BTreeSet;

use super::CliError;
use crate::{
    inventory::Inventory,
    playbook::{Action, Playbook, Task},
    run::RunOptions,
};

pub fn print(
    playbook: &Playbook,
    inventory: &Inventory,
    opts: &RunOptions,
    hosts: bool,
    tasks: bool,
    tags: bool,
) -> Result<(), CliError> {
    println!("\nplaybook: {}", playbook.path.display());
    for (i, play) in playbook.plays.iter().enumerate() {
        let name = if play.name.is_empty() {
            &play.hosts
        } else {
            &play.name
        };
        println!(
            "\n  play #{} ({}): {}\tTAGS: [{}]",
            i + 1,
            play.hosts,
            name,
            play.kw.tags.join(",")
        );
        if hosts {
            let mut selected = inventory.select(&play.hosts)?;
            if let Some(limit) = &opts.limit {
                let allowed = inventory.select(limit)?;
                selected.retain(|h| allowed.contains(h));
            }
            println!(
                "    pattern: ['{}']\n    hosts ({}):",
                play.hosts,
                selected.len()
            );
            for h in selected {
                println!("      {h}");
            }
        }
        let sections = [&play.pre_tasks, &play.roles, &play.tasks, &play.post_tasks];
        if tasks {
            println!("    tasks:");
            for s in sections {
                list_tasks(s, &play.kw.tags, opts, 6);
            }
        }
        if tags {
            let mut all = BTreeSet::new();
            all.extend(play.kw.tags.iter().cloned());
            for s in sections {
                collect_tags(s, &mut all);
            }
            println!(
                "      TASK TAGS: [{}]",
                all.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    Ok(())
}

fn list_tasks(tasks: &[Task], inherited: &[String], opts: &RunOptions, indent: usize) {
    for t in tasks {
        let mut tags = inherited.to_vec();
        tags.extend(t.kw.tags.iter().cloned());
        match &t.action {
            Action::Block {
                block,
                rescue,
                always,
            } => {
                for part in [block, rescue, always] {
                    list_tasks(part, &tags, opts, indent);
                }
            }
            action => {
                if !opts.tags.selects(&tags) {
                    continue;
                }
                let kind = match action {
                    Action::Module { name, .. } => name.clone(),
                    Action::IncludeTasks { .. } => "include_tasks".into(),
                    Action::IncludeRole { .. } => "include_role".into(),
                    Action::Meta(m) => format!("meta: {m}"),
                    Action::Block { .. } => unreachable!(),
                };
                let name = t.name.clone().unwrap_or(kind);
                let name = match &t.role {
                    Some(r) => format!("{} : {name}", r.name),
                    None => name,
                };
                println!("{:indent$}{name}\tTAGS: [{}]", "", tags.join(", "));
            }
        }
    }
}

fn collect_tags(tasks: &[Task], into: &mut BTreeSet<String>) {
    Task::walk(tasks, &mut |t| into.extend(t.kw.tags.iter().cloned()));
}
