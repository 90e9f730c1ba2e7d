fn main() -> std::process::ExitCode {
    buildlint::cli::main()
}
