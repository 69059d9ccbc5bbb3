// A conversion allocates many short strings per row; mimalloc spends far less time on them than the
// system allocator (measured in the README's Performance section).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// On Linux mimalloc commits its arenas ahead and keeps freed memory a while, so that the next
/// allocation is fast: a conversion whose tables grow by doubling then stays resident with every
/// old table too (the bench's 1M rows: 193 MiB for a 152 MB heap, 129 MiB for 92 at 250k).
/// Committing as touched and giving memory back at once costs no measurable time there. Set
/// before the first allocation, which reserves the first arena: from the program's constructors
/// (no allocation here, not even to read the environment). A `MIMALLOC_*` variable of the same
/// name is left to decide. Windows never commits ahead; its default is kept.
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
#[used]
#[unsafe(link_section = ".init_array.00100")]
static TUNE_ALLOCATOR: extern "C" fn() = {
    extern "C" fn tune() {
        use std::ffi::{c_int, c_long};
        unsafe extern "C" {
            fn mi_option_set(option: c_int, value: c_long);
        }
        // `mi_option_e` of mimalloc.h (the same numbers in its v2 and v3).
        const ARENA_EAGER_COMMIT: c_int = 4;
        const PURGE_DELAY: c_int = 15;
        for (option, name) in
            [(ARENA_EAGER_COMMIT, c"MIMALLOC_ARENA_EAGER_COMMIT"), (PURGE_DELAY, c"MIMALLOC_PURGE_DELAY")]
        {
            // SAFETY: getenv reads the environment (no thread runs yet); mi_option_set stores
            // one of mimalloc's options, a value its documentation allows.
            unsafe {
                if libc::getenv(name.as_ptr()).is_null() {
                    mi_option_set(option, 0);
                }
            }
        }
    }
    tune
};

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
