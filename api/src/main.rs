fn main() -> std::process::ExitCode {
    fascia::cli::main()
}
