//! Command-line surface: argument definitions and the subcommands' entry points.

use std::process::ExitCode;

/// Parse the process arguments and run the chosen subcommand.
pub fn main() -> ExitCode {
    ExitCode::SUCCESS
}
