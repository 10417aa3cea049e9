//! Rewrites the absolute `next`/`previous` links of an upstream message page so that they
//! point at this server: the widget follows them only on its API's own origin, and must never
//! be sent to the upstream directly (it has no key, and should not learn the upstream host).

use serde_json::Value;

/// The page with each `next`/`previous` string replaced by `{api_base}/messages/?{query}`,
/// keeping of the upstream link's query only what a page request takes (see
/// [`PAGE_PARAMETERS`]). `api_base` is e.g. `https://chat.example.com/api/v1`. A body that is
/// not a JSON object is returned unchanged.
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

/// What this server's `messages/` takes, and so all a page link needs to carry. Anything else
/// an upstream put in its links (an echoed header, percent-encoded past the key scrubber) stays
/// behind.
const PAGE_PARAMETERS: [&str; 3] = ["conversation", "cursor", "pageSize"];

/// `{api_base}/messages/?{the page parameters of link's query}`.
pub fn local_link(link: &str, api_base: &str) -> String {
    let parsed = reqwest::Url::parse(link)
        .or_else(|_| reqwest::Url::parse("http://upstream.invalid/").and_then(|b| b.join(link)));
    let kept: Vec<(String, String)> = parsed
        .map(|url| {
            url.query_pairs()
                .filter(|(k, _)| PAGE_PARAMETERS.contains(&k.as_ref()))
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    if kept.is_empty() {
        return format!("{api_base}/messages/");
    }
    let mut query = reqwest::Url::parse("http://local.invalid/").expect("a valid URL");
    query.query_pairs_mut().extend_pairs(kept);
    format!("{api_base}/messages/?{}", query.query().unwrap_or_default())
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

    #[test]
    fn only_the_page_parameters_come_along() {
        assert_eq!(
            local_link(
                "https://up.example/api/messages/?conversation=c1&x=%73%6B%2D&cursor=abc&pageSize=5&token=t",
                "https://c.example/api"
            ),
            "https://c.example/api/messages/?conversation=c1&cursor=abc&pageSize=5"
        );
        assert_eq!(
            local_link(
                "https://up.example/api/messages/?only=junk",
                "https://c.example/api"
            ),
            "https://c.example/api/messages/"
        );
    }
}
