//! Unguessable tokens for protocol markers and temp names.

/// 32 hex digits from the OS random source.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // The OS source fails only where a process could not run at all.
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex::encode(bytes)
}
