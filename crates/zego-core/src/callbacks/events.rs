//! Typed events (spec §7) and their named values.
//!
//! Each typed event reads its fields from a body's [`Fields`] and writes them back with
//! the vendor's field names and JSON types, so a sender (a test server, a mock) can build
//! the body ZEGO would send: see [`TypedEvent::to_json_body`].

use super::fields::{Fields, JsonNumber};
use super::model::{
    ModelError, code, opt_code, opt_flag, opt_string, opt_u64, put_decimal, put_number,
    put_opt_decimal, put_opt_text, put_text, put_texts, string, string_or_empty, strings,
    u64_field,
};
use super::secret::CallbackSecret;
use super::signature::sign;
use crate::credentials::AppId;

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Build one from its wire value with `From<i64>`, which maps documented values
        /// to their names; [`code`](Self::code) gives the wire value back.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the vendor does not document, kept as sent.
            Other(i64),
        }

        impl $name {
            /// The value on the wire.
            pub fn code(self) -> i64 {
                match self {
                    $( Self::$variant => $value, )*
                    Self::Other(n) => n,
                }
            }
        }

        impl From<i64> for $name {
            fn from(n: i64) -> Self {
                match n {
                    $( $value => Self::$variant, )*
                    other => Self::Other(other),
                }
            }
        }
    };
}

code_enum! {
    /// Why a room closed (`close_reason` of `room_close`).
    #[derive(Default)]
    RoomCloseReason {
        /// 0: normal close (the last user logged out, or the server API `CloseRoom`;
        /// the vendor does not tell the two apart).
        #[default]
        Normal = 0,
        /// 1: the last user's heartbeat timed out.
        HeartbeatTimeout = 1,
        /// 2: the last user dropped offline.
        Disconnected = 2,
        /// 3: the last user was kicked out (server API `KickoutUser`).
        KickedOut = 3,
    }
}

code_enum! {
    /// A user's role (`user_role`); meaningful only for the older LiveRoom service.
    UserRole {
        /// 1: host (anchor).
        Host = 1,
        /// 2: audience.
        Audience = 2,
        /// 4: administrator (cloud recording, stream moderation).
        Administrator = 4,
    }
}

code_enum! {
    /// How a user authenticated at login (`auth_level`).
    AuthLevel {
        /// 0: without a token.
        NoToken = 0,
        /// 1: token version 01.
        Token01 = 1,
        /// 2: token version 02.
        Token02 = 2,
        /// 3: token version 03.
        Token03 = 3,
        /// 4: token version 04.
        Token04 = 4,
    }
}

code_enum! {
    /// Why a user left a room (`reason` of `room_logout`).
    #[derive(Default)]
    LogoutReason {
        /// 0: normal logout.
        #[default]
        Normal = 0,
        /// 1: heartbeat timeout at the business layer.
        HeartbeatTimeout = 1,
        /// 2: the access-layer connection dropped, or its heartbeat timed out.
        Disconnected = 2,
        /// 3: kicked out through a server API call.
        KickedOut = 3,
        /// 4: the token expired.
        TokenExpired = 4,
    }
}

code_enum! {
    /// Why a stream closed (`type` of `stream_close`). Every value but 0 is abnormal.
    #[derive(Default)]
    StreamCloseType {
        /// 0: normal close (the publisher stopped publishing).
        #[default]
        Normal = 0,
        /// 1: the user's heartbeat timed out.
        HeartbeatTimeout = 1,
        /// 2: the user logged in to the same room again; the previous session's streams
        /// were closed.
        Relogin = 2,
        /// 3: a server API kicked the user out.
        KickedOut = 3,
        /// 4: the TCP connection dropped.
        ConnectionLost = 4,
        /// 5: the room was cleared.
        RoomCleared = 5,
        /// 100: closed through the server API `DeleteStream`.
        DeleteStream = 100,
    }
}

code_enum! {
    /// A stream's codec (`cid` in `stream_attr`).
    Codec {
        /// 0: H.264.
        H264 = 0,
        /// 1: H.264 with layered (scalable) coding.
        H264Layered = 1,
        /// 2: VP8.
        Vp8 = 2,
        /// 3: H.265.
        H265 = 3,
    }
}

impl StreamCloseType {
    /// Whether the close was abnormal: every value but 0, unknown values included.
    pub fn is_abnormal(self) -> bool {
        self.code() != 0
    }
}

