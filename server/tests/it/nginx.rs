//! A real nginx in front of a test's trustdesk, configured as docs/deployment.md's "Behind a TLS proxy"
//! block (without TLS): Debian's nginx-light, which `scripts/setup.sh` installs, started as a
//! single foreground process on a loopback port with every path it writes in a temporary
//! directory, and stopped on drop by killing exactly the process it started.

use crate::smtp_server::free_port;
use std::{
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// Where Debian puts nginx: `/usr/sbin` is not on every user's PATH.
const INSTALLED_AT: &str = "/usr/sbin/nginx";

pub struct Nginx {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

fn binary() -> PathBuf {
    let installed = PathBuf::from(INSTALLED_AT);
    if installed.exists() {
        return installed;
    }
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("nginx"))
            .find(|candidate| candidate.exists())
    });
    on_path.unwrap_or_else(|| {
        panic!(
            "nginx is missing: the proxy tests run Debian's nginx-light; install it with \
             `source scripts/setup.sh && setup_browser` (or `apt-get install nginx-light`)"
        )
    })
}

/// docs/deployment.md's `location /` block, in front of `upstream`, with nginx's own files in `dir`.
fn config(dir: &Path, port: u16, upstream: &str) -> String {
    let dir = dir.display();
    format!(
        r#"daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{
    worker_connections 64;
}}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"#
    )
}

impl Nginx {
    /// nginx passing every request on to `upstream` (`http://127.0.0.1:<port>`).
    pub fn start(upstream: &str) -> Self {
        let binary = binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config(dir.path(), port, upstream)).expect("nginx.conf");
        let log = std::fs::File::create(dir.path().join("output.log")).expect("log file");
        let child = Command::new(&binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            // Before it reads the configuration nginx opens its built-in error log path.
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("start {}: {error}", binary.display()));
        let mut nginx = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            child,
            dir,
        };
        nginx.wait_until_listening();
        nginx
    }

    fn wait_until_listening(&mut self) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            let exited = self.child.try_wait().expect("nginx's status");
            if exited.is_some() || Instant::now() > deadline {
                let read = |name: &str| {
                    std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
                };
                panic!(
                    "nginx did not listen on port {} ({exited:?}): {}{}",
                    self.port,
                    read("output.log"),
                    read("error.log")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // `Child::kill` signals this child's PID only (a single process: no master, no
        // workers); `wait` reaps it so the port is free.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
