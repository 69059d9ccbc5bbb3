// A conversion allocates many short strings per row; mimalloc spends far less time on them than the
// system allocator (measured in the README's Performance section).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = passerelle::cli::parse();
    std::process::ExitCode::from(passerelle::commands::run(cli))
}
