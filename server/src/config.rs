//! Command line and environment configuration.
//!
//! Every flag can also come from a `CHAT_BUBBLE_*` variable so the same binary runs from a
//! Makefile, a container or a systemd unit without wrapper scripts. API keys are the exception:
//! they come only from `MAIAGENT_API_KEY` / `MAAX_API_KEY` or a file named by `--api-key-file`,
//! never from a flag, because a flag's value shows in `ps` and in shell history.

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, ValueEnum};

/// Which backend the server puts behind `/api/v1/` and `/api/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// An in-memory MaiAgent-compatible backend with canned replies and fault switches.
    Mock,
    /// Forwards the widget's calls to the real MaiAgent API, adding the secret key.
    Proxy,
    /// The same MaiAgent-shaped API, answered by Maax AI's V1 initiate/poll API.
    Maax,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The environment variable holding the MaiAgent key in proxy mode.
pub const MAIAGENT_KEY_VAR: &str = "MAIAGENT_API_KEY";
/// The environment variable holding the Maax AI key in maax mode.
pub const MAAX_KEY_VAR: &str = "MAAX_API_KEY";

const AFTER_HELP: &str = "\
Secrets (never flags, so they stay out of `ps`):
  MAIAGENT_API_KEY   proxy mode: sent upstream as `Authorization: Api-Key <key>`
  MAAX_API_KEY       maax mode: sent upstream as the `2hd-api-key` header
  or --api-key-file PATH (e.g. a systemd credential) instead of either variable.
  CHAT_BUBBLE_VISITOR_SECRET  signs visitor tokens (at least 16 bytes; the same on every
                     instance behind one load balancer), or --visitor-secret-file PATH.
                     One secret per line: the first signs, later lines are earlier
                     secrets still accepted (for a rotation).

Logging: RUST_LOG (default `info`), e.g. RUST_LOG=chat_bubble_server=debug.";

/// chat-bubble-server: serves the chat-bubble widget and a backend for it.
#[derive(Clone, Debug, Parser)]
#[command(name = "chat-bubble-server", version, about, after_help = AFTER_HELP)]
pub struct Config {
    /// Backend mode.
    #[arg(long, env = "CHAT_BUBBLE_MODE", value_enum, default_value = "mock")]
    pub mode: Mode,

    /// Address to listen on.
    #[arg(long, env = "CHAT_BUBBLE_HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (0 picks a free one; the real port is printed).
    #[arg(long, env = "CHAT_BUBBLE_PORT", default_value_t = 8787)]
    pub port: u16,

    /// Directory with the built widget, served at `/`.
    #[arg(long, env = "CHAT_BUBBLE_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Optional extra HTML page served at `/demo` (for trying the widget on another page).
    #[arg(long, env = "CHAT_BUBBLE_DEMO_PAGE")]
    pub demo_page: Option<PathBuf>,

    /// Log line format on stderr: `text`, or `json` (one object per line, for log shippers).
    #[arg(
        long,
        env = "CHAT_BUBBLE_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// Mock mode: default pause between streamed deltas, in milliseconds.
    #[arg(long, env = "CHAT_BUBBLE_MOCK_DELAY_MS", default_value_t = 30)]
    pub mock_delay_ms: u64,

    /// Mock mode: require each conversation's visitor token (`X-Visitor-Token`), as proxy and
    /// maax mode always do. `--mock-visitor-tokens false` lets any caller use any conversation.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MOCK_VISITOR_TOKENS",
        default_value = "true",
        action = ArgAction::Set,
        value_parser = BoolishValueParser::new()
    )]
    pub mock_visitor_tokens: bool,

    /// File holding the secret that signs visitor tokens, instead of
    /// CHAT_BUBBLE_VISITOR_SECRET; further lines hold earlier secrets still accepted (a
    /// rotation). Without either, a random secret is made at start and every token dies with
    /// the process.
    #[arg(long, env = "CHAT_BUBBLE_VISITOR_SECRET_FILE")]
    pub visitor_secret_file: Option<PathBuf>,

    #[command(flatten)]
    pub connections: ConnectionArgs,

    #[command(flatten)]
    pub guard: GuardArgs,

    #[command(flatten)]
    pub upstream: UpstreamArgs,

    #[command(flatten)]
    pub proxy: ProxyArgs,

    #[command(flatten)]
    pub maax: MaaxArgs,

    #[command(flatten)]
    pub uploads: UploadArgs,
}