/// An event with a typed model: its name, how it is read from a body's fields, and how
/// the vendor writes it.
pub trait TypedEvent: Sized {
    /// The event name (`room_create`, ...).
    const NAME: &'static str;
    /// Whether the vendor sends `appid` and `timestamp` as JSON numbers for this event
    /// (the room events) rather than strings.
    const NUMERIC_COMMON: bool;

    /// Reads the event's own fields (the common fields are not looked at).
    fn from_fields(fields: &Fields) -> Result<Self, ModelError>;

    /// The event's own fields with the vendor's names and JSON types (spec §7), without
    /// the common fields. Optional fields that are `None` are left out.
    fn to_fields(&self) -> Fields;

    /// The complete body fields ZEGO would send: [`to_fields`](Self::to_fields) plus
    /// `event`, `appid`, `timestamp`, `nonce` and the signature computed with `secret`,
    /// each with the vendor's JSON type for this event.
    fn to_vendor_fields(
        &self,
        app_id: AppId,
        timestamp: u64,
        nonce: &str,
        secret: &CallbackSecret,
    ) -> Fields {
        let mut f = self.to_fields();
        let timestamp_text = timestamp.to_string();
        f.insert("event", Self::NAME);
        if Self::NUMERIC_COMMON {
            f.insert("appid", JsonNumber::from(app_id.get()));
            f.insert("timestamp", JsonNumber::from(timestamp));
        } else {
            f.insert("appid", app_id.to_string());
            f.insert("timestamp", timestamp_text.clone());
        }
        f.insert("nonce", nonce);
        f.insert("signature", sign(secret, &timestamp_text, nonce));
        f
    }

    /// The JSON body ZEGO would send for this event (compact, keys sorted).
    ///
    /// ```
    /// use zego_core::AppId;
    /// use zego_core::callbacks::{parse_unverified, CallbackSecret, Event, RoomCreate, TypedEvent};
    /// let event = RoomCreate {
    ///     room_id: "rid_1242649".into(),
    ///     room_session_id: 858012925204410400,
    ///     room_create_time: 1499676978027,
    ///     id_name: "id123".into(),
    /// };
    /// let secret = CallbackSecret::new("secret")?;
    /// let body = event.to_json_body(AppId::new(1), 1499676978, "350176", &secret);
    /// assert!(body.contains(r#""room_session_id":858012925204410400"#));
    /// assert!(body.contains(r#""signature":"264b7f500b4935a082fef1da1760769245880d7c""#));
    /// let parsed = parse_unverified(body.as_bytes())?;
    /// assert_eq!(parsed.event, Event::RoomCreate(event));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn to_json_body(
        &self,
        app_id: AppId,
        timestamp: u64,
        nonce: &str,
        secret: &CallbackSecret,
    ) -> String {
        self.to_vendor_fields(app_id, timestamp, nonce, secret)
            .to_json()
    }
}

/// `room_create` (spec §7.1): a room came into existence (its first user logged in).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoomCreate {
    /// `room_id`.
    pub room_id: String,
    /// `room_session_id`: this lifetime of the room, equal to `room_seq` in the user
    /// events. Unique, not ordered: compare for equality only.
    pub room_session_id: u64,
    /// `room_create_time`: when the room was created (ms, server clock). Orders the
    /// lifetimes of one `room_id`.
    pub room_create_time: u64,
    /// `id_name`: the user ID of the room's creator (empty when absent).
    pub id_name: String,
}

impl TypedEvent for RoomCreate {
    const NAME: &'static str = "room_create";
    const NUMERIC_COMMON: bool = true;

    fn from_fields(f: &Fields) -> Result<Self, ModelError> {
        Ok(RoomCreate {
            room_id: string(f, "room_id")?,
            room_session_id: u64_field(f, "room_session_id")?,
            room_create_time: u64_field(f, "room_create_time")?,
            id_name: string_or_empty(f, "id_name")?,
        })
    }

    fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        put_text(&mut f, "room_id", &self.room_id);
        put_number(&mut f, "room_session_id", self.room_session_id);
        put_decimal(&mut f, "room_create_time", self.room_create_time);
        put_text(&mut f, "id_name", &self.id_name);
        f
    }
}

