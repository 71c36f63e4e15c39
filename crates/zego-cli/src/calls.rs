//! The API's calls on the command line: the command table, and each call's flags turned
//! into the core's type. Adding a call is its flags here and one line in [`CALLS`].

use std::marker::PhantomData;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches};
use zego_core::actions::{
    AddStream, Barrage, Broadcast, CensorFlag, CloseRoom, DelForbidUserRule, DeleteStream,
    DescribeForbidUserRules, DescribeRTCStreamState, DescribeSimpleStreamList, DescribeUserList,
    DescribeUserNum, DescribeUsers, Forbid, ForbidTarget, KickoutUser, MessageCategory,
    MessageKind, Privilege, Resume, RoomMessage, RtcStream, RtcStreams, RuleType,
    SendCustomCommand, SetForbidUserRule, Switch, UserListOrder,
};

use crate::args::{Cli, Command, Message, top_help};
use crate::runner::{CallArgs, Entry, PagedArgs};

/// Every call the command makes, under its heading in `zego --help`: one subcommand each,
/// named after the call in kebab case.
pub const CALLS: &[(&str, &[Entry])] = &[
    (
        "Messages",
        &[
            Entry::batched::<SendCustomCommandArgs>(),
            Entry::single::<SendBroadcastMessageArgs>(),
            Entry::single::<SendBarrageMessageArgs>(),
        ],
    ),
    (
        "Users",
        &[
            Entry::batched::<KickoutUserArgs>(),
            Entry::batched::<DescribeUsersArgs>(),
            Entry::paged::<DescribeUserListArgs>(),
        ],
    ),
    (
        "Rooms",
        &[
            Entry::batched::<DescribeUserNumArgs>(),
            Entry::single::<CloseRoomArgs>(),
        ],
    ),
    (
        "Streams",
        &[
            Entry::single::<DescribeSimpleStreamListArgs>(),
            Entry::single::<AddStreamArgs>(),
            Entry::single::<DeleteStreamArgs>(),
            Entry::single::<ForbidRTCStreamArgs>(),
            Entry::single::<ResumeRTCStreamArgs>(),
            Entry::batched::<ForbidRTCStreamsArgs>(),
            Entry::batched::<ResumeRTCStreamsArgs>(),
            Entry::single::<DescribeRTCStreamStateArgs>(),
        ],
    ),
    (
        "Ban rules",
        &[
            Entry::single::<SetForbidUserRuleArgs>(),
            Entry::single::<DescribeForbidUserRulesArgs>(),
            Entry::single::<DelForbidUserRuleArgs>(),
        ],
    ),
];

/// Every call of [`CALLS`], in order.
pub fn entries() -> impl Iterator<Item = &'static Entry> {
    CALLS.iter().flat_map(|(_, calls)| calls.iter())
}

/// The whole `zego` command: the calls, then `sign`, `token`, `callbacks` and `demo`,
/// listed by heading in `zego --help`.
pub fn command() -> clap::Command {
    let calls = entries().map(Entry::command);
    let command = Cli::command().subcommands(calls).after_help(top_help());
    crate::help::grouped(command, CALLS)
}

/// Runs the subcommand of `matches`; returns the exit code.
pub fn dispatch(matches: &ArgMatches) -> u8 {
    if let Some((name, sub)) = matches.subcommand()
        && let Some(entry) = entries().find(|e| e.name() == name)
    {
        return entry.run(sub);
    }
    let cli = Cli::from_arg_matches(matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Sign(args) => crate::sign::run(args),
        Command::Token(args) => crate::token::run(args),
        Command::Callbacks { command } => crate::callbacks::run(command),
        Command::Demo(args) => crate::demo::run(&args),
    }
}

/// A flag whose values are names, each standing for a value of `T`.
fn named<T: Copy + Send + Sync + 'static>(
    names: &'static [(&'static str, T)],
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(names.iter().map(|(name, _)| *name)).map(|chosen| {
        names
            .iter()
            .find(|(name, _)| *name == chosen)
            .map(|(_, value)| *value)
            .expect("clap allows only the names")
    })
}

const CATEGORIES: &[(&str, MessageCategory)] = &[
    ("system", MessageCategory::System),
    ("chat", MessageCategory::Chat),
];
const ORDERS: &[(&str, UserListOrder)] = &[
    ("asc", UserListOrder::OldestFirst),
    ("desc", UserListOrder::NewestFirst),
];
const CENSOR_FLAGS: &[(&str, CensorFlag)] = &[
    ("allowed", CensorFlag::Allowed),
    ("not-allowed", CensorFlag::NotAllowed),
];
const RULE_TYPES: &[(&str, RuleType)] = &[
    ("ip", RuleType::Ip),
    ("room", RuleType::Room),
    ("user", RuleType::User),
    ("room-user", RuleType::RoomUser),
];
const PRIVILEGES: &[(&str, Privilege)] =
    &[("login", Privilege::Login), ("publish", Privilege::Publish)];

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

