//! Logs of the watcher (tracing): the console (stderr), and a file when asked. A watcher runs
//! unattended, so the log is how the merchant learns what happened to a file.

use std::fs::OpenOptions;
use std::io::{self, IsTerminal};
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::prelude::*;

/// Local wall-clock time: people compare log lines with file dates in Explorer.
struct LocalTime;

impl FormatTime for LocalTime {
    fn format_time(&self, w: &mut Writer<'_>) -> std::fmt::Result {
        write!(w, "{}", jiff::ZonedDateTime::now().strftime("%Y-%m-%d %H:%M:%S%.3f"))
    }
}

/// Installs the global subscriber: info (debug with `verbose`) to stderr, and appended to
/// `file` if given (its folder is created).
pub fn init(file: Option<&Path>, verbose: bool) -> io::Result<()> {
    let level = if verbose { LevelFilter::DEBUG } else { LevelFilter::INFO };
    // Colours only on a terminal, and not on Windows where older consoles print the codes.
    let ansi = cfg!(not(windows)) && io::stderr().is_terminal();
    let console = tracing_subscriber::fmt::layer()
        .with_writer(io::stderr)
        .with_timer(LocalTime)
        .with_target(false)
        .with_ansi(ansi);
    let file_layer = match file {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let f = OpenOptions::new().create(true).append(true).open(path)?;
            Some(
                tracing_subscriber::fmt::layer()
                    .with_writer(Mutex::new(f))
                    .with_timer(LocalTime)
                    .with_target(false)
                    .with_ansi(false),
            )
        }
        None => None,
    };
    tracing_subscriber::registry()
        .with(level)
        .with(console)
        .with(file_layer)
        .try_init()
        .map_err(|e| io::Error::other(e.to_string()))
}