/// How long and how many connections a client may hold (every mode).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Connections (every mode)")]
pub struct ConnectionArgs {
    /// Seconds from a request's first byte to its complete headers.
    #[arg(long, env = "CHAT_BUBBLE_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Seconds from a request's headers to the last byte of its body.
    #[arg(long, env = "CHAT_BUBBLE_BODY_TIMEOUT_SECS", default_value_t = 20)]
    pub body_timeout_secs: u64,

    /// Seconds a kept-alive connection may stay silent between requests.
    #[arg(long, env = "CHAT_BUBBLE_KEEPALIVE_IDLE_SECS", default_value_t = 30)]
    pub keepalive_idle_secs: u64,

    /// Seconds a response may wait for the client to take its next bytes before the
    /// connection is closed (a client that stops reading holds nothing for long).
    #[arg(long, env = "CHAT_BUBBLE_SEND_TIMEOUT_SECS", default_value_t = 30)]
    pub send_timeout_secs: u64,

    /// Open connections per client address (IPv6: per /64); 0 means no cap. Default 64, or
    /// no cap with --trust-proxy: behind a reverse proxy every connection comes from the
    /// proxy, which caps connections per visitor itself.
    #[arg(long, env = "CHAT_BUBBLE_MAX_CONNECTIONS_PER_CLIENT")]
    pub max_connections_per_client: Option<usize>,

    /// Open connections in all; 0 means no cap. When every place is taken, the connection
    /// idle longest (between requests, none in flight) is closed to make room for a new one;
    /// a new connection is refused only when every connection is busy.
    #[arg(long, env = "CHAT_BUBBLE_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
}

impl ConnectionArgs {
    /// The limits; `behind_proxy` (`--trust-proxy`) lifts the default per-client cap, since
    /// the only client the server then sees is the proxy.
    pub fn limits(&self, behind_proxy: bool) -> crate::serve::ConnLimits {
        let default_per_client = if behind_proxy {
            0
        } else {
            crate::serve::ConnLimits::default().per_client
        };
        crate::serve::ConnLimits {
            header: Duration::from_secs(self.header_timeout_secs.max(1)),
            body: Duration::from_secs(self.body_timeout_secs.max(1)),
            idle: Duration::from_secs(self.keepalive_idle_secs.max(1)),
            send: Duration::from_secs(self.send_timeout_secs.max(1)),
            per_client: self
                .max_connections_per_client
                .unwrap_or(default_per_client),
            total: self.max_connections,
        }
    }
}

/// Who may call the API in proxy and maax mode, and how much.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Access (proxy and maax modes)")]
pub struct GuardArgs {
    /// Origins allowed to call the API, comma-separated (`https://shop.example.com`,
    /// `https://*.example.com`, or `*`). Empty allows any origin, with a warning; the mock
    /// then answers only pages on this machine (and these, when given). Requests without an
    /// `Origin` header (same-origin GETs, curl) are always let through.
    #[arg(
        long,
        env = "CHAT_BUBBLE_ALLOWED_ORIGINS",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub allowed_origins: Vec<String>,

    /// Web chat ids that may create conversations, comma-separated. Empty allows any.
    #[arg(
        long,
        env = "CHAT_BUBBLE_ALLOWED_WEB_CHATS",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub allowed_web_chats: Vec<String>,

    /// Chatbot ids that may be asked for completions, comma-separated. Empty allows any.
    #[arg(
        long,
        env = "CHAT_BUBBLE_ALLOWED_CHATBOTS",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub allowed_chatbots: Vec<String>,

    /// API requests per minute per client IP (the sustained rate); 0 turns the limit off.
    #[arg(long, env = "CHAT_BUBBLE_RATE_LIMIT", default_value_t = 60)]
    pub rate_limit: u32,

    /// Requests a client may make in a quick burst before the per-minute rate applies.
    #[arg(long, env = "CHAT_BUBBLE_RATE_BURST", default_value_t = 20)]
    pub rate_burst: u32,