/// `room_close` (spec §7.2): a room was destroyed (its last user left, or `CloseRoom`
/// with `RoomCloseCallback=true`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoomClose {
    /// `room_id`.
    pub room_id: String,
    /// `room_session_id`: the lifetime that ended.
    pub room_session_id: u64,
    /// `close_reason`.
    pub close_reason: RoomCloseReason,
    /// `room_close_time`: when the room closed (ms, server clock).
    pub room_close_time: u64,
}

impl TypedEvent for RoomClose {
    const NAME: &'static str = "room_close";
    const NUMERIC_COMMON: bool = true;

    fn from_fields(f: &Fields) -> Result<Self, ModelError> {
        Ok(RoomClose {
            room_id: string(f, "room_id")?,
            room_session_id: u64_field(f, "room_session_id")?,
            close_reason: code(f, "close_reason")?.into(),
            room_close_time: u64_field(f, "room_close_time")?,
        })
    }

    fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        put_text(&mut f, "room_id", &self.room_id);
        put_number(&mut f, "room_session_id", self.room_session_id);
        f.insert("close_reason", JsonNumber::from(self.close_reason.code()));
        put_decimal(&mut f, "room_close_time", self.room_close_time);
        f
    }
}

/// `room_login` (spec §7.3): a user logged in to a room (a re-login too).
///
/// The older body (2023) lacks `user_role`, `auth_level`, `relogin`, `user_update_seq`
/// and `callback_data`, so they are optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoomLogin {
    /// `room_id`.
    pub room_id: String,
    /// `room_name` (empty when absent).
    pub room_name: String,
    /// `room_seq`: the room's lifetime, equal to `room_session_id` of the room events.
    pub room_seq: u64,
    /// `user_account`: the user ID the client logged in with.
    pub user_account: String,
    /// `user_nickname` (empty when absent).
    pub user_nickname: String,
    /// `session_id`: this login's session (equality only).
    pub session_id: u64,
    /// `login_time`: server time of the login (ms).
    pub login_time: u64,
    /// `user_role` (LiveRoom only).
    pub user_role: Option<UserRole>,
    /// `auth_level`.
    pub auth_level: Option<AuthLevel>,
    /// `relogin`: `true` for a re-login.
    pub relogin: Option<bool>,
    /// `user_update_seq`: the room user list's change counter.
    pub user_update_seq: Option<u64>,
    /// `callback_data`: custom data given at login.
    pub callback_data: Option<String>,
}

impl TypedEvent for RoomLogin {
    const NAME: &'static str = "room_login";
    const NUMERIC_COMMON: bool = false;

    fn from_fields(f: &Fields) -> Result<Self, ModelError> {
        Ok(RoomLogin {
            room_id: string(f, "room_id")?,
            room_name: string_or_empty(f, "room_name")?,
            room_seq: u64_field(f, "room_seq")?,
            user_account: string(f, "user_account")?,
            user_nickname: string_or_empty(f, "user_nickname")?,
            session_id: u64_field(f, "session_id")?,
            login_time: u64_field(f, "login_time")?,
            user_role: opt_code(f, "user_role")?.map(UserRole::from),
            auth_level: opt_code(f, "auth_level")?.map(AuthLevel::from),
            relogin: opt_flag(f, "relogin")?,
            user_update_seq: opt_u64(f, "user_update_seq")?,
            callback_data: opt_string(f, "callback_data")?,
        })
    }

    fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        put_text(&mut f, "room_id", &self.room_id);
        put_text(&mut f, "room_name", &self.room_name);
        put_decimal(&mut f, "room_seq", self.room_seq);
        put_text(&mut f, "user_account", &self.user_account);
        put_text(&mut f, "user_nickname", &self.user_nickname);
        put_decimal(&mut f, "session_id", self.session_id);
        put_decimal(&mut f, "login_time", self.login_time);
        put_opt_code(&mut f, "user_role", self.user_role.map(UserRole::code));
        put_opt_code(&mut f, "auth_level", self.auth_level.map(AuthLevel::code));
        put_opt_decimal(&mut f, "relogin", self.relogin.map(u64::from));
        put_opt_decimal(&mut f, "user_update_seq", self.user_update_seq);
        put_opt_text(&mut f, "callback_data", self.callback_data.as_deref());
        f
    }
}

