//! Rewrites the absolute `next`/`previous` links of an upstream message page so that they
//! point at this server: the widget follows them only on its API's own origin, and must never
//! be sent to the upstream directly (it has no key, and should not learn the upstream host).

use serde_json::Value;

/// The page with each `next`/`previous` string replaced by `{api_base}/messages/?{query}`,
/// keeping the upstream link's query (its cursor). `api_base` is e.g.
/// `https://chat.example.com/api/v1`. A body that is not a JSON object is returned unchanged.
pub fn rewrite_page(body: &[u8], api_base: &str) -> Option<Vec<u8>> {
    let mut page: Value = serde_json::from_slice(body).ok()?;
    let obj = page.as_object_mut()?;
    for key in ["next", "previous"] {
        if let Some(Value::String(link)) = obj.get(key) {
            let local = local_link(link, api_base);
            obj.insert(key.to_string(), Value::String(local));
        }
    }
    serde_json::to_vec(&page).ok()
}

/// `{api_base}/messages/?{query of link}`.
pub fn local_link(link: &str, api_base: &str) -> String {
    let query = reqwest::Url::parse(link)
        .or_else(|_| reqwest::Url::parse("http://upstream.invalid/").and_then(|b| b.join(link)))
        .ok()
        .and_then(|u| u.query().map(str::to_string));
    match query {
        Some(q) if !q.is_empty() => format!("{api_base}/messages/?{q}"),
        _ => format!("{api_base}/messages/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn links_keep_their_cursor_and_move_here() {
        let page = json!({
            "count": 3,
            "next": "https://api.maiagent.ai/api/v1/messages/?conversation=c1&cursor=cD00ODY%3D&pageSize=2",
            "previous": null,
            "results": [{"id": "m1"}],
        });
        let out = rewrite_page(page.to_string().as_bytes(), "http://127.0.0.1:8787/api").unwrap();
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            out["next"],
            "http://127.0.0.1:8787/api/messages/?conversation=c1&cursor=cD00ODY%3D&pageSize=2"
        );
        assert_eq!(out["previous"], Value::Null);
        assert_eq!(out["results"], page["results"]);
    }

    #[test]
    fn relative_and_queryless_links() {
        assert_eq!(
            local_link("/api/messages/?cursor=x", "https://c.example/api/v1"),
            "https://c.example/api/v1/messages/?cursor=x"
        );
        assert_eq!(
            local_link("https://up.example/api/messages/", "https://c.example/api"),
            "https://c.example/api/messages/"
        );
        assert!(rewrite_page(b"not json", "x").is_none());
    }
}