    /// Trust `X-Forwarded-For` (its last entry) and `X-Forwarded-Proto`: set this only behind
    /// a reverse proxy that sets them, or any client can pick its own rate-limit bucket.
    #[arg(
        long,
        env = "CHAT_BUBBLE_TRUST_PROXY",
        action = ArgAction::SetTrue,
        value_parser = BoolishValueParser::new()
    )]
    pub trust_proxy: bool,

    /// Largest request body accepted, in bytes; larger ones get 413.
    #[arg(long, env = "CHAT_BUBBLE_MAX_BODY_BYTES", default_value_t = 32 * 1024)]
    pub max_body_bytes: usize,

    /// This server's public origin as browsers see it (e.g. `https://chat.example.com`, or
    /// with a path prefix if a reverse proxy mounts it under one). Used for the absolute
    /// `next`/`previous` links of message pages; defaults to the request's own host. Maax
    /// V2 requires it: its webhook URLs are never taken from a request.
    #[arg(long, env = "CHAT_BUBBLE_PUBLIC_URL")]
    pub public_url: Option<String>,
}

/// Talking to the upstream service (proxy and maax modes).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Upstream (proxy and maax modes)")]
pub struct UpstreamArgs {
    /// Read the upstream API key from this file instead of MAIAGENT_API_KEY / MAAX_API_KEY.
    #[arg(long, env = "CHAT_BUBBLE_API_KEY_FILE")]
    pub api_key_file: Option<PathBuf>,

    /// Seconds to establish a connection to the upstream service.
    #[arg(long, env = "CHAT_BUBBLE_CONNECT_TIMEOUT_SECS", default_value_t = 5)]
    pub connect_timeout_secs: u64,

    /// Seconds to wait for the upstream's response headers.
    #[arg(
        long,
        env = "CHAT_BUBBLE_FIRST_BYTE_TIMEOUT_SECS",
        default_value_t = 60
    )]
    pub first_byte_timeout_secs: u64,

    /// Seconds of silence allowed between two chunks of an upstream body.
    #[arg(long, env = "CHAT_BUBBLE_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,

    /// Seconds a whole upstream answer that is not a stream may take, headers and body.
    #[arg(long, env = "CHAT_BUBBLE_TOTAL_TIMEOUT_SECS", default_value_t = 90)]
    pub total_timeout_secs: u64,

    /// Seconds a relayed reply stream may last before it is cut.
    #[arg(long, env = "CHAT_BUBBLE_STREAM_MAX_SECS", default_value_t = 600)]
    pub stream_max_secs: u64,

    /// Bytes a relayed reply stream may carry before it is cut.
    #[arg(long, env = "CHAT_BUBBLE_STREAM_MAX_BYTES", default_value_t = 16 * 1024 * 1024)]
    pub stream_max_bytes: u64,

    /// Seconds open streams get to finish after SIGTERM/Ctrl-C before the server exits
    /// (mock streams are cut at once).
    #[arg(long, env = "CHAT_BUBBLE_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    pub shutdown_grace_secs: u64,
}

/// Proxy mode.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Proxy mode")]
pub struct ProxyArgs {
    /// MaiAgent API base URL; the widget's paths are appended to it.
    #[arg(
        long,
        env = "CHAT_BUBBLE_UPSTREAM_URL",
        default_value = "https://api.maiagent.ai/api/v1/"
    )]
    pub upstream_url: String,
}

/// Where uploaded files are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UploadStorage {
    /// A folder on this machine (--upload-dir), served by this server.
    Local,
    /// An S3-compatible bucket (--upload-s3-*), shared by every instance.
    S3,
}