/// `room_logout` (spec §7.4): a user left a room (logged out, timed out, kicked out).
///
/// The older body lacks `login_time` and `user_update_seq`, so they are optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RoomLogout {
    /// `room_id`.
    pub room_id: String,
    /// `room_seq`: the room's lifetime.
    pub room_seq: u64,
    /// `user_account`.
    pub user_account: String,
    /// `user_nickname` (empty when absent).
    pub user_nickname: String,
    /// `session_id`: the login session that ended (matches its `room_login`).
    pub session_id: u64,
    /// `login_time`: server time of the login this logout ends (ms).
    pub login_time: Option<u64>,
    /// `logout_time`: server time of the logout (ms).
    pub logout_time: u64,
    /// `reason`.
    pub reason: LogoutReason,
    /// `user_role` (LiveRoom only).
    pub user_role: Option<UserRole>,
    /// `user_update_seq`: the room user list's change counter.
    pub user_update_seq: Option<u64>,
}

impl TypedEvent for RoomLogout {
    const NAME: &'static str = "room_logout";
    const NUMERIC_COMMON: bool = false;

    fn from_fields(f: &Fields) -> Result<Self, ModelError> {
        Ok(RoomLogout {
            room_id: string(f, "room_id")?,
            room_seq: u64_field(f, "room_seq")?,
            user_account: string(f, "user_account")?,
            user_nickname: string_or_empty(f, "user_nickname")?,
            session_id: u64_field(f, "session_id")?,
            login_time: opt_u64(f, "login_time")?,
            logout_time: u64_field(f, "logout_time")?,
            reason: code(f, "reason")?.into(),
            user_role: opt_code(f, "user_role")?.map(UserRole::from),
            user_update_seq: opt_u64(f, "user_update_seq")?,
        })
    }

    fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        put_text(&mut f, "room_id", &self.room_id);
        put_decimal(&mut f, "room_seq", self.room_seq);
        put_text(&mut f, "user_account", &self.user_account);
        put_text(&mut f, "user_nickname", &self.user_nickname);
        put_decimal(&mut f, "session_id", self.session_id);
        put_opt_decimal(&mut f, "login_time", self.login_time);
        put_decimal(&mut f, "logout_time", self.logout_time);
        put_code(&mut f, "reason", self.reason.code());
        put_opt_code(&mut f, "user_role", self.user_role.map(UserRole::code));
        put_opt_decimal(&mut f, "user_update_seq", self.user_update_seq);
        f
    }
}

/// `stream_create` (spec §7.5): a stream was created (a client started publishing).
///
/// The pairs `room_id`/`channel_id`, `user_id`/`publish_id`, `user_name`/`publish_name`
/// and `stream_id`/`stream_alias` are each exposed as sent (the vendor's own example has
/// different values in them); [`room`](Self::room), [`user`](Self::user) and
/// [`stream`](Self::stream) give the identity: the first of each pair, or the second
/// when the first is absent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StreamCreate {
    /// `room_id`.
    pub room_id: Option<String>,
    /// `channel_id` (the older name of the room ID).
    pub channel_id: Option<String>,
    /// `room_session_id`: the room's lifetime.
    pub room_session_id: u64,
    /// `user_id`: the publisher.
    pub user_id: Option<String>,
    /// `user_name`: the publisher's nickname.
    pub user_name: Option<String>,
    /// `publish_id`: the publisher (older name).
    pub publish_id: Option<String>,
    /// `publish_name`: the publisher's name (older name).
    pub publish_name: Option<String>,
    /// `stream_id`.
    pub stream_id: Option<String>,
    /// `stream_alias`: the stream name (older name of the stream ID).
    pub stream_alias: Option<String>,
    /// `stream_sid`: ZEGO's internal ID of this publish.
    pub stream_sid: String,
    /// `title`.
    pub title: Option<String>,
    /// `stream_attr`: a JSON text such as `{"cid":0}`, kept as sent; see
    /// [`codec`](Self::codec).
    pub stream_attr: Option<String>,
    /// `stream_seq`: the room stream list's change counter.
    pub stream_seq: u64,
    /// `create_time`: creation time (s).
    pub create_time: Option<u64>,
    /// `create_time_ms`: creation time (ms). With `stream_sid`, the identity of this
    /// publish.
    pub create_time_ms: u64,
    /// `extra_info`.
    pub extra_info: Option<String>,
    /// `recreate`: `true` when the client re-published a stream the server already had.
    pub recreate: Option<bool>,
    /// `rtmp_url`: RTMP playback URLs.
    pub rtmp_url: Vec<String>,
    /// `hls_url`: HLS playback URLs.
    pub hls_url: Vec<String>,
    /// `hdl_url`: HTTP-FLV playback URLs.
    pub hdl_url: Vec<String>,
    /// `pic_url`: CDN snapshot URLs.
    pub pic_url: Vec<String>,
}

