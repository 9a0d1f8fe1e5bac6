//! The configuration's layers, defaults and refusals.

use super::*;
use std::io::Write;

/// The configuration with only these variables set (no file, no flags).
fn with_env(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::load(None, &env(pairs), &Overrides::default())
}

/// A `trustdesk.toml` holding `text`.
fn toml(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "{text}").unwrap();
    file
}

/// The configuration of `file` and these variables (no flags).
fn with_file(
    file: &tempfile::NamedTempFile,
    pairs: &[(&str, &str)],
) -> Result<Config, ConfigError> {
    Config::load(Some(file.path()), &env(pairs), &Overrides::default())
}

/// Address blocks as the configuration shows them.
fn shown(blocks: &[crate::client_addr::IpBlock]) -> Vec<String> {
    blocks.iter().map(ToString::to_string).collect()
}

/// Each of these variables, alone, is refused, in a message that names it.
fn refused(variables: &[(&str, &str)]) {
    for (key, value) in variables {
        let e = with_env(&[(key, value)]).unwrap_err();
        assert_eq!(e.source_name, *key, "{value}: {e}");
    }
}

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_when_nothing_is_set() {
    let config = with_env(&[]).unwrap();
    assert_eq!(config.listen, "127.0.0.1:3000".parse().unwrap());
    assert_eq!(config.database_path(), PathBuf::from("data/trustdesk.db"));
    assert_eq!(config.session_idle_timeout, Duration::from_secs(8 * 3600));
    assert!(!config.cookies_are_secure());
}

#[test]
fn file_then_environment_then_flags() {
    let file = toml("listen = \"127.0.0.1:4000\"\ndata_dir = \"/srv/td\"\nsession_idle_timeout = \"30m\"\nlog_format = \"json\"");
    let config = Config::load(
        Some(file.path()),
        &env(&[
            ("TRUSTDESK_LISTEN", "127.0.0.1:5000"),
            ("TRUSTDESK_PUBLIC_URL", "https://td.example.com/"),
        ]),
        &Overrides {
            listen: None,
            data_dir: Some(PathBuf::from("/flag")),
            demo: false,
        },
    )
    .unwrap();
    assert_eq!(
        config.listen,
        "127.0.0.1:5000".parse().unwrap(),
        "env beats file"
    );
    assert_eq!(config.data_dir, PathBuf::from("/flag"), "flag beats file");
    assert_eq!(
        config.session_idle_timeout,
        Duration::from_secs(1800),
        "file beats default"
    );
    assert_eq!(config.log_format, LogFormat::Json);
    assert_eq!(config.public_url.as_deref(), Some("https://td.example.com"));
    assert!(config.cookies_are_secure());
}

#[test]
fn bad_values_name_their_source() {
    refused(&[
        ("TRUSTDESK_LISTEN", "nowhere"),
        ("TRUSTDESK_SESSION_IDLE_TIMEOUT", "soon"),
        ("TRUSTDESK_PUBLIC_URL", "ftp://x"),
    ]);
}

#[test]
fn sync_settings_and_time_zone() {
    let config = with_env(&[
        ("TRUSTDESK_SYNC_INTERVAL", "5m"),
        ("TRUSTDESK_SYNC_CONCURRENCY", "8"),
        ("TRUSTDESK_TIME_ZONE", "Europe/Berlin"),
    ])
    .unwrap();
    assert_eq!(config.sync.interval, Duration::from_secs(300));
    assert_eq!(config.sync.concurrency, 8);
    assert_eq!(config.time_zone, chrono_tz::Europe::Berlin);
    refused(&[
        ("TRUSTDESK_SYNC_INTERVAL", "10s"),
        ("TRUSTDESK_SYNC_CONCURRENCY", "0"),
        ("TRUSTDESK_SYNC_CONCURRENCY", "many"),
        ("TRUSTDESK_TIME_ZONE", "Mars/Olympus"),
    ]);
}

#[test]
fn the_audit_key_is_read_at_load_and_a_bad_one_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("audit.key");
    std::fs::write(&good, [0x5a; 32]).unwrap();
    let config = with_env(&[("TRUSTDESK_AUDIT_KEY_FILE", good.to_str().unwrap())]).unwrap();
    assert_eq!(
        config.audit_key,
        Some(AuditKey::from_bytes(vec![0x5a; 32]).unwrap())
    );
    assert!(!format!("{config:?}").contains("5a5a"), "{config:?}");

    let short = dir.path().join("short.key");
    std::fs::write(&short, [1; 16]).unwrap();
    let e = with_env(&[("TRUSTDESK_AUDIT_KEY_FILE", short.to_str().unwrap())]).unwrap_err();
    assert_eq!(e.source_name, "TRUSTDESK_AUDIT_KEY_FILE");
    assert!(e.message.contains("16 bytes"), "{e}");

    let file = toml(&format!(
        "audit_key_file = \"{}\"",
        dir.path().join("missing").display()
    ));
    let e = with_file(&file, &[]).unwrap_err();
    assert!(e.source_name.ends_with("audit_key_file"), "{e}");
    assert!(e.message.contains("cannot read the audit key file"), "{e}");
}

