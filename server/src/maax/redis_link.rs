//! The Redis connection instances share (`--pubsub-url`), opened on first use and kept up
//! by redis-rs's connection manager, which reconnects by itself.

use redis::aio::ConnectionManager;
use tokio::sync::OnceCell;

/// One Redis server.
pub struct RedisLink {
    pub client: redis::Client,
    conn: OnceCell<ConnectionManager>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.write_str("RedisLink")
    }
}

impl RedisLink {
    /// Checks the URL (`redis://host:port/db` or `rediss://`); connects later. The error
    /// never quotes the URL, which may carry a password.
    pub fn new(url: &str) -> Result<RedisLink, String> {
        let client = redis::Client::open(url.trim())
            .map_err(|e| format!("--pubsub-url is not a Redis URL ({})", e.kind_name()))?;
        Ok(RedisLink {
            client,
            conn: OnceCell::new(),
        })
    }

    /// The shared command connection.
    pub async fn conn(&self) -> Result<ConnectionManager, String> {
        self.conn
            .get_or_try_init(|| async {
                ConnectionManager::new(self.client.clone())
                    .await
                    .map_err(|e| format!("cannot reach Redis ({})", e.kind_name()))
            })
            .await
            .cloned()
    }
}

trait KindName {
    fn kind_name(&self) -> String;
}

impl KindName for redis::RedisError {
    /// The error's category, without the detail text (which can echo the URL).
    fn kind_name(&self) -> String {
        format!("{:?}", self.kind())
    }
}