impl StreamCreate {
    /// The room: `room_id`, or `channel_id` when it is absent.
    pub fn room(&self) -> &str {
        either(&self.room_id, &self.channel_id)
    }

    /// The publisher: `user_id`, or `publish_id` when it is absent.
    pub fn user(&self) -> &str {
        either(&self.user_id, &self.publish_id)
    }

    /// The stream: `stream_id`, or `stream_alias` when it is absent.
    pub fn stream(&self) -> &str {
        either(&self.stream_id, &self.stream_alias)
    }

    /// The codec in `stream_attr` (its `cid`, a number or a decimal string); `None` when
    /// `stream_attr` is absent or cannot be read.
    pub fn codec(&self) -> Option<Codec> {
        let attr: serde_json::Value = serde_json::from_str(self.stream_attr.as_deref()?).ok()?;
        let cid = match attr.get("cid")? {
            serde_json::Value::Number(n) => n.as_u64()?,
            serde_json::Value::String(s) => super::fields::decimal_u64(s).ok()?,
            _ => return None,
        };
        i64::try_from(cid).ok().map(Codec::from)
    }
}

impl TypedEvent for StreamCreate {
    const NAME: &'static str = "stream_create";
    const NUMERIC_COMMON: bool = false;

    fn from_fields(f: &Fields) -> Result<Self, ModelError> {
        let event = StreamCreate {
            room_id: opt_string(f, "room_id")?,
            channel_id: opt_string(f, "channel_id")?,
            room_session_id: u64_field(f, "room_session_id")?,
            user_id: opt_string(f, "user_id")?,
            user_name: opt_string(f, "user_name")?,
            publish_id: opt_string(f, "publish_id")?,
            publish_name: opt_string(f, "publish_name")?,
            stream_id: opt_string(f, "stream_id")?,
            stream_alias: opt_string(f, "stream_alias")?,
            stream_sid: string(f, "stream_sid")?,
            title: opt_string(f, "title")?,
            stream_attr: opt_string(f, "stream_attr")?,
            stream_seq: u64_field(f, "stream_seq")?,
            create_time: opt_u64(f, "create_time")?,
            create_time_ms: u64_field(f, "create_time_ms")?,
            extra_info: opt_string(f, "extra_info")?,
            recreate: opt_flag(f, "recreate")?,
            rtmp_url: strings(f, "rtmp_url")?,
            hls_url: strings(f, "hls_url")?,
            hdl_url: strings(f, "hdl_url")?,
            pic_url: strings(f, "pic_url")?,
        };
        require_either(&event.room_id, &event.channel_id, "room_id or channel_id")?;
        require_either(
            &event.stream_id,
            &event.stream_alias,
            "stream_id or stream_alias",
        )?;
        Ok(event)
    }

    fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        put_opt_text(&mut f, "room_id", self.room_id.as_deref());
        put_opt_text(&mut f, "channel_id", self.channel_id.as_deref());
        put_decimal(&mut f, "room_session_id", self.room_session_id);
        put_opt_text(&mut f, "user_id", self.user_id.as_deref());
        put_opt_text(&mut f, "user_name", self.user_name.as_deref());
        put_opt_text(&mut f, "publish_id", self.publish_id.as_deref());
        put_opt_text(&mut f, "publish_name", self.publish_name.as_deref());
        put_opt_text(&mut f, "stream_id", self.stream_id.as_deref());
        put_opt_text(&mut f, "stream_alias", self.stream_alias.as_deref());
        put_text(&mut f, "stream_sid", &self.stream_sid);
        put_opt_text(&mut f, "title", self.title.as_deref());
        put_opt_text(&mut f, "stream_attr", self.stream_attr.as_deref());
        put_decimal(&mut f, "stream_seq", self.stream_seq);
        put_opt_decimal(&mut f, "create_time", self.create_time);
        put_decimal(&mut f, "create_time_ms", self.create_time_ms);
        put_opt_text(&mut f, "extra_info", self.extra_info.as_deref());
        put_opt_decimal(&mut f, "recreate", self.recreate.map(u64::from));
        put_texts(&mut f, "rtmp_url", &self.rtmp_url);
        put_texts(&mut f, "hls_url", &self.hls_url);
        put_texts(&mut f, "hdl_url", &self.hdl_url);
        put_texts(&mut f, "pic_url", &self.pic_url);
        f
    }
}

