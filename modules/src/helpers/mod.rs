//! What modules share: argument types, the shell text they send, probes of the target, and
//! the file reading and writing several of them do.
pub mod args;
pub mod clock;
pub mod file_attrs;
pub mod file_write;
pub mod path_expand;
pub mod path_info;
pub mod probe;
pub mod py_regex;
pub mod python_text;
pub mod remote_file;
pub mod replace_file;
pub mod shell_text;
pub mod truth;