#[test]
fn security_settings_from_the_file_and_the_environment() {
    let file = toml("trusted_proxies = [\"10.0.0.0/8\", \"2001:db8::1\"]\naws_reads_per_minute = 12\naudit_repeat_window = \"30s\"");
    let config = with_file(
        &file,
        &[
            ("TRUSTDESK_VIEWER_REFRESH_INTERVAL", "10m"),
            ("TRUSTDESK_SIGN_IN_DELAY", "2s"),
        ],
    )
    .unwrap();
    let security = &config.security;
    let proxies = shown(security.trusted_proxies.blocks());
    assert_eq!(proxies, ["10.0.0.0/8", "2001:db8::1/128"]);
    assert_eq!(security.aws_reads.per_minute, 12);
    assert_eq!(security.sign_in_delay, Duration::from_secs(2));
    assert_eq!(security.audit_repeat_window, Duration::from_secs(30));
    assert_eq!(
        security.aws_reads.viewer_refresh_interval,
        Duration::from_secs(600)
    );
    let config = with_file(
        &file,
        &[
            ("TRUSTDESK_TRUSTED_PROXIES", " 127.0.0.1 , 192.0.2.0/24,"),
            ("TRUSTDESK_AWS_READS_PER_MINUTE", "40"),
        ],
    )
    .unwrap();
    assert_eq!(
        config.security.trusted_proxies.blocks().len(),
        2,
        "env beats file"
    );
    assert_eq!(config.security.aws_reads.per_minute, 40);
    refused(&[
        ("TRUSTDESK_TRUSTED_PROXIES", "10.0.0.0/33"),
        ("TRUSTDESK_TRUSTED_PROXIES", "proxy.example.com"),
        ("TRUSTDESK_AWS_READS_PER_MINUTE", "0"),
        ("TRUSTDESK_AWS_READS_PER_MINUTE", "lots"),
        ("TRUSTDESK_AUDIT_REPEAT_WINDOW", "10ms"),
        ("TRUSTDESK_SIGN_IN_DELAY", "10ms"),
        ("TRUSTDESK_SIGN_IN_DELAY", "2h"),
    ]);
}

#[test]
fn unknown_keys_in_the_file_are_refused() {
    let file = toml("lisen = \"127.0.0.1:4000\"");
    let e = with_file(&file, &[]).unwrap_err();
    assert!(e.message.contains("lisen"), "{e}");
}

#[test]
fn metrics_access_is_loopback_unless_configured_and_the_token_is_read_at_start() {
    let default = with_env(&[]).unwrap();
    assert_eq!(shown(&default.metrics.allow), ["127.0.0.0/8", "::1/128"]);
    assert_eq!(default.metrics.token, None);

    let mut token = tempfile::NamedTempFile::new().unwrap();
    writeln!(token, "  a-token-of-twenty-chars  \nignored").unwrap();
    let file = toml(&format!(
        "metrics_allow = [\"10.8.0.0/24\"]\nmetrics_token_file = \"{}\"",
        token.path().display()
    ));
    let config = with_file(&file, &[]).unwrap();
    assert_eq!(config.metrics.allow, ["10.8.0.0/24".parse().unwrap()]);
    assert_eq!(
        config.metrics.token.as_ref().map(|t| t.expose()),
        Some("a-token-of-twenty-chars")
    );
    assert!(!format!("{config:?}").contains("a-token-of"), "redacted");
    let none = with_file(&file, &[("TRUSTDESK_METRICS_ALLOW", "")]).unwrap();
    assert!(none.metrics.allow.is_empty(), "env beats file");

    let mut short = tempfile::NamedTempFile::new().unwrap();
    write!(short, "short-secret").unwrap();
    let short_path = short.path().display().to_string();
    for (key, value) in [
        ("TRUSTDESK_METRICS_ALLOW", "10.0.0.0/33"),
        ("TRUSTDESK_METRICS_TOKEN_FILE", "/no/such/token"),
        ("TRUSTDESK_METRICS_TOKEN_FILE", short_path.as_str()),
    ] {
        let e = with_env(&[(key, value)]).unwrap_err();
        assert_eq!(e.source_name, key, "{value}: {e}");
        assert!(!e.message.contains("short-secret"), "{e}");
    }
}

#[test]
fn instance_metadata_is_auto_unless_switched_in_the_file_or_the_environment() {
    use super::InstanceMetadata;
    let none = with_env(&[]).unwrap();
    assert_eq!(none.aws_instance_metadata, InstanceMetadata::Auto);
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "aws_instance_metadata = false").unwrap();
    let from_file = with_file(&file, &[]).unwrap();
    assert_eq!(from_file.aws_instance_metadata, InstanceMetadata::Off);
    let from_env = with_file(&file, &[("TRUSTDESK_AWS_INSTANCE_METADATA", "true")]).unwrap();
    assert_eq!(
        from_env.aws_instance_metadata,
        InstanceMetadata::On,
        "env beats file"
    );
    let e = with_env(&[("TRUSTDESK_AWS_INSTANCE_METADATA", "sometimes")]).unwrap_err();
    assert_eq!(e.source_name, "TRUSTDESK_AWS_INSTANCE_METADATA", "{e}");
}

#[test]
fn the_demo_at_scale_is_asked_for_by_true_or_1_and_anything_else_is_refused() {
    assert!(!with_env(&[]).unwrap().demo_scale);
    for yes in ["true", "1"] {
        assert!(
            with_env(&[("TRUSTDESK_DEMO_SCALE", yes)])
                .unwrap()
                .demo_scale
        );
    }
    assert!(
        !with_env(&[("TRUSTDESK_DEMO_SCALE", "0")])
            .unwrap()
            .demo_scale
    );
    refused(&[("TRUSTDESK_DEMO_SCALE", "yes please")]);
}
