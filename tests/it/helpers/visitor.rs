//! A browser-like HTTP client for portal tests that need no real browser: a cookie jar,
//! `Accept: text/html`, and the fetch metadata Chromium sends on same-origin form posts.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::{Resp, TestApp};

/// A browser-like HTTP client: a cookie jar, `Accept: text/html`, and the fetch metadata
/// Chromium sends on same-origin form posts.
pub struct Visitor<'a> {
    pub app: &'a TestApp,
    jar: Mutex<BTreeMap<String, String>>,
    pub accept_language: Option<&'static str>,
}

impl<'a> Visitor<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            jar: Mutex::new(BTreeMap::new()),
            accept_language: None,
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar
            .lock()
            .unwrap()
            .insert(name.to_owned(), value.to_owned());
    }

    fn absorb(&self, r: &Resp) {
        let mut jar = self.jar.lock().unwrap();
        for v in r.headers.get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
    }

    fn request(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let cookies: Vec<String> = self
            .jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut req = req.header("accept", "text/html,application/xhtml+xml");
        if !cookies.is_empty() {
            req = req.header("cookie", cookies.join("; "));
        }
        if let Some(l) = self.accept_language {
            req = req.header("accept-language", l);
        }
        req
    }

    pub async fn get(&self, path: &str) -> Resp {
        let r = self
            .app
            .send(self.request(self.app.client.get(self.app.url(path))))
            .await;
        self.absorb(&r);
        r
    }

    /// A form post with extra headers (the default: `Sec-Fetch-Site: same-origin`).
    pub async fn post_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Resp {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req = self
            .request(self.app.client.post(self.app.url(path)))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = self.app.send(req).await;
        self.absorb(&r);
        r
    }

    /// A same-origin form post.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        self.post_with(path, fields, &[("sec-fetch-site", "same-origin")])
            .await
    }

    /// The CSRF token of the page at `path`.
    pub async fn csrf(&self, path: &str) -> String {
        let r = self.get(path).await;
        csrf_of(&r.text)
    }

    /// Signs in through the sign-in form; asserts it worked.
    pub async fn sign_in(&self, email: &str, password: &str) {
        let csrf = self.csrf("/login").await;
        let r = self
            .post(
                "/login",
                &[("_csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        assert_eq!(r.status, 303, "sign-in of {email}: {}", r.text);
        assert!(self.cookie("coprocure").is_some());
    }
}

/// The `_csrf` value of the first form in `html`.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 20;
    html[at..].split('"').next().unwrap().to_owned()
}
