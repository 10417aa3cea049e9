//! Fake upstreams for the proxy and maax tests, served in process on 127.0.0.1:0: a MaiAgent
//! that records what it receives and misbehaves on request, and a Maax AI with its
//! initiate/poll API. Plus helpers to start proxy and maax mode in front of them.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt;
use axum::Router;
use chat_bubble_server::app;
use chat_bubble_server::guard::{Guard, GuardSettings};
use chat_bubble_server::maax::{self, MaaxSettings, MaaxState};
use chat_bubble_server::proxy::{self, ProxySettings, ProxyState};
use chat_bubble_server::secret::Secret;
use chat_bubble_server::upstream::Timeouts;
use chat_bubble_server::visitor::VisitorKeys;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};

/// The key the servers under test are given; no response or log line may contain it.
pub const KEY: &str = "sk-test-7f3a9c1e5b2d4f60a8e1c3b5d7f9a2c4";

/// Serves a router on a free loopback port, with peer addresses for the rate limit.
pub async fn serve(router: Router) -> SocketAddr {
    serve_on(TcpListener::bind("127.0.0.1:0").await.unwrap(), router)
}

/// [`serve`] on a listener bound already (for a server that must know its own URL).
pub fn serve_on(listener: TcpListener, router: Router) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    addr
}

/// A loopback address nothing listens on.
pub async fn dead_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Short timeouts so timeout tests stay quick.
pub fn quick_timeouts() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        first_byte: Duration::from_millis(400),
        idle: Duration::from_millis(400),
        ..Timeouts::default()
    }
}

/// The visitor-token secret of the servers started here (unless a test gives its own).
pub const VISITOR_SECRET: &[u8] = b"fake visitor secret, not a real one";

/// The visitor token of a conversation on the servers started here.
pub fn token(conversation: &str) -> String {
    VisitorKeys::new(VISITOR_SECRET)
        .unwrap()
        .issue(conversation)
}

/// A client that presents the visitor token of `conversation` on every request.
pub fn visitor_client(conversation: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-visitor-token", token(conversation).parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

fn with_keys(mut guard: GuardSettings) -> GuardSettings {
    if guard.visitors.is_none() {
        guard.visitors = Some(VisitorKeys::new(VISITOR_SECRET).unwrap());
    }
    guard
}

/// Proxy mode in front of `upstream_base`.
pub async fn start_proxy(upstream_base: &str, guard: GuardSettings, timeouts: Timeouts) -> String {
    let guard = with_keys(guard);
    let state = ProxyState::new(
        ProxySettings {
            upstream_url: upstream_base.to_string(),
            key: Secret::new(KEY).unwrap(),
            timeouts,
            uploads: None,
        },
        Guard::new(&guard).unwrap(),
    )
    .unwrap();
    let addr = serve(app::outer_layers(proxy::router(state))).await;
    format!("http://{addr}")
}

/// Maax mode with `settings`. V2 needs its public URL, where Maax posts to: unless `guard`
/// names one, the server's own loopback address.
pub async fn start_maax(settings: MaaxSettings, mut guard: GuardSettings) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let own = format!("http://{}", listener.local_addr().unwrap());
    if settings.api == chat_bubble_server::config::MaaxApi::V2 && guard.public_url.is_none() {
        guard.public_url = Some(own.clone());
    }
    let guard = with_keys(guard);
    let state = MaaxState::new(settings, Guard::new(&guard).unwrap()).unwrap();
    serve_on(listener, app::outer_layers(maax::router(state)));
    own
}

/// One request as an upstream saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn query_map(&self) -> HashMap<String, String> {
        url_pairs(self.query.as_deref().unwrap_or(""))
    }
}