/// Files visitors attach (every mode; maax mode refuses them, as Maax AI takes none).
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Uploads (every mode)")]
pub struct UploadArgs {
    /// Where uploaded files are kept.
    #[arg(
        long,
        env = "CHAT_BUBBLE_UPLOAD_STORAGE",
        value_enum,
        default_value = "local"
    )]
    pub upload_storage: UploadStorage,

    /// The folder for `--upload-storage local`, created if missing.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_DIR", default_value = "uploads")]
    pub upload_dir: PathBuf,

    /// Largest file accepted, in bytes (the body is cut off there).
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_MAX_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub upload_max_bytes: u64,

    /// Bytes one conversation may upload in a day.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_QUOTA_BYTES", default_value_t = 50 * 1024 * 1024)]
    pub upload_quota_bytes: u64,

    /// Files one conversation may upload in a day.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_QUOTA_FILES", default_value_t = 30)]
    pub upload_quota_files: u32,

    /// Uploads per minute per conversation (also the burst); 0 turns the limit off.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_RATE_LIMIT", default_value_t = 10)]
    pub upload_rate_limit: u32,

    /// Uploads read at once; each holds up to --upload-max-bytes of memory.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_CONCURRENT", default_value_t = 16)]
    pub upload_concurrent: usize,

    /// Uploads one client address (an IPv6 /64; the forwarded address with --trust-proxy)
    /// may have in flight at once, so that a few slow uploads cannot hold every place; 0
    /// means no cap.
    #[arg(
        long,
        env = "CHAT_BUBBLE_UPLOAD_CONCURRENT_PER_CLIENT",
        default_value_t = 4
    )]
    pub upload_concurrent_per_client: usize,

    /// Bytes a second an upload must keep up on average, after its first 3 seconds, or it is
    /// cut (408): a body sent a byte at a time cannot hold one of the few upload places for
    /// the whole body timeout. 0 turns the floor off.
    #[arg(
        long,
        env = "CHAT_BUBBLE_UPLOAD_MIN_BYTES_PER_SEC",
        default_value_t = 4_096
    )]
    pub upload_min_bytes_per_sec: u64,

    /// Bytes one client address may upload in a day, whatever the conversations it makes.
    #[arg(
        long,
        env = "CHAT_BUBBLE_UPLOAD_CLIENT_QUOTA_BYTES",
        default_value_t = 200 * 1024 * 1024
    )]
    pub upload_client_quota_bytes: u64,

    /// Files one client address may upload in a day, whatever the conversations it makes.
    #[arg(
        long,
        env = "CHAT_BUBBLE_UPLOAD_CLIENT_QUOTA_FILES",
        default_value_t = 120
    )]
    pub upload_client_quota_files: u32,

    /// Days a stored file is kept: older files are deleted (checked at start and hourly) and
    /// no longer served. 0 keeps files forever.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_RETENTION_DAYS", default_value_t = 30)]
    pub upload_retention_days: u32,

    /// Base URL the stored files are public at (a CDN or the bucket's own URL), e.g.
    /// `https://cdn.example.com/chat-uploads/`. Default: this server's `/uploads/`.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_PUBLIC_URL")]
    pub upload_public_url: Option<String>,

    /// S3 bucket name. Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
    /// (and AWS_SESSION_TOKEN if any), never from flags.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_S3_BUCKET")]
    pub upload_s3_bucket: Option<String>,

    /// Key prefix inside the bucket.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_S3_PREFIX", default_value = "")]
    pub upload_s3_prefix: String,

    /// Endpoint of an S3-compatible service (MinIO, Ceph, R2, …); AWS when absent.
    #[arg(long, env = "CHAT_BUBBLE_UPLOAD_S3_ENDPOINT")]
    pub upload_s3_endpoint: Option<String>,

    /// Bucket region.
    #[arg(
        long,
        env = "CHAT_BUBBLE_UPLOAD_S3_REGION",
        default_value = "us-east-1"
    )]
    pub upload_s3_region: String,
}

/// Where a POST puts its parameters (the Maax docs list them as "query parameters" of POSTs
/// that also declare a JSON content type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ParamPlace {
    Json,
    Query,
}

/// An HTTP method for an upstream endpoint whose docs disagree on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UpstreamMethod {
    Get,
    Post,
}

/// Which Maax API answers in maax mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MaaxApi {
    /// Initiate, then poll for the answer.
    V1,
    /// Send, and receive the answer and later follow-ups on this server's webhooks.
    V2,
}