/// `zego send-broadcast-message` and `zego send-barrage-message`, whose flags are the
/// same: the kind `K` says which.
#[derive(Debug, Args)]
pub struct RoomMessageArgs<K: MessageText> {
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
    #[arg(long, value_name = "CATEGORY", default_value = "chat", value_parser = named(CATEGORIES))]
    category: MessageCategory,
    /// The content.
    #[command(flatten)]
    message: Message,
    #[arg(skip)]
    kind: PhantomData<K>,
}

/// What the command says of a kind of room message.
pub trait MessageText: MessageKind {
    /// The subcommand's summary.
    const ABOUT: &'static str;
}

impl MessageText for Broadcast {
    const ABOUT: &'static str = "Send a text message to every user of a room";
}

impl MessageText for Barrage {
    const ABOUT: &'static str = "Send a barrage (bullet-screen) message to a room";
}

impl<K: MessageText> CallArgs for RoomMessageArgs<K> {
    type Call = RoomMessage<K>;
    const ABOUT: &'static str = K::ABOUT;

    fn into_call(self) -> Result<RoomMessage<K>, String> {
        let content = self.message.read(RoomMessage::<K>::MAX_CONTENT_BYTES)?;
        Ok(
            RoomMessage::new(self.room, self.from, self.category, content)
                .user_name(self.from_name.unwrap_or_default()),
        )
    }
}

/// `zego send-broadcast-message`.
pub type SendBroadcastMessageArgs = RoomMessageArgs<Broadcast>;

/// `zego send-barrage-message`.
pub type SendBarrageMessageArgs = RoomMessageArgs<Barrage>;

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

/// `zego describe-users`.
#[derive(Debug, Args)]
pub struct DescribeUsersArgs {
    /// The room.
    #[arg(long, value_name = "ROOM")]
    room: String,
    /// A user to ask about; repeat for more. More than 10: sent as several requests.
    #[arg(long = "user", value_name = "USER")]
    users: Vec<String>,
}

impl CallArgs for DescribeUsersArgs {
    type Call = DescribeUsers;
    const ABOUT: &'static str = "Tell whether users are in a room, and their roles";

    fn into_call(self) -> Result<DescribeUsers, String> {
        Ok(DescribeUsers::new(self.room, self.users))
    }
}

/// `zego describe-user-list`.
#[derive(Debug, Args)]
pub struct DescribeUserListArgs {
    /// The room (one that does not exist has no users).
    #[arg(long, value_name = "ROOM")]
    room: String,
    /// The order by login time: asc, the oldest first; desc, the newest first.
    #[arg(long, value_name = "ORDER", default_value = "asc", value_parser = named(ORDERS))]
    order: UserListOrder,
    /// Users per page, 0 to 200 (0: 200).
    #[arg(long, value_name = "N", default_value_t = DescribeUserList::MAX_LIMIT)]
    limit: u32,
    /// Where the page starts: the Marker of the previous page (default: the first page).
    #[arg(long, value_name = "MARKER")]
    marker: Option<String>,
}

impl CallArgs for DescribeUserListArgs {
    type Call = DescribeUserList;
    const ABOUT: &'static str = "List the users of a room, a page at a time";

    fn into_call(self) -> Result<DescribeUserList, String> {
        Ok(DescribeUserList::new(self.room)
            .order(self.order)
            .limit(self.limit)
            .marker(self.marker.unwrap_or_default()))
    }
}

impl PagedArgs for DescribeUserListArgs {
    const ITEMS: &'static str = "UserList";
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

/// `zego close-room`.
#[derive(Debug, Args)]
pub struct CloseRoomArgs {
    /// The room.
    #[arg(long, value_name = "ROOM")]
    room: String,
    /// The reason given to the users' clients (at most 256 bytes of UTF-8).
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    /// Fire the "room closed" server callback.
    #[arg(long)]
    room_close_callback: bool,
}

impl CallArgs for CloseRoomArgs {
    type Call = CloseRoom;
    const ABOUT: &'static str = "Move every user out of a room and close it";

