//! The `coprocure` binary: parse the command line, load configuration, set up logging,
//! run the subcommand. Invalid configuration exits with code 2 and one line naming the
//! variable.

use std::process::ExitCode;

use clap::Parser;
use coprocure::{cli, config::Settings, telemetry};

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("coprocure: invalid configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("coprocure: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args, settings)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("coprocure: {e:#}");
            ExitCode::FAILURE
        }
    }
}
