//! The `postie` binary: parse arguments and hand over to [`postie::cli`].

fn main() -> std::process::ExitCode {
    postie::cli::main()
}
