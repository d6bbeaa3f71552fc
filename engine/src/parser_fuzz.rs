//! Property tests: generated YAML, Jinja templates, playbooks and `k=v` strings thrown at the
//! parsers. Whatever the input, each returns (a value or an error) without a panic and within
//! a time bound. `PROPTEST_CASES` sets the number of cases (CI runs the default, 256;
//! `tests/fuzz.sh` runs many more). Inventories and host patterns: `inventory/tests/fuzz.rs`.

use std::{path::Path, sync::mpsc, thread, time::Duration};

use proptest::prelude::*;

/// Runs `f` on its own thread; fails the case when it panics or takes longer than 20 s.
pub(crate) fn bounded<T: Send + 'static>(input: &str, f: impl FnOnce() -> T + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let worker = thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = f();
            let _ = tx.send(());
        })
        .unwrap();
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("panicked on {input:?}"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("still running after 20 s on {input:?}"),
    }
}

/// Text made of the pieces a parser cares about, in any order.
pub(crate) fn pieces(alphabet: &'static [&'static str], max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(alphabet), 0..max)
        .prop_map(|v| v.concat())
        .boxed()
}

const YAML: &[&str] = &[
    "- ",
    ": ",
    "{",
    "}",
    "[",
    "]",
    ", ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "!!str ",
    "!!int ",
    "\n",
    "  ",
    "    ",
    "key",
    "value",
    "'",
    "\"",
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "<<: ",
    "# c\n",
    "!vault |\n",
    "$ANSIBLE_VAULT;1.1;AES256\n",
    "0644",
    "yes",
    "~",
    "\t",
    "?",
    "%YAML 1.1\n",
    "\\",
    "é",
    "9e9999",
];

const JINJA: &[&str] = &[
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    " for x in range(10) ",
    " endfor ",
    " if x ",
    " endif ",
    " x ",
    " y ",
    "|",
    "default(",
    "join(",
    "list",
    ")",
    "(",
    "'",
    "\"",
    "~",
    "+",
    "*",
    "**",
    "9",
    "99999",
    "lookup(",
    "range(",
    "recursive",
    "loop.index",
    " macro m() ",
    " endmacro ",
    "m()",
    " set x = ",
    "[",
    "]",
    ",",
    ".",
    "0",
    "-",
    " in ",
    "is defined",
    "{",
    "}",
    ":",
    "\n",
    "\\",
    "regex_replace('(a+)+$', '')",
    "b64decode",
    "from_yaml",
    "from_json",
    "to_json",
];

const KV: &[&str] = &[
    "a=b",
    " ",
    "k='v w'",
    "k=\"v\\\" w\"",
    "=",
    "x",
    "'",
    "\"",
    "\\n",
    "\\",
    "{{ a }}",
    "{%",
    "creates=/x",
    "chdir=",
    "\n",
    "é",
    "==",
    "a=b=c",
];

const PLAY: &[&str] = &[
    "- hosts: all\n",
    "  tasks:\n",
    "    - ",
    "debug: msg=x\n",
    "name: t\n",
    "      when: ",
    "x\n",
    "block:\n",
    "      - ",
    "include_tasks: ",
    "self.yml\n",
    "import_tasks: ",
    "loop: ",
    "[1, 2]\n",
    "roles: [r]\n",
    "  vars:\n",
    "    a: 1\n",
    "  ",
    "\n",
    "notify: h\n",
    "handlers:\n",
    "{{ x }}",
    "action: ",
    "shell: echo\n",
    "args:\n",
    ": ",
    "- ",
];

proptest! {
    #[test]
    fn yaml_never_panics_or_hangs(text in pieces(YAML, 80)) {
        let input = text.clone();
        bounded(&input, move || crate::yaml::value_from_str(&text, Path::new("f.yml")).is_ok());
    }

    #[test]
    fn arbitrary_text_as_yaml_never_panics(text in "\\PC{0,300}") {
        let input = text.clone();
        bounded(&input, move || crate::yaml::value_from_str(&text, Path::new("f.yml")).is_ok());
    }

    #[test]
    fn templates_never_panic_or_hang(text in pieces(JINJA, 40)) {
        let input = text.clone();
        bounded(&input, move || {
            let templar = crate::template::Templar::new();
            let ctx = crate::template::to_jinja(
                &serde_json::json!({"x": [1, 2], "y": "s", "a": {"b": 1}}),
            );
            templar.render_str(&text, &ctx).is_ok()
        });
    }

    #[test]
    fn key_value_strings_never_panic(text in pieces(KV, 30)) {
        let input = text.clone();
        bounded(&input, move || {
            let a = crate::playbook::kv::parse_kv(&text, false, &[]);
            let b = crate::playbook::kv::parse_kv(&text, true, &["creates", "chdir"]);
            (a.stray.len(), b.raw.is_some())
        });
    }

    #[test]
    fn playbooks_never_panic_or_hang(text in pieces(PLAY, 40)) {
        let input = text.clone();
        bounded(&input, move || {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("p.yml"), &text).unwrap();
            std::fs::write(dir.path().join("self.yml"), &text).unwrap();
            let opts = crate::playbook::LoadOptions::default();
            crate::playbook::load_playbook(&dir.path().join("p.yml"), &opts).is_ok()
        });
    }
}