/// Decodes `a=1&b=x%20y` (enough for tests).
pub fn url_pairs(q: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{q}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// How the fake MaiAgent answers.
#[derive(Clone, Debug, Default)]
pub enum Reply {
    /// The normal answers.
    #[default]
    Normal,
    /// This status, body and content type for every call, plus a `Retry-After` if given.
    Status {
        status: u16,
        body: String,
        content_type: &'static str,
        retry_after: Option<&'static str>,
    },
    /// Wait this long before answering at all (first-byte timeout).
    SlowHeaders(Duration),
    /// Completions send one delta, then wait for [`FakeMaiAgent::release`] before the rest.
    Gated,
    /// Completions send one delta, then nothing, holding the connection open.
    StallAfterFirst,
    /// Every call: 200, this body as an event stream, and a `Content-Encoding` it was not
    /// asked for.
    Encoded {
        body: String,
        encoding: &'static str,
    },
    /// Every call: 200 and these body pieces, `pause` apart (over and over with `forever`).
    Pieces {
        pieces: Vec<String>,
        pause: Duration,
        forever: bool,
    },
}

/// The fake MaiAgent.
#[derive(Clone)]
pub struct FakeMaiAgent {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub reply: Arc<Mutex<Reply>>,
    pub release: Arc<Notify>,
    /// Set once a completions stream has written its `done` frame.
    pub finished: Arc<AtomicBool>,
}

/// The id of every conversation the fake MaiAgent creates.
pub const CONVERSATION: &str = "c0ffee00-0000-4000-8000-000000000001";

/// The deltas of the fake's reply.
pub const DELTAS: [&str; 4] = ["Hel", "lo, ", "你好", "!"];

impl FakeMaiAgent {
    pub async fn start() -> FakeMaiAgent {
        let dummy: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut fake = FakeMaiAgent {
            addr: dummy,
            seen: Arc::default(),
            reply: Arc::default(),
            release: Arc::new(Notify::new()),
            finished: Arc::default(),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        fake.addr = listener.local_addr().unwrap();
        let router = Router::new().fallback(maiagent).with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        fake
    }

    /// `http://127.0.0.1:<port>/api/v1/`.
    pub fn base(&self) -> String {
        format!("http://{}/api/v1/", self.addr)
    }

    pub fn set(&self, reply: Reply) {
        *self.reply.lock().unwrap() = reply;
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn record(req: Request) -> Seen {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    Seen {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
    }
}

async fn maiagent(State(fake): State<FakeMaiAgent>, req: Request) -> Response {
    let seen = record(req).await;
    fake.seen.lock().unwrap().push(seen.clone());
    let reply = fake.reply.lock().unwrap().clone();
    match reply {
        Reply::Status {
            status,
            body,
            content_type,
            retry_after,
        } => {
            let mut res = (StatusCode::from_u16(status).unwrap(), body).into_response();
            res.headers_mut()
                .insert(header::CONTENT_TYPE, content_type.parse().unwrap());
            if let Some(r) = retry_after {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, r.parse().unwrap());
            }
            return res;
        }
        Reply::Encoded { body, encoding } => {
            let mut res = body.into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, "text/event-stream".parse().unwrap());
            h.insert(header::CONTENT_ENCODING, encoding.parse().unwrap());
            return res;
        }
        Reply::SlowHeaders(d) => tokio::time::sleep(d).await,
        Reply::Pieces {
            pieces,
            pause,
            forever,
        } => return pieces_body(pieces, pause, forever),
        _ => {}
    }
    let path = seen.path.strip_prefix("/api/v1/").unwrap_or("");
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match (seen.method.as_str(), segments.as_slice()) {
        ("POST", ["conversations"]) => (
            StatusCode::CREATED,
            axum::Json(json!({
                "id": "c0ffee00-0000-4000-8000-000000000001",
                "webChat": seen.json()["webChat"],
                "inbox": {"id": "i1", "name": "web", "channelType": "web"},
            })),
        )
            .into_response(),
        ("GET", ["conversations", id]) => axum::Json(json!({"id": id})).into_response(),
        ("POST", ["chatbots", _, "completions"]) => completion(&fake, reply),
        ("GET", ["messages"]) => {
            let q = seen.query_map();
            let conversation = q.get("conversation").cloned().unwrap_or_default();
            let next = format!(
                "http://{}/api/v1/messages/?conversation={conversation}&cursor=cD0y&pageSize=2",
                fake.addr
            );
            axum::Json(json!({
                "count": 3,
                "next": if q.contains_key("cursor") { Value::Null } else { Value::from(next) },
                "previous": if q.contains_key("cursor") {
                    Value::from(format!("https://api.maiagent.ai/api/v1/messages/?conversation={conversation}"))
                } else { Value::Null },
                "results": [{"id": "m1", "content": "hi", "type": "incoming", "createdAt": "1732495353000"}],
            }))
            .into_response()
        }
        ("GET", ["messages", id]) => {
            axum::Json(json!({"id": id, "conversation": CONVERSATION, "content": "hi"}))
                .into_response()
        }
        _ => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"detail": "Not found."})),
        )
            .into_response(),
    }
}

