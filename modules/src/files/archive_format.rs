//! Archive and compression formats, and the tools that read and write them on the target.

use serde::Deserialize;

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Gz,
    Bz2,
    Xz,
    Tar,
    Zip,
}

impl Format {
    /// GNU tar's compression option, for tar formats.
    pub fn tar_flag(self) -> &'static str {
        match self {
            Format::Gz => "-z",
            Format::Bz2 => "-j",
            Format::Xz => "-J",
            Format::Tar | Format::Zip => "",
        }
    }

    /// The stream compressor, for a single file compressed without tar.
    pub fn compressor(self) -> Option<&'static str> {
        match self {
            Format::Gz => Some("gzip"),
            Format::Bz2 => Some("bzip2"),
            Format::Xz => Some("xz"),
            Format::Tar | Format::Zip => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Gz => "gz",
            Format::Bz2 => "bz2",
            Format::Xz => "xz",
            Format::Tar => "tar",
            Format::Zip => "zip",
        }
    }

    /// Guesses the format of an archive from its name; `None` for plain tar (or unknown:
    /// GNU tar recognises compression by content when reading).
    pub fn of_archive(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".zip") || lower.ends_with(".jar") || lower.ends_with(".war") {
            Some(Format::Zip)
        } else {
            None
        }
    }
}
