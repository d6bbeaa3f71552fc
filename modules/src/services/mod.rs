//! Services and scheduled jobs.

crate::registry::family! {
    cron::Cron,
    service::Service,
    systemd::Systemd,
}

pub mod crontab;