fn frame(content: &str, done: bool) -> Bytes {
    let json = json!({"conversationId": "c0ffee00-0000-4000-8000-000000000001", "content": content, "done": done});
    Bytes::from(format!("data: {json}\n\n"))
}

/// The whole SSE body the fake sends for a normal reply.
pub fn full_reply_body() -> String {
    let mut s = String::new();
    for d in DELTAS {
        s.push_str(std::str::from_utf8(&frame(d, false)).unwrap());
    }
    s.push_str(std::str::from_utf8(&frame("", true)).unwrap());
    s
}

fn pieces_body(pieces: Vec<String>, pause: Duration, forever: bool) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    tokio::spawn(async move {
        loop {
            for p in &pieces {
                if tx.send(Ok(Bytes::from(p.clone()))).await.is_err() {
                    return;
                }
                tokio::time::sleep(pause).await;
            }
            if !forever {
                return;
            }
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|i| (i, rx))
    }));
    (StatusCode::OK, body).into_response()
}

fn completion(fake: &FakeMaiAgent, reply: Reply) -> Response {
    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(16);
    let fake = fake.clone();
    tokio::spawn(async move {
        let _ = tx.send(Ok(frame(DELTAS[0], false))).await;
        match reply {
            Reply::Gated => fake.release.notified().await,
            Reply::StallAfterFirst => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            _ => {}
        }
        for d in &DELTAS[1..] {
            if tx.send(Ok(frame(d, false))).await.is_err() {
                return;
            }
        }
        let _ = tx.send(Ok(frame("", true))).await;
        fake.finished.store(true, Ordering::SeqCst);
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|i| (i, rx))
    }));
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, "text/event-stream".parse().unwrap());
    res
}

/// How the fake Maax answers `retrieve_answer`.
#[derive(Clone, Debug)]
pub enum Answer {
    /// Pending for this many polls (alternating `{"answer": null}` and 202), then the answer.
    After(usize),
    /// Pending until [`FakeMaax::release`] is notified.
    WhenReleased,
    /// Always pending.
    Never,
    /// This status on every poll.
    Status(u16),
}

/// The fake Maax AI.
#[derive(Clone)]
pub struct FakeMaax {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub answer: Arc<Mutex<Answer>>,
    /// Status for `initiate_answer_generation` (200 if `None`).
    pub initiate_status: Arc<Mutex<Option<u16>>>,
    pub polls: Arc<AtomicUsize>,
    pub released: Arc<AtomicBool>,
    /// When set, the answer and the history's assistant message are this text instead.
    pub echo: Arc<Mutex<Option<String>>>,
    /// V2: what the fake posts back to the webhooks after each `outgoing-messages` call.
    pub script: Arc<Mutex<Vec<Callback>>>,
    /// V2: status of the v2 history call (200 if `None`).
    pub v2_history_status: Arc<Mutex<Option<u16>>>,
    /// V2: what each callback got back, in order.
    pub callback_statuses: Arc<Mutex<Vec<u16>>>,
    /// How long the fake waits before answering any call.
    pub delay: Arc<Mutex<Duration>>,
}

/// Which webhook a V2 callback goes to.
#[derive(Clone, Copy, Debug)]
pub enum Hook {
    Answer,
    FollowUp,
}

