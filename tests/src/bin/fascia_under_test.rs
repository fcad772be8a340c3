//! The `fascia` command, built inside the tests crate so process-level tests can run it
//! through `CARGO_BIN_EXE_fascia-under-test`.

fn main() -> std::process::ExitCode {
    fascia::cli::main()
}
