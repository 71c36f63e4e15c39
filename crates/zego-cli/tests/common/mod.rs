//! What the tests of `zego token` and `zego callbacks` share: the command without the
//! caller's environment, and its output as text.

use assert_cmd::Command;

/// `zego` with none of the caller's `ZEGO_*` variables.
pub fn zego() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zego"));
    for var in [
        "ZEGO_APP_ID",
        "ZEGO_SERVER_SECRET",
        "ZEGO_CALLBACK_SECRET",
        "ZEGO_BUDGET",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Standard output, as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
