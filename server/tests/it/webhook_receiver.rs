//! A real HTTP receiver for webhook posts, as a chat service or a SIEM would run one: started
//! by a test on 127.0.0.1:0 on its own thread, it records every post and answers as the test
//! scripts it (a status, or no answer for longer than trustdesk waits).

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    routing::post,
    Router,
};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// How the receiver answers a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16, &'static str),
    /// No answer for this long, then 200.
    Hang(Duration),
}

/// One post as it arrived, and how it was answered.
#[derive(Debug, Clone)]
pub struct Post {
    pub path: String,
    pub delivery: Option<String>,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
    pub content_type: Option<String>,
    pub body: String,
    pub answer: Answer,
}

impl Post {
    /// Accepted: answered 2xx at once.
    pub fn accepted(&self) -> bool {
        matches!(self.answer, Answer::Status(code, _) if (200..300).contains(&code))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Script {
    posts: Vec<Post>,
    next: VecDeque<Answer>,
    /// Answers once `next` is spent; 200 unless the test sets another.
    otherwise: Option<Answer>,
}

pub struct WebhookReceiver {
    /// `http://127.0.0.1:PORT`; any path is accepted.
    pub url: String,
    script: Arc<Mutex<Script>>,
    stop: Option<oneshot::Sender<()>>,
}

impl WebhookReceiver {
    pub fn start() -> Self {
        let script = Arc::new(Mutex::new(Script::default()));
        let shared = script.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let (bound_tx, bound) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("receiver runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind the receiver");
                bound_tx
                    .send(listener.local_addr().expect("address"))
                    .expect("report the address");
                let router = Router::new()
                    .route("/{*path}", post(receive))
                    .with_state(shared);
                axum::serve(listener, router)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await
                    .expect("the receiver serves");
            });
        });
        let addr = bound.recv().expect("the receiver started");
        Self {
            url: format!("http://{addr}"),
            script,
            stop: Some(stop),
        }
    }

    /// The next posts are answered so, in turn.
    pub fn answer_next(&self, answers: &[Answer]) {
        self.script.lock().unwrap().next.extend(answers);
    }

    /// Every post after the scripted ones is answered so (200 until told otherwise).
    pub fn answer_otherwise(&self, answer: Answer) {
        self.script.lock().unwrap().otherwise = Some(answer);
    }

    pub fn posts(&self) -> Vec<Post> {
        self.script.lock().unwrap().posts.clone()
    }

    pub fn posts_to(&self, path: &str) -> Vec<Post> {
        self.posts()
            .into_iter()
            .filter(|post| post.path == path)
            .collect()
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn receive(
    State(script): State<Arc<Mutex<Script>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, &'static str) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let answer = {
        let mut script = script.lock().unwrap();
        let answer = script
            .next
            .pop_front()
            .or(script.otherwise)
            .unwrap_or(Answer::Status(200, "ok"));
        script.posts.push(Post {
            path: uri.path().to_string(),
            delivery: header("x-trustdesk-delivery"),
            timestamp: header("x-trustdesk-timestamp"),
            signature: header("x-trustdesk-signature"),
            content_type: header("content-type"),
            body: String::from_utf8_lossy(&body).into_owned(),
            answer,
        });
        answer
    };
    match answer {
        Answer::Status(code, text) => (StatusCode::from_u16(code).expect("a status"), text),
        Answer::Hang(time) => {
            tokio::time::sleep(time).await;
            (StatusCode::OK, "late")
        }
    }
}