    fn into_call(self) -> Result<CloseRoom, String> {
        Ok(CloseRoom::new(self.room)
            .reason(self.reason.unwrap_or_default())
            .room_close_callback(self.room_close_callback))
    }
}

/// `zego describe-simple-stream-list`.
#[derive(Debug, Args)]
pub struct DescribeSimpleStreamListArgs {
    /// The room (one that does not exist has no streams).
    #[arg(long, value_name = "ROOM")]
    room: String,
}

impl CallArgs for DescribeSimpleStreamListArgs {
    type Call = DescribeSimpleStreamList;
    const ABOUT: &'static str = "List the streams of a room";

    fn into_call(self) -> Result<DescribeSimpleStreamList, String> {
        Ok(DescribeSimpleStreamList::new(self.room))
    }
}

/// A stream of a room's stream list, as `add-stream` and `delete-stream` name it.
#[derive(Debug, Args)]
pub struct ListedStream {
    /// The room (it must exist).
    #[arg(long, value_name = "ROOM")]
    room: String,
    /// The user the stream is announced as; the vendor advises an ID that no room member
    /// uses, such as Server-Administrator (a member with this ID gets no notice).
    #[arg(long, value_name = "USER")]
    user: String,
    /// That user's name.
    #[arg(long, value_name = "NAME")]
    user_name: Option<String>,
    /// The stream ID (at most 256 bytes).
    #[arg(long, value_name = "STREAM")]
    stream: String,
}

/// `zego add-stream`.
#[derive(Debug, Args)]
pub struct AddStreamArgs {
    /// The stream.
    #[command(flatten)]
    stream: ListedStream,
    /// The stream's title (at most 127 bytes of UTF-8).
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// The stream's extra information (at most 1024 bytes of UTF-8).
    #[arg(long, value_name = "TEXT")]
    extra_info: Option<String>,
    /// Whether content moderation may review the stream.
    #[arg(long, value_name = "FLAG", default_value = "allowed", value_parser = named(CENSOR_FLAGS))]
    censor: CensorFlag,
}

impl CallArgs for AddStreamArgs {
    type Call = AddStream;
    const ABOUT: &'static str = "Announce a stream in a room's stream list";

    fn into_call(self) -> Result<AddStream, String> {
        let listed = self.stream;
        Ok(AddStream::new(listed.room, listed.user, listed.stream)
            .user_name(listed.user_name.unwrap_or_default())
            .title(self.title.unwrap_or_default())
            .extra_info(self.extra_info.unwrap_or_default())
            .censor_flag(self.censor))
    }
}

/// `zego delete-stream`.
#[derive(Debug, Args)]
pub struct DeleteStreamArgs {
    /// The stream.
    #[command(flatten)]
    stream: ListedStream,
}

impl CallArgs for DeleteStreamArgs {
    type Call = DeleteStream;
    const ABOUT: &'static str = "Take a stream out of a room's stream list";

    fn into_call(self) -> Result<DeleteStream, String> {
        let listed = self.stream;
        Ok(DeleteStream::new(listed.room, listed.user, listed.stream)
            .user_name(listed.user_name.unwrap_or_default()))
    }
}

/// What the command says of forbidding and resuming streams.
pub trait SwitchText: Switch {
    /// The summary of the call on one stream.
    const ABOUT_ONE: &'static str;
    /// The summary of the call on a list of streams.
    const ABOUT_MANY: &'static str;
}

impl SwitchText for Forbid {
    const ABOUT_ONE: &'static str = "Forbid a stream ID on the RTC media service";
    const ABOUT_MANY: &'static str = "Forbid stream IDs on the RTC media service";
}

impl SwitchText for Resume {
    const ABOUT_ONE: &'static str = "Lift the forbid on a stream ID";
    const ABOUT_MANY: &'static str = "Lift the forbid on stream IDs";
}

/// `zego forbid-rtc-stream` and `zego resume-rtc-stream`: the switch `S` says which.
#[derive(Debug, Args)]
pub struct RtcStreamArgs<S: SwitchText> {
    /// The stream ID, as published (with --test-env, the `zegotest-<AppId>-` prefix is
    /// added unless it is there).
    #[arg(long, value_name = "STREAM")]
    stream: String,
    #[arg(skip)]
    switch: PhantomData<S>,
}

impl<S: SwitchText> CallArgs for RtcStreamArgs<S> {
    type Call = RtcStream<S>;
    const ABOUT: &'static str = S::ABOUT_ONE;

