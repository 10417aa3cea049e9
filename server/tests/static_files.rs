//! Attacks on the static files: dotfiles, symlinks out of the folder, a redirect to another
//! host, and answers that name a path on the server.

mod common;

use axum::http::StatusCode;
use chat_bubble_server::static_files;
use common::*;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chat-bubble-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every status, header and body of the answer, as text.
async fn seen(app: &axum::Router, path: &str) -> (StatusCode, String) {
    let res = call(app, get(path)).await;
    let status = res.status();
    let mut text = format!("{:?}", res.headers());
    text.push_str(&String::from_utf8_lossy(&bytes(res).await));
    (status, text)
}

#[tokio::test]
async fn dotfiles_symlinks_out_and_double_slash_redirects_are_refused() {
    let outside = temp_dir("static-outside");
    std::fs::write(outside.join("secret.txt"), "outside secret").unwrap();
    let dir = temp_dir("static-hostile");
    std::fs::write(dir.join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(dir.join(".env"), "MAIAGENT_API_KEY=sk-leaked").unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/config"), "[remote]").unwrap();
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/index.html"), "docs").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("leakdir")).unwrap();
    // A folder inside whose index page is a link out: `/linked/` would serve it.
    std::fs::create_dir_all(dir.join("linked")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("linked/index.html")).unwrap();
    let app = static_files::router(&dir, None);

    for path in [
        "/.env",
        "/%2eenv",
        "/.git/config",
        "/docs/../.env",
        "/leak.txt",
        "/leakdir/secret.txt",
        "/linked/",
        "/linked/index.html",
    ] {
        let (status, text) = seen(&app, path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {text}");
        assert!(!text.contains("sk-leaked") && !text.contains("outside secret"));
    }
    for path in [
        "//docs",
        "//evil.example",
        "//evil.example/",
        "//evil.example/docs",
    ] {
        let (status, text) = seen(&app, path).await;
        assert!(!status.is_redirection(), "{path}: {status} {text}");
        assert!(!text.contains("\"//evil"), "{path}: {text}");
    }
    // What is inside is still served.
    assert_eq!(seen(&app, "/index.html").await.0, StatusCode::OK);
    assert_eq!(seen(&app, "/docs/").await.0, StatusCode::OK);
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(outside).ok();
}

#[tokio::test]
async fn compressed_copies_that_link_out_of_the_folder_are_refused() {
    let outside = temp_dir("static-outside-compressed");
    std::fs::write(outside.join("secret.br"), "outside secret").unwrap();
    let dir = temp_dir("static-hostile-compressed");
    // A plain file inside with its brotli copy linked out, and a brotli copy alone.
    std::fs::write(dir.join("app.js"), "console.log(1)").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.br"), dir.join("app.js.br")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.br"), dir.join("alone.js.br")).unwrap();
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/index.html"), "docs").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.br"), dir.join("docs/index.html.br")).unwrap();
    let app = static_files::router(&dir, None);

    for path in ["/app.js", "/alone.js", "/docs/"] {
        let req = axum::http::Request::get(path)
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .body(axum::body::Body::empty())
            .unwrap();
        let res = call(&app, req).await;
        let status = res.status();
        let text = String::from_utf8_lossy(&bytes(res).await).into_owned();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {text}");
        assert!(!text.contains("outside secret"), "{path}: {text}");
    }
    std::fs::remove_dir_all(dir).ok();
    std::fs::remove_dir_all(outside).ok();
}

#[tokio::test]
async fn no_answer_names_a_path_on_the_server() {
    let dir = temp_dir("static-unbuilt");
    let app = static_files::router(&dir, None);
    let shown = dir.to_string_lossy().into_owned();
    for path in ["/", "/index.html", "/missing.js", "/a/b/"] {
        let (_, text) = seen(&app, path).await;
        assert!(!text.contains(&shown), "{path}: {text}");
        assert!(!text.contains("/tmp"), "{path}: {text}");
    }
    std::fs::remove_dir_all(dir).ok();
}
