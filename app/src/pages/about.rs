//! `/about`: who is signed in, this trustdesk's version, its database and where its AWS calls
//! go (the system's cards, out of the way of the daily pages).

use super::{PageTitle, CARD};
use crate::api::session::get_about;
use crate::components::Loaded;
use leptos::prelude::*;

#[component]
pub fn AboutPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_about());
    view! {
        <PageTitle title="About" />
        <Loaded data let:d>
            {
                let db = match d.database {
                    Ok(db) => view! {
                        <dl class="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
                            <dt class="sub">"Status"</dt>
                            <dd id="db-status" class="font-medium text-emerald-700 dark:text-emerald-400">"OK"</dd>
                            <dt class="sub">"File"</dt>
                            <dd class="break-all font-mono text-xs">{db.path}</dd>
                            <dt class="sub">"Size"</dt>
                            <dd>{format_bytes(db.size_bytes)}</dd>
                            <dt class="sub">"Journal"</dt>
                            <dd>{db.journal_mode}</dd>
                            <dt class="sub">"Schema version"</dt>
                            <dd>{db.schema_version}</dd>
                            <dt class="sub">"Users"</dt>
                            <dd>{db.users}</dd>
                            <dt class="sub">"Audit rows"</dt>
                            <dd>{db.audit_rows}</dd>
                        </dl>
                    }.into_any(),
                    Err(message) => view! {
                        <p id="db-status" role="alert" class="text-red-700 dark:text-red-400">{message}</p>
                    }.into_any(),
                };
                view! {
                    <div class="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
                        <section class=CARD aria-labelledby="card-user">
                            <h2 id="card-user" class="mb-2 font-semibold">"Signed in"</h2>
                            <p id="about-user" class="text-lg">{d.user.username.clone()}</p>
                            <p class="sub text-sm">{d.user.role.describe()}</p>
                        </section>
                        <section class=CARD aria-labelledby="card-version">
                            <h2 id="card-version" class="mb-2 font-semibold">"trustdesk"</h2>
                            <p>"Version " <span id="version">{d.version}</span></p>
                        </section>
                        <section class=CARD aria-labelledby="card-db">
                            <h2 id="card-db" class="mb-2 font-semibold">"Database"</h2>
                            {db}
                        </section>
                        <section class=CARD aria-labelledby="card-aws">
                            <h2 id="card-aws" class="mb-2 font-semibold">"AWS"</h2>
                            <AwsTargetSummary aws=d.aws />
                        </section>
                    </div>
                }
            }
        </Loaded>
    }
}

#[component]
fn AwsTargetSummary(aws: crate::model::AwsTarget) -> impl IntoView {
    let endpoint = aws
        .endpoint_url
        .clone()
        .unwrap_or_else(|| "AWS's own endpoints".to_string());
    view! {
        <dl class="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
            <dt class="sub">"Endpoint"</dt>
            <dd id="aws-endpoint" class="break-all font-mono text-xs">{endpoint}</dd>
            {aws.demo.then(|| view! {
                <dt class="sub">"Demo data"</dt>
                <dd id="aws-demo">
                    "Emulated accounts 123456789012 (prod) and 210987654321 (dev), regions us-east-1 and eu-west-1"
                </dd>
            })}
        </dl>
    }
}

fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bytes_are_human_sized() {
        assert_eq!(super::format_bytes(512), "512 B");
        assert_eq!(super::format_bytes(1536), "1.5 KiB");
        assert_eq!(super::format_bytes(3 * 1024 * 1024), "3.0 MiB");
    }
}
