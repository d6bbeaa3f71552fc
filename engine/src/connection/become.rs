//! Running the shell as another user: `sudo` (with or without a password) or `su`, wrapped
//! around the login user's launcher.

use std::sync::Arc;

use troupe_modules::TargetError;

use super::launcher::{Launch, Launcher, PasswordPrompt};
use super::Become;
use troupe_modules::replace_file::random_token;
use troupe_modules::shell_text::quote as q;

/// Starts `/bin/sh` as `become.user` through the login user's launcher.
pub(crate) struct BecomeLauncher {
    login: Arc<dyn Launcher>,
    user: String,
    method: Method,
}

enum Method {
    /// `sudo -n`: fails at once when a password would be needed.
    Sudo,
    /// `sudo -S`: the password goes to sudo's own prompt, told apart by a unique marker.
    SudoWithPassword(PasswordPrompt),
    Su,
    /// `su` reading the password on its stdin, as util-linux's does without a terminal.
    SuWithPassword(PasswordPrompt),
}

impl BecomeLauncher {
    pub(crate) fn new(login: Arc<dyn Launcher>, how: &Become) -> Result<Self, TargetError> {
        let method = match (how.method.as_str(), &how.password) {
            ("sudo", None) => Method::Sudo,
            // sudo reads one line: whatever follows a line break would reach the shell
            // started as root as its next command.
            ("sudo", Some(password)) if password.contains(['\n', '\r', '\0']) => {
                return Err(TargetError::Failed(
                    "the become password contains a line break (or NUL), which sudo cannot read as a password; nothing was run".into(),
                ))
            }
            ("sudo", Some(password)) => {
                let token = random_token();
                Method::SudoWithPassword(PasswordPrompt {
                    prompt: format!("[troupe%become {token}] password:"),
                    ready: format!("troupe-ready-{token}"),
                    password: password.clone(),
                })
            }
            ("su", None) => Method::Su,
            ("su", Some(password)) if password.contains(['\n', '\r', '\0']) => {
                return Err(TargetError::Failed(
                    "the become password contains a line break (or NUL), which su cannot read as a password; nothing was run".into(),
                ))
            }
            ("su", Some(password)) => Method::SuWithPassword(PasswordPrompt {
                // su's own prompt, in the C locale it is started with.
                prompt: "Password:".into(),
                ready: format!("troupe-ready-{}", random_token()),
                password: password.clone(),
            }),
            (other, _) => return Err(TargetError::Failed(format!("unsupported become method '{other}'"))),
        };
        Ok(BecomeLauncher {
            login,
            user: how.user.clone(),
            method,
        })
    }
}

impl Launcher for BecomeLauncher {
    fn launch(&self, script: Option<&str>) -> Launch {
        let shell = match script {
            None => "exec /bin/sh".to_string(),
            Some(script) => script.to_string(),
        };
        let user = q(&self.user);
        let (command, password) = match &self.method {
            Method::Sudo => (
                format!("exec sudo -H -n -u {user} -- /bin/sh -c {}", q(&shell)),
                None,
            ),
            Method::SudoWithPassword(prompt) => {
                // The marker is printed in two pieces so ssh's debug echo of this command
                // line never looks like it; sudo turns `%%` into `%` for the same reason.
                let token = prompt.ready.trim_start_matches("troupe-ready-");
                let announced = format!("printf 'troupe-ready-%s\\n' {token} >&2; {shell}");
                let sudo_prompt = prompt.prompt.replace('%', "%%");
                let command = format!(
                    "exec sudo -H -S -p {} -u {user} -- /bin/sh -c {}",
                    q(&sudo_prompt),
                    q(&announced)
                );
                (command, Some(prompt.clone()))
            }
            Method::Su => (format!("exec su -s /bin/sh -c {} {user}", q(&shell)), None),
            Method::SuWithPassword(prompt) => {
                // su prompts in the C locale; the shell it starts gets the caller's back.
                let token = prompt.ready.trim_start_matches("troupe-ready-");
                let wrapped = format!(
                    "if [ \"$TROUPE_LC_ALL\" = - ]; then unset LC_ALL; else LC_ALL=$TROUPE_LC_ALL; export LC_ALL; fi; unset TROUPE_LC_ALL; printf 'troupe-ready-%s\\n' {token} >&2; {shell}"
                );
                let command = format!(
                    "TROUPE_LC_ALL=${{LC_ALL--}} LC_ALL=C exec su -s /bin/sh -c {} {user}",
                    q(&wrapped)
                );
                (command, Some(prompt.clone()))
            }
        };
        let mut launch = self.login.launch(Some(&command));
        launch.password = password;
        launch
    }
}
