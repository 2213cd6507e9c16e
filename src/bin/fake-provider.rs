//! The strict fake provider (tests only). Prints its base URL on stdout's
//! first line, then serves until killed. See `pierre_local::fake`.

fn main() -> std::process::ExitCode {
    let args = match pierre_local::fake::parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("fake-provider: {message}");
            return std::process::ExitCode::from(64);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("fake-provider: cannot start the runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(pierre_local::fake::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("fake-provider: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