/// One call the fake V2 makes back to the server, `after` the `outgoing-messages` call.
#[derive(Clone, Debug)]
pub struct Callback {
    pub after: Duration,
    pub hook: Hook,
    pub content_type: &'static str,
    pub body: String,
    /// Post to this base URL instead of the one in the webhook URL (another instance).
    pub base: Option<String>,
}

impl Callback {
    /// A JSON body `{"answer": text}` (or `{"followup": text}`) after `ms` milliseconds.
    pub fn json(ms: u64, hook: Hook, text: &str) -> Callback {
        let key = match hook {
            Hook::Answer => "answer",
            Hook::FollowUp => "followup",
        };
        Callback {
            after: Duration::from_millis(ms),
            hook,
            content_type: "application/json",
            body: json!({ key: text, "conversation_id": 42 }).to_string(),
            base: None,
        }
    }
}

/// `url` with its scheme and host replaced by those of `base`.
pub fn rebase(url: &str, base: &str) -> String {
    let path = url.splitn(4, '/').nth(3).unwrap_or("");
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// The fake's answer text.
pub const ANSWER: &str = "Maax says: 你好, here is **the answer**.";

impl FakeMaax {
    pub async fn start(answer: Answer) -> FakeMaax {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake = FakeMaax {
            addr: listener.local_addr().unwrap(),
            seen: Arc::default(),
            answer: Arc::new(Mutex::new(answer)),
            initiate_status: Arc::default(),
            polls: Arc::default(),
            released: Arc::default(),
            echo: Arc::default(),
            script: Arc::default(),
            v2_history_status: Arc::default(),
            callback_statuses: Arc::default(),
            delay: Arc::default(),
        };
        let router = Router::new().fallback(maax_fake).with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        fake
    }

    pub fn base(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Settings for maax mode against this fake, polling fast.
    pub fn settings(&self) -> MaaxSettings {
        let mut s = MaaxSettings::new(&self.base(), Secret::new(KEY).unwrap()).unwrap();
        s.poll.initial = Duration::from_millis(10);
        s.poll.max = Duration::from_millis(40);
        s.poll.answer_timeout = Duration::from_secs(10);
        s.keepalive = Duration::from_millis(50);
        s.timeouts = quick_timeouts();
        s
    }

    /// Settings for V2 against this fake: answers awaited for at most `bound`.
    pub fn v2_settings(&self, bound: Duration) -> MaaxSettings {
        let mut s = self.settings();
        s.api = chat_bubble_server::config::MaaxApi::V2;
        s.service_type = "sales_automation".into();
        s.output_format = Some("plain_text".into());
        s.ai_id = Some("5".into());
        s.prospect_info = Some(maax::v2::default_prospect_info());
        s.poll.answer_timeout = bound;
        // No V2 test is about upstream timeouts: room for a loaded machine.
        s.timeouts.first_byte = Duration::from_secs(10);
        s.timeouts.idle = Duration::from_secs(10);
        s
    }

    pub fn set_script(&self, script: Vec<Callback>) {
        *self.script.lock().unwrap() = script;
    }

    pub fn callback_statuses(&self) -> Vec<u16> {
        self.callback_statuses.lock().unwrap().clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn seen_at(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }

    pub fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
    }
}

async fn maax_fake(State(fake): State<FakeMaax>, req: Request) -> Response {
    let delay = *fake.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let seen = record(req).await;
    fake.seen.lock().unwrap().push(seen.clone());
    if seen.header("2hd-api-key") != Some(KEY) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"detail": "bad key"})),
        )
            .into_response();
    }
    let ok = |v: Value| axum::Json(v).into_response();
    let answer_text = fake
        .echo
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_else(|| ANSWER.to_string());
    let history_text = fake
        .echo
        .lock()
        .unwrap()
        .clone()
        .unwrap_or_else(|| "9 to 5.".to_string());
    match seen.path.as_str() {
        "/api/initiate_answer_generation/" => {
            if let Some(code) = *fake.initiate_status.lock().unwrap() {
                return (StatusCode::from_u16(code).unwrap(), "nope").into_response();
            }
            ok(json!({"incoming_message_id": 9001}))
        }
        "/api/retrieve_answer/" => {
            let n = fake.polls.fetch_add(1, Ordering::SeqCst);
            let pending = || {
                if n % 2 == 0 {
                    ok(json!({"answer": null}))
                } else {
                    StatusCode::ACCEPTED.into_response()
                }
            };
            let answer = fake.answer.lock().unwrap().clone();
            match answer {
                Answer::After(k) if n >= k => ok(json!({"answer": answer_text})),
                Answer::WhenReleased if fake.released.load(Ordering::SeqCst) => {
                    ok(json!({"answer": answer_text}))
                }
                Answer::Status(code) => StatusCode::from_u16(code).unwrap().into_response(),
                _ => pending(),
            }
        }
        "/api/v2/outgoing-messages/" => {
            let asked = seen.json();
            let answer_url = asked["send_response_url"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let followup_url = asked["followup_url"].as_str().unwrap_or("").to_string();
            let script = fake.script.lock().unwrap().clone();
            let statuses = fake.callback_statuses.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                let start = tokio::time::Instant::now();
                for call in script {
                    tokio::time::sleep_until(start + call.after).await;
                    let url = match call.hook {
                        Hook::Answer => &answer_url,
                        Hook::FollowUp => &followup_url,
                    };
                    let url = match &call.base {
                        Some(base) => rebase(url, base),
                        None => url.clone(),
                    };
                    let status = http
                        .post(url)
                        .header("content-type", call.content_type)
                        .body(call.body)
                        .send()
                        .await
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0);
                    statuses.lock().unwrap().push(status);
                }
            });
            ok(json!({"incoming_message_id": 9002}))
        }
        "/api/v2/conversations/42/" => {
            if let Some(code) = *fake.v2_history_status.lock().unwrap() {
                return (StatusCode::from_u16(code).unwrap(), "nope").into_response();
            }
            ok(json!({"messages": [
                {"content": "What are your hours?", "type": "incoming", "created_at": "2024-11-25T00:42:33Z"},
                {"content": history_text, "type": "outgoing", "created_at": "2024-11-25T00:42:40Z"},
            ]}))
        }
        "/api/create-conversation/" => ok(json!({"conversation_id": 42})),
        "/api/get_conversations_history/" => {
            let id = seen
                .query_map()
                .get("conversation_id")
                .cloned()
                .or_else(|| {
                    seen.json()["conversation_id"]
                        .as_i64()
                        .map(|n| n.to_string())
                });
            if id.as_deref() != Some("42") {
                return (StatusCode::NOT_FOUND, "no such conversation").into_response();
            }
            ok(json!({"messages_in_conversation": [
                {"message_content": "What are your hours?", "role": "prospect", "created_at": "2024-11-25T00:42:33Z"},
                {"message_content": history_text, "role": "ai", "created_at": "2024-11-25T00:42:40Z"},
                {"message_content": "Thanks!", "role": "prospect", "created_at": "2024-11-25T00:43:00Z"},
            ]}))
        }
        _ => (StatusCode::NOT_FOUND, "not here").into_response(),
    }
}

/// Reads an SSE response to its end; `Err` carries what was read before the body broke.
pub async fn read_stream(res: reqwest::Response) -> Result<String, String> {
    let mut out = Vec::new();
    let mut body = res.bytes_stream();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(10), body.next())
        .await
        .expect("stream progresses within 10 s")
    {
        match chunk {
            Ok(c) => out.extend_from_slice(&c),
            Err(_) => return Err(String::from_utf8_lossy(&out).into_owned()),
        }
    }
    Ok(String::from_utf8(out).expect("UTF-8 stream"))
}

/// The JSON `data:` frames of an SSE text (comments skipped).
pub fn frames(sse: &str) -> Vec<Value> {
    sse.split("\n\n")
        .filter_map(|e| e.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

/// A completions request body.
pub fn ask(conversation: Option<&str>, content: &str, streaming: bool) -> Value {
    json!({
        "conversation": conversation,
        "message": {"content": content, "attachments": []},
        "isStreaming": streaming,
    })
}