/// Maax mode.
#[derive(Clone, Debug, Args)]
#[command(next_help_heading = "Maax mode")]
pub struct MaaxArgs {
    /// Maax AI base URL (the docs also name `https://app.max.ai/`).
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_URL",
        default_value = "https://app.maax.ai/"
    )]
    pub maax_url: String,

    /// Which Maax API to use: `v1` polls for answers; `v2` has them posted to this server's
    /// webhooks (faster, and the only one with follow-ups; needs --public-url reachable by
    /// Maax, and --maax-ai-id).
    #[arg(long, env = "CHAT_BUBBLE_MAAX_API", value_enum, default_value = "v1")]
    pub maax_api: MaaxApi,

    /// V2: path of the endpoint that is sent the visitor's message.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_V2_SEND_PATH",
        default_value = "api/v2/outgoing-messages/"
    )]
    pub maax_v2_send_path: String,

    /// V2: path of the conversation history endpoint (POST); `{id}` is replaced by the
    /// conversation id. V1's history call is the fallback when it fails.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_V2_HISTORY_PATH",
        default_value = "api/v2/conversations/{id}/"
    )]
    pub maax_v2_history_path: String,

    /// V2 with several instances: a Redis URL (`redis://host:6379/0`) through which instances
    /// hand each other the answers that reach the wrong one, and share follow-ups. Without
    /// it, V2 must run as a single instance.
    #[arg(long, env = "CHAT_BUBBLE_PUBSUB_URL")]
    pub pubsub_url: Option<String>,

    /// Path of the endpoint that starts generating an answer.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_INITIATE_PATH",
        default_value = "api/initiate_answer_generation/"
    )]
    pub maax_initiate_path: String,

    /// Path of the endpoint polled for the answer.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_RETRIEVE_PATH",
        default_value = "api/retrieve_answer/"
    )]
    pub maax_retrieve_path: String,

    /// Path of the endpoint that creates a conversation.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_CREATE_CONVERSATION_PATH",
        default_value = "api/create-conversation/"
    )]
    pub maax_create_conversation_path: String,

    /// Path of the conversation history endpoint; `{id}` is replaced by the conversation id.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_HISTORY_PATH",
        default_value = "api/get_conversations_history/"
    )]
    pub maax_history_path: String,

    /// Method of the history endpoint (GET sends query parameters, POST a JSON body).
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_HISTORY_METHOD",
        value_enum,
        default_value = "get"
    )]
    pub maax_history_method: UpstreamMethod,

    /// Where POST requests put their parameters.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_PARAMS",
        value_enum,
        default_value = "json"
    )]
    pub maax_params: ParamPlace,

    /// `service_type` sent with every call (default: `customer_support_automation` for V1,
    /// `sales_automation` for V2).
    #[arg(long, env = "CHAT_BUBBLE_MAAX_SERVICE_TYPE")]
    pub maax_service_type: Option<String>,

    /// `platform` sent when asking for an answer.
    #[arg(long, env = "CHAT_BUBBLE_MAAX_PLATFORM", default_value = "website")]
    pub maax_platform: String,

    /// `ai_id` (needed for the sales_automation service type).
    #[arg(long, env = "CHAT_BUBBLE_MAAX_AI_ID")]
    pub maax_ai_id: Option<String>,

    /// `output_format` (V1 default blank; V2 default `plain_text`, since V2 answers HTML
    /// without it; HTML that arrives anyway is turned into markdown).
    #[arg(long, env = "CHAT_BUBBLE_MAAX_OUTPUT_FORMAT")]
    pub maax_output_format: Option<String>,

    /// `prospect_id` sent when creating conversations and asking for answers.
    #[arg(long, env = "CHAT_BUBBLE_MAAX_PROSPECT_ID")]
    pub maax_prospect_id: Option<String>,

    /// `prospect_info` as a JSON object, e.g. `{"first_name":"Web","last_name":"Visitor",
    /// "email":"visitor@example.com"}`; `{conversation}` in a value is replaced by the
    /// conversation id (creating a conversation, whose id is not known yet, then sends none).
    /// V2 requires a first name and one contact, and defaults to an
    /// anonymous website visitor with an undeliverable address.
    #[arg(long, env = "CHAT_BUBBLE_MAAX_PROSPECT_INFO")]
    pub maax_prospect_info: Option<String>,

    /// First pause between two polls for the answer, in milliseconds; it grows by half each
    /// time up to --maax-poll-max-ms.
    #[arg(long, env = "CHAT_BUBBLE_MAAX_POLL_INITIAL_MS", default_value_t = 1000)]
    pub maax_poll_initial_ms: u64,

    /// Longest pause between two polls, in milliseconds.
    #[arg(long, env = "CHAT_BUBBLE_MAAX_POLL_MAX_MS", default_value_t = 5000)]
    pub maax_poll_max_ms: u64,

    /// Seconds to wait for an answer before giving up on it.
    #[arg(
        long,
        env = "CHAT_BUBBLE_MAAX_ANSWER_TIMEOUT_SECS",
        default_value_t = 180
    )]
    pub maax_answer_timeout_secs: u64,

    /// Seconds between `: keepalive` comments on a stream that waits for its answer.
    #[arg(long, env = "CHAT_BUBBLE_KEEPALIVE_SECS", default_value_t = 15)]
    pub keepalive_secs: u64,
}

