//! The API's calls on the command line: the command table, and each call's flags turned
//! into the core's type. Adding a call is its flags here and one line in [`CALLS`].

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches};
use zego_core::actions::{
    DescribeUserNum, KickoutUser, MessageCategory, SendBroadcastMessage, SendCustomCommand,
};

use crate::args::{Cli, Command, Message, top_help};
use crate::runner::{CallArgs, Entry};

/// Every call the command makes: one subcommand each, named after the call in kebab case.
pub const CALLS: &[Entry] = &[
    Entry::batched::<SendCustomCommandArgs>(),
    Entry::single::<SendBroadcastMessageArgs>(),
    Entry::batched::<KickoutUserArgs>(),
    Entry::batched::<DescribeUserNumArgs>(),
];

/// The whole `zego` command: the calls, then `sign`, `token`, `callbacks` and `demo`.
pub fn command() -> clap::Command {
    let calls = CALLS.iter().map(Entry::command);
    Cli::command().subcommands(calls).after_help(top_help())
}

/// Runs the subcommand of `matches`; returns the exit code.
pub fn dispatch(matches: &ArgMatches) -> u8 {
    if let Some((name, sub)) = matches.subcommand()
        && let Some(entry) = CALLS.iter().find(|e| e.name() == name)
    {
        return entry.run(sub);
    }
    let cli = Cli::from_arg_matches(matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Sign(args) => crate::sign::run(args),
        Command::Token(args) => crate::token::run(args),
        Command::Callbacks { command } => crate::callbacks::run(command),
        Command::Demo => crate::demo::run(),
    }
}

/// `zego send-custom-command`.
#[derive(Debug, Args)]
pub struct SendCustomCommandArgs {
    /// The room.
    #[arg(long, value_name = "ROOM")]
    room: String,
    /// The sender's user ID. The user with this ID does not receive the message.
    #[arg(long, value_name = "USER")]
    from: String,
    /// A target user; repeat for more; never the sender (`--from`). None: everyone in the
    /// room. More than 10: sent as several requests, paced by the rate budget.
    #[arg(long = "to", value_name = "USER")]
    to: Vec<String>,
    /// The content.
    #[command(flatten)]
    message: Message,
}

impl CallArgs for SendCustomCommandArgs {
    type Call = SendCustomCommand;
    const ABOUT: &'static str = "Push a custom message to users of a room, or to all of them";

    fn into_call(self) -> Result<SendCustomCommand, String> {
        let content = self.message.read(SendCustomCommand::MAX_CONTENT_BYTES)?;
        Ok(if self.to.is_empty() {
            SendCustomCommand::to_room(self.room, self.from, content)
        } else {
            SendCustomCommand::to_users(self.room, self.from, self.to, content)
        })
    }
}

/// `zego send-broadcast-message`.
#[derive(Debug, Args)]
pub struct SendBroadcastMessageArgs {
    /// The room.
    #[arg(long, value_name = "ROOM")]
    room: String,
    /// The sender's user ID (it need not be in the room). The user with this ID does not
    /// receive the message.
    #[arg(long, value_name = "USER")]
    from: String,
    /// The sender's name.
    #[arg(long, value_name = "NAME")]
    from_name: Option<String>,
    /// The message's category.
    #[arg(long, value_name = "CATEGORY", default_value = "chat",
          value_parser = PossibleValuesParser::new(["system", "chat"])
              .map(|c| if c == "system" { MessageCategory::System } else { MessageCategory::Chat }))]
    category: MessageCategory,
    /// The content.
    #[command(flatten)]
    message: Message,
}

impl CallArgs for SendBroadcastMessageArgs {
    type Call = SendBroadcastMessage;
    const ABOUT: &'static str = "Send a text message to every user of a room";

    fn into_call(self) -> Result<SendBroadcastMessage, String> {
        let content = self.message.read(SendBroadcastMessage::MAX_CONTENT_BYTES)?;
        Ok(
            SendBroadcastMessage::new(self.room, self.from, self.category, content)
                .user_name(self.from_name.unwrap_or_default()),
        )
    }
}

/// `zego kickout-user`.
#[derive(Debug, Args)]
pub struct KickoutUserArgs {
    /// The room.
    #[arg(long, value_name = "ROOM")]
    room: String,
    /// A user to kick out; repeat for more. More than 5: sent as several requests.
    #[arg(long = "user", value_name = "USER")]
    users: Vec<String>,
    /// The reason given to the kicked users' clients (at most 256 bytes of UTF-8).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
}

impl CallArgs for KickoutUserArgs {
    type Call = KickoutUser;
    const ABOUT: &'static str = "Kick users out of a room";

    fn into_call(self) -> Result<KickoutUser, String> {
        Ok(KickoutUser::new(self.room, self.users).reason(self.reason.unwrap_or_default()))
    }
}

/// `zego describe-user-num`.
#[derive(Debug, Args)]
pub struct DescribeUserNumArgs {
    /// A room to count the users of; repeat for more. More than 10: sent as several
    /// requests.
    #[arg(long = "room", value_name = "ROOM")]
    rooms: Vec<String>,
}

impl CallArgs for DescribeUserNumArgs {
    type Call = DescribeUserNum;
    const ABOUT: &'static str = "Count the users in rooms";

    fn into_call(self) -> Result<DescribeUserNum, String> {
        Ok(DescribeUserNum::new(self.rooms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_consistent() {
        command().debug_assert();
    }

    #[test]
    fn one_subcommand_per_call() {
        let names: Vec<String> = CALLS.iter().map(Entry::name).collect();
        assert_eq!(
            names,
            [
                "send-custom-command",
                "send-broadcast-message",
                "kickout-user",
                "describe-user-num"
            ]
        );
        let command = command();
        for name in &names {
            let sub = command
                .find_subcommand(name)
                .expect("a subcommand per call");
            for flag in ["app-id", "endpoint", "json", "dry-run", "nonce", "timeout"] {
                assert!(
                    sub.get_arguments().any(|a| a.get_long() == Some(flag)),
                    "{name} --{flag}"
                );
            }
        }
    }
}