/// `stream_close` (spec §7.6): a stream was closed.
///
/// As for [`StreamCreate`], the paired fields are exposed as sent and
/// [`room`](Self::room), [`user`](Self::user) and [`stream`](Self::stream) give the
/// identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StreamClose {
    /// `room_id`.
    pub room_id: Option<String>,
    /// `channel_id`.
    pub channel_id: Option<String>,
    /// `room_session_id`: the room's lifetime.
    pub room_session_id: u64,
    /// `user_id`: the publisher.
    pub user_id: Option<String>,
    /// `user_name`: the publisher's nickname.
    pub user_name: Option<String>,
    /// `type`: why the stream closed.
    pub close_type: StreamCloseType,
    /// `stream_alias`.
    pub stream_alias: Option<String>,
    /// `stream_id`.
    pub stream_id: Option<String>,
    /// `stream_sid`: ZEGO's internal ID of the publish that ended.
    pub stream_sid: String,
    /// `stream_seq`: the room stream list's change counter.
    pub stream_seq: Option<u64>,
    /// `third_define_data`: customer-defined data, kept as sent (not parsed).
    pub third_define_data: Option<String>,
    /// `create_time_ms`: creation time of the publish that ended (ms).
    pub create_time_ms: u64,
    /// `destroy_timemillis`: close time (ms).
    pub destroy_timemillis: Option<u64>,
}

impl StreamClose {
    /// The room: `room_id`, or `channel_id` when it is absent.
    pub fn room(&self) -> &str {
        either(&self.room_id, &self.channel_id)
    }

    /// The publisher: `user_id` (the close event has no `publish_id`).
    pub fn user(&self) -> &str {
        self.user_id.as_deref().unwrap_or_default()
    }

    /// The stream: `stream_id`, or `stream_alias` when it is absent.
    pub fn stream(&self) -> &str {
        either(&self.stream_id, &self.stream_alias)
    }
}

impl TypedEvent for StreamClose {
    const NAME: &'static str = "stream_close";
    const NUMERIC_COMMON: bool = false;

    fn from_fields(f: &Fields) -> Result<Self, ModelError> {
        let event = StreamClose {
            room_id: opt_string(f, "room_id")?,
            channel_id: opt_string(f, "channel_id")?,
            room_session_id: u64_field(f, "room_session_id")?,
            user_id: opt_string(f, "user_id")?,
            user_name: opt_string(f, "user_name")?,
            close_type: code(f, "type")?.into(),
            stream_alias: opt_string(f, "stream_alias")?,
            stream_id: opt_string(f, "stream_id")?,
            stream_sid: string(f, "stream_sid")?,
            stream_seq: opt_u64(f, "stream_seq")?,
            third_define_data: opt_string(f, "third_define_data")?,
            create_time_ms: u64_field(f, "create_time_ms")?,
            destroy_timemillis: opt_u64(f, "destroy_timemillis")?,
        };
        require_either(&event.room_id, &event.channel_id, "room_id or channel_id")?;
        require_either(
            &event.stream_id,
            &event.stream_alias,
            "stream_id or stream_alias",
        )?;
        Ok(event)
    }

    fn to_fields(&self) -> Fields {
        let mut f = Fields::new();
        put_opt_text(&mut f, "room_id", self.room_id.as_deref());
        put_opt_text(&mut f, "channel_id", self.channel_id.as_deref());
        put_decimal(&mut f, "room_session_id", self.room_session_id);
        put_opt_text(&mut f, "user_id", self.user_id.as_deref());
        put_opt_text(&mut f, "user_name", self.user_name.as_deref());
        put_code(&mut f, "type", self.close_type.code());
        put_opt_text(&mut f, "stream_alias", self.stream_alias.as_deref());
        put_opt_text(&mut f, "stream_id", self.stream_id.as_deref());
        put_text(&mut f, "stream_sid", &self.stream_sid);
        put_opt_decimal(&mut f, "stream_seq", self.stream_seq);
        put_opt_text(
            &mut f,
            "third_define_data",
            self.third_define_data.as_deref(),
        );
        put_decimal(&mut f, "create_time_ms", self.create_time_ms);
        put_opt_decimal(&mut f, "destroy_timemillis", self.destroy_timemillis);
        f
    }
}