    fn into_call(self) -> Result<RtcStream<S>, String> {
        Ok(RtcStream::new(self.stream))
    }
}

/// `zego forbid-rtc-stream`.
pub type ForbidRTCStreamArgs = RtcStreamArgs<Forbid>;

/// `zego resume-rtc-stream`.
pub type ResumeRTCStreamArgs = RtcStreamArgs<Resume>;

/// `zego forbid-rtc-streams` and `zego resume-rtc-streams`: the switch `S` says which.
#[derive(Debug, Args)]
pub struct RtcStreamsArgs<S: SwitchText> {
    /// A stream ID, as published; repeat for more. More than 20: sent as several
    /// requests. With --test-env, the `zegotest-<AppId>-` prefix is added unless it is
    /// there.
    #[arg(long = "stream", value_name = "STREAM")]
    streams: Vec<String>,
    #[arg(skip)]
    switch: PhantomData<S>,
}

impl<S: SwitchText> CallArgs for RtcStreamsArgs<S> {
    type Call = RtcStreams<S>;
    const ABOUT: &'static str = S::ABOUT_MANY;

    fn into_call(self) -> Result<RtcStreams<S>, String> {
        Ok(RtcStreams::new(self.streams))
    }
}

/// `zego forbid-rtc-streams`.
pub type ForbidRTCStreamsArgs = RtcStreamsArgs<Forbid>;

/// `zego resume-rtc-streams`.
pub type ResumeRTCStreamsArgs = RtcStreamsArgs<Resume>;

/// `zego describe-rtc-stream-state`.
#[derive(Debug, Args)]
pub struct DescribeRTCStreamStateArgs {
    /// The stream ID, as published (with --test-env, the `zegotest-<AppId>-` prefix is
    /// added unless it is there).
    #[arg(long, value_name = "STREAM")]
    stream: String,
}

impl CallArgs for DescribeRTCStreamStateArgs {
    type Call = DescribeRTCStreamState;
    const ABOUT: &'static str = "Tell whether a stream is live on the RTC media service";

    fn into_call(self) -> Result<DescribeRTCStreamState, String> {
        Ok(DescribeRTCStreamState::new(self.stream))
    }
}

/// The key of a ban rule, as `set-forbid-user-rule` and `del-forbid-user-rule` name it:
/// its type and the IDs that type needs.
#[derive(Debug, Args)]
pub struct RuleKey {
    /// What the rule applies to: ip, users from an IP address (--ip); room, everyone in a
    /// room (--room); user, a user in every room (--user); room-user, a user in a room
    /// (--room and --user).
    #[arg(long, value_name = "TYPE", value_parser = named(RULE_TYPES))]
    rule_type: RuleType,
    /// The IP address, for --rule-type ip.
    #[arg(long, value_name = "IP")]
    ip: Option<String>,
    /// The room, for --rule-type room and room-user.
    #[arg(long, value_name = "ROOM")]
    room: Option<String>,
    /// The user, for --rule-type user and room-user.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
}

impl RuleKey {
    /// The rule's key; a usage error names a flag the type needs and is missing, or one
    /// it does not take.
    fn target(self) -> Result<ForbidTarget, String> {
        let RuleKey {
            rule_type,
            ip,
            room,
            user,
        } = self;
        let (needs_ip, needs_room, needs_user) = match rule_type {
            RuleType::Ip => (true, false, false),
            RuleType::Room => (false, true, false),
            RuleType::User => (false, false, true),
            RuleType::RoomUser => (false, true, true),
            other => return Err(format!("unknown rule type {other:?}")),
        };
        let name = RULE_TYPES
            .iter()
            .find(|(_, t)| *t == rule_type)
            .map_or("", |(name, _)| name);
        for (flag, given, needed) in [
            ("--ip", ip.is_some(), needs_ip),
            ("--room", room.is_some(), needs_room),
            ("--user", user.is_some(), needs_user),
        ] {
            if given != needed {
                let verb = if needed { "needs" } else { "does not take" };
                return Err(format!("--rule-type {name} {verb} {flag}"));
            }
        }
        let (ip, room, user) = (
            ip.unwrap_or_default(),
            room.unwrap_or_default(),
            user.unwrap_or_default(),
        );
        Ok(match rule_type {
            RuleType::Ip => ForbidTarget::ip(ip),
            RuleType::Room => ForbidTarget::room(room),
            RuleType::User => ForbidTarget::user(user),
            _ => ForbidTarget::room_user(room, user),
        })
    }
}

/// `zego set-forbid-user-rule`.
#[derive(Debug, Args)]
pub struct SetForbidUserRuleArgs {
    /// The rule's key.
    #[command(flatten)]
    key: RuleKey,
    /// A privilege to take away: login or publish; repeat for both.
    #[arg(long = "privilege", value_name = "PRIVILEGE", value_parser = named(PRIVILEGES))]
    privileges: Vec<Privilege>,
    /// How long the rule lasts, in seconds: 1 to 86400 (a day).
    #[arg(long, value_name = "SECS")]
    effective_time: u64,
}

impl CallArgs for SetForbidUserRuleArgs {
    type Call = SetForbidUserRule;
    const ABOUT: &'static str = "Keep users from logging in or publishing, for a while";

