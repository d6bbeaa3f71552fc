//! Modules that manage files and directories on the target, and the helpers only they use.

crate::registry::family! {
    archive::Archive,
    blockinfile::BlockInFile,
    copy::Copy,
    fetch::Fetch,
    file::File,
    find::Find,
    lineinfile::LineInFile,
    replace::Replace,
    slurp::Slurp,
    stat::Stat,
    tempfile::TempFile,
    unarchive::Unarchive,
}

pub mod archive_format;
pub mod file_times;
pub mod text_edit;
