//! The `coprocure` binary: parse the command line, load configuration, set up logging,
//! run the subcommand. Invalid configuration exits with code 2 and one line naming the
//! variable.

use std::process::ExitCode;

use clap::Parser;
use coprocure::{cli, config::Settings, telemetry};

fn main() -> ExitCode {
    // glibc raises its mmap threshold after large frees, after which argon2's 19 MiB work
    // areas stay in the heap arenas of whichever threads ran them; a fixed threshold keeps
    // such blocks mmapped, so they go back to the OS when a hash completes.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called once, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
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
