// A conversion allocates many short strings per row; mimalloc spends far less time on them than the
// system allocator (measured in the README's Performance section).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: allocator::Mimalloc = allocator::Mimalloc;

#[cfg(feature = "mimalloc")]
mod allocator;

fn main() -> std::process::ExitCode {
    let cli = passerelle::cli::parse();
    // `passerelle inspect big.csv | head`: a closed pipe ends the command quietly, as it does
    // any Unix tool, instead of a panic on the next print. Not the watcher: a console that
    // goes away must not stop it.
    #[cfg(unix)]
    if !matches!(cli.command, passerelle::cli::Command::Watch(_)) {
        // SAFETY: restores the default action of one signal before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    std::process::ExitCode::from(passerelle::commands::run(cli))
}
