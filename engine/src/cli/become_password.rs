//! `-K`/`--ask-become-pass` and `-k`/`--ask-pass`: Ansible's "BECOME password: " and "SSH
//! password: " prompts on a terminal, without echo; a password piped in
//! (`echo pw | troupe run -K ...`) is read from stdin's first line.

use std::io::{self, BufRead, IsTerminal};

pub fn ask(prompt: &str) -> io::Result<String> {
    let term = console::Term::stderr();
    if term.is_term() && io::stdin().is_terminal() {
        term.write_str(prompt)?;
        return term.read_secure_line();
    }
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
