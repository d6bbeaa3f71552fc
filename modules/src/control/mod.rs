//! Modules that steer a run rather than change a host: `ping`, `pause`, `wait_for`.

crate::registry::family! {
    pause::Pause,
    ping::Ping,
    wait_for::WaitFor,
}