    fn into_call(self) -> Result<SetForbidUserRule, String> {
        let effective = Duration::from_secs(self.effective_time);
        Ok(SetForbidUserRule::new(
            self.key.target()?,
            self.privileges,
            effective,
        ))
    }
}

/// `zego describe-forbid-user-rules`.
#[derive(Debug, Args)]
pub struct DescribeForbidUserRulesArgs {
    /// The type of the rules to list: ip, room, user or room-user.
    #[arg(long, value_name = "TYPE", value_parser = named(RULE_TYPES))]
    rule_type: RuleType,
}

impl CallArgs for DescribeForbidUserRulesArgs {
    type Call = DescribeForbidUserRules;
    const ABOUT: &'static str = "List the ban rules of a type, in effect and expired";

    fn into_call(self) -> Result<DescribeForbidUserRules, String> {
        Ok(DescribeForbidUserRules::new(self.rule_type))
    }
}

/// `zego del-forbid-user-rule`.
#[derive(Debug, Args)]
pub struct DelForbidUserRuleArgs {
    /// The rule's key.
    #[command(flatten)]
    key: RuleKey,
}

impl CallArgs for DelForbidUserRuleArgs {
    type Call = DelForbidUserRule;
    const ABOUT: &'static str = "Delete a ban rule";

    fn into_call(self) -> Result<DelForbidUserRule, String> {
        Ok(DelForbidUserRule::new(self.key.target()?))
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
        let names: Vec<String> = entries().map(Entry::name).collect();
        assert_eq!(
            names,
            [
                "send-custom-command",
                "send-broadcast-message",
                "send-barrage-message",
                "kickout-user",
                "describe-users",
                "describe-user-list",
                "describe-user-num",
                "close-room",
                "describe-simple-stream-list",
                "add-stream",
                "delete-stream",
                "forbid-rtc-stream",
                "resume-rtc-stream",
                "forbid-rtc-streams",
                "resume-rtc-streams",
                "describe-rtc-stream-state",
                "set-forbid-user-rule",
                "describe-forbid-user-rules",
                "del-forbid-user-rule",
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

    #[test]
    fn named_values_stand_for_their_value() {
        let parse = |rule_type: &str| {
            let matches = command().try_get_matches_from([
                "zego",
                "set-forbid-user-rule",
                "--app-id",
                "1",
                "--server-secret",
                "s",
                "--rule-type",
                rule_type,
                "--room",
                "r",
                "--user",
                "u",
                "--privilege",
                "publish",
                "--privilege",
                "login",
                "--effective-time",
                "60",
            ])?;
            let (_, sub) = matches.subcommand().expect("a subcommand");
            SetForbidUserRuleArgs::from_arg_matches(sub)
        };
        let args = parse("room-user").expect("parses");
        assert_eq!(args.key.rule_type, RuleType::RoomUser);
        assert_eq!(args.privileges, [Privilege::Publish, Privilege::Login]);
        assert_eq!(args.effective_time, 60);
        assert!(parse("everyone").is_err());
    }

    #[test]
    fn a_rule_key_takes_the_ids_of_its_type() {
        let key = |rule_type, ip: Option<&str>, room: Option<&str>, user: Option<&str>| {
            RuleKey {
                rule_type,
                ip: ip.map(String::from),
                room: room.map(String::from),
                user: user.map(String::from),
            }
            .target()
        };
        assert_eq!(
            key(RuleType::Ip, Some("1.2.3.4"), None, None),
            Ok(ForbidTarget::ip("1.2.3.4"))
        );
        assert_eq!(
            key(RuleType::Room, None, Some("r"), None),
            Ok(ForbidTarget::room("r"))
        );
        assert_eq!(
            key(RuleType::User, None, None, Some("u")),
            Ok(ForbidTarget::user("u"))
        );
        assert_eq!(
            key(RuleType::RoomUser, None, Some("r"), Some("u")),
            Ok(ForbidTarget::room_user("r", "u"))
        );
        assert_eq!(
            key(RuleType::RoomUser, None, Some("r"), None),
            Err("--rule-type room-user needs --user".to_owned())
        );
        assert_eq!(
            key(RuleType::Room, Some("1.2.3.4"), Some("r"), None),
            Err("--rule-type room does not take --ip".to_owned())
        );
    }
}