impl Config {
    /// How long open connections get after a shutdown signal: mock streams end at once, so
    /// a few seconds do; proxied and adapted replies are real and get the configured grace.
    pub fn shutdown_grace(&self) -> Duration {
        match self.mode {
            Mode::Mock => Duration::from_secs(5),
            Mode::Proxy | Mode::Maax => Duration::from_secs(self.upstream.shutdown_grace_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_parse() {
        let c = Config::try_parse_from([
            "chat-bubble-server",
            "--mode",
            "mock",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--static-dir",
            "x",
            "--demo-page",
            "demo.html",
            "--mock-delay-ms",
            "5",
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::Mock);
        assert_eq!(c.host, "0.0.0.0");
        assert_eq!(c.port, 0);
        assert_eq!(c.static_dir, PathBuf::from("x"));
        assert_eq!(c.demo_page, Some(PathBuf::from("demo.html")));
        assert_eq!(c.mock_delay_ms, 5);
    }

    #[test]
    fn unknown_mode_is_rejected() {
        assert!(Config::try_parse_from(["chat-bubble-server", "--mode", "nope"]).is_err());
    }

    #[test]
    fn proxy_and_maax_flags_parse() {
        let c = Config::try_parse_from([
            "chat-bubble-server",
            "--mode",
            "proxy",
            "--upstream-url",
            "https://tenant.example/api/",
            "--allowed-origins",
            "https://a.example,https://*.b.example",
            "--allowed-chatbots",
            "bot-1",
            "--rate-limit",
            "0",
            "--trust-proxy",
            "--maax-history-method",
            "post",
            "--maax-params",
            "query",
        ])
        .unwrap();
        assert_eq!(c.mode, Mode::Proxy);
        assert_eq!(c.proxy.upstream_url, "https://tenant.example/api/");
        assert_eq!(
            c.guard.allowed_origins,
            ["https://a.example", "https://*.b.example"]
        );
        assert_eq!(c.guard.allowed_chatbots, ["bot-1"]);
        assert!(c.guard.allowed_web_chats.is_empty());
        assert_eq!(c.guard.rate_limit, 0);
        assert!(c.guard.trust_proxy);
        assert_eq!(c.maax.maax_history_method, UpstreamMethod::Post);
        assert_eq!(c.maax.maax_params, ParamPlace::Query);
        assert_eq!(c.shutdown_grace(), Duration::from_secs(30));
    }

    #[test]
    fn visitor_token_and_connection_flags_parse() {
        let c = Config::try_parse_from(["chat-bubble-server"]).unwrap();
        assert!(c.mock_visitor_tokens, "on unless turned off");
        assert_eq!(
            c.connections.limits(false),
            crate::serve::ConnLimits::default()
        );
        assert_eq!(c.connections.limits(true).per_client, 0);
        let c = Config::try_parse_from([
            "chat-bubble-server",
            "--mock-visitor-tokens",
            "false",
            "--visitor-secret-file",
            "/run/secret",
            "--header-timeout-secs",
            "3",
            "--max-connections-per-client",
            "0",
        ])
        .unwrap();
        assert!(!c.mock_visitor_tokens);
        assert_eq!(c.visitor_secret_file, Some(PathBuf::from("/run/secret")));
        assert_eq!(c.connections.limits(false).header, Duration::from_secs(3));
        assert_eq!(c.connections.limits(false).per_client, 0);
        assert!(Config::try_parse_from(["chat-bubble-server", "--visitor-secret", "x"]).is_err());
    }

    #[test]
    fn uploads_expire_after_30_days_unless_told_otherwise() {
        let c = Config::try_parse_from(["chat-bubble-server"]).unwrap();
        assert_eq!(c.uploads.upload_retention_days, 30);
        let c =
            Config::try_parse_from(["chat-bubble-server", "--upload-retention-days", "0"]).unwrap();
        assert_eq!(c.uploads.upload_retention_days, 0, "kept forever");
        assert!(
            Config::try_parse_from(["chat-bubble-server", "--upload-retention-days", "-1"])
                .is_err()
        );
    }

    #[test]
    fn there_is_no_flag_for_a_key_value() {
        for flag in ["--api-key", "--maiagent-api-key", "--maax-api-key", "--key"] {
            assert!(
                Config::try_parse_from(["chat-bubble-server", flag, "k"]).is_err(),
                "{flag}"
            );
        }
    }
}
