//! The `zego` command.
fn main() {}