fn either<'a>(first: &'a Option<String>, second: &'a Option<String>) -> &'a str {
    first.as_deref().or(second.as_deref()).unwrap_or_default()
}

fn require_either(
    first: &Option<String>,
    second: &Option<String>,
    field: &'static str,
) -> Result<(), ModelError> {
    if first.is_none() && second.is_none() {
        return Err(ModelError::Missing { field });
    }
    Ok(())
}

/// Writes a code as a decimal string (the user events' type).
fn put_code(f: &mut Fields, field: &str, value: i64) {
    f.insert(field, value.to_string());
}

fn put_opt_code(f: &mut Fields, field: &str, value: Option<i64>) {
    if let Some(v) = value {
        put_code(f, field, v);
    }
}

/// What a callback is: one of the typed events, or a raw one.
///
/// Whatever the variant, the event name, the common fields and the full body stay in the
/// [`Callback`](super::Callback).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// `room_create`.
    RoomCreate(RoomCreate),
    /// `room_close`.
    RoomClose(RoomClose),
    /// `room_login`.
    RoomLogin(RoomLogin),
    /// `room_logout`.
    RoomLogout(RoomLogout),
    /// `stream_create`.
    StreamCreate(StreamCreate),
    /// `stream_close`.
    StreamClose(StreamClose),
    /// An event without a typed model (`mix_start`, `record`, `censor_*`, or a name this
    /// crate does not know): read its fields from the callback's raw body.
    Other,
    /// A typed event whose body does not fit its model (for example a `room_create` from
    /// another ZEGO product, without `room_session_id`). It is still a valid callback:
    /// the receiver answers `200` and the application reads the raw body.
    Invalid(ModelError),
}

impl Event {
    /// Reads the typed model of the event called `name`.
    pub fn from_fields(name: &str, fields: &Fields) -> Event {
        fn typed<E: TypedEvent>(f: &Fields, wrap: fn(E) -> Event) -> Event {
            E::from_fields(f).map_or_else(Event::Invalid, wrap)
        }
        match name {
            RoomCreate::NAME => typed(fields, Event::RoomCreate),
            RoomClose::NAME => typed(fields, Event::RoomClose),
            RoomLogin::NAME => typed(fields, Event::RoomLogin),
            RoomLogout::NAME => typed(fields, Event::RoomLogout),
            StreamCreate::NAME => typed(fields, Event::StreamCreate),
            StreamClose::NAME => typed(fields, Event::StreamClose),
            _ => Event::Other,
        }
    }

    /// The name of a typed event; `None` for [`Other`](Self::Other) and
    /// [`Invalid`](Self::Invalid).
    pub fn name(&self) -> Option<&'static str> {
        Some(match self {
            Event::RoomCreate(_) => RoomCreate::NAME,
            Event::RoomClose(_) => RoomClose::NAME,
            Event::RoomLogin(_) => RoomLogin::NAME,
            Event::RoomLogout(_) => RoomLogout::NAME,
            Event::StreamCreate(_) => StreamCreate::NAME,
            Event::StreamClose(_) => StreamClose::NAME,
            Event::Other | Event::Invalid(_) => return None,
        })
    }

    /// The complete body fields ZEGO would send for a typed event (see
    /// [`TypedEvent::to_vendor_fields`]); `None` for a raw event.
    pub fn to_vendor_fields(
        &self,
        app_id: AppId,
        timestamp: u64,
        nonce: &str,
        secret: &CallbackSecret,
    ) -> Option<Fields> {
        Some(match self {
            Event::RoomCreate(e) => e.to_vendor_fields(app_id, timestamp, nonce, secret),
            Event::RoomClose(e) => e.to_vendor_fields(app_id, timestamp, nonce, secret),
            Event::RoomLogin(e) => e.to_vendor_fields(app_id, timestamp, nonce, secret),
            Event::RoomLogout(e) => e.to_vendor_fields(app_id, timestamp, nonce, secret),
            Event::StreamCreate(e) => e.to_vendor_fields(app_id, timestamp, nonce, secret),
            Event::StreamClose(e) => e.to_vendor_fields(app_id, timestamp, nonce, secret),
            Event::Other | Event::Invalid(_) => return None,
        })
    }
}
