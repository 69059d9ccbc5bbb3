use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = passerelle::cli::Cli::parse();
    std::process::ExitCode::from(passerelle::commands::run(cli))
}
