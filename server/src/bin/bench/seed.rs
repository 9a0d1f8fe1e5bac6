//! The cache the benchmark measures against: 100,000 items across kinds, two accounts, two
//! regions, three tags each, expiries spread over a year.

use app::model::{AwsItem, Field, ResourceKind, ResourceRef, Tag};
use server::store::{resources, timestamp, Db};
use std::time::Instant;

pub const ITEMS: usize = 100_000;
/// Items of the kind whose inventory page the benchmark filters.
pub const PAGE_KIND_ITEMS: usize = 10_000;
const TEAMS: [&str; 4] = ["platform", "security", "data", "web"];

pub fn item(kind: ResourceKind, n: usize) -> AwsItem {
    let account = if n.is_multiple_of(2) { "prod" } else { "dev" };
    let region = if n.is_multiple_of(3) {
        "eu-west-1"
    } else {
        "us-east-1"
    };
    let now = chrono::Utc::now();
    let expires = kind
        .has_expiry()
        .then(|| timestamp(now + chrono::Duration::hours(n as i64 % 9_000 - 1_000)));
    AwsItem {
        item: ResourceRef {
            kind,
            account: account.into(),
            region: region.into(),
            id: format!("{}-{n:08}", kind.as_str()),
        },
        account_id: if account == "prod" {
            "123456789012"
        } else {
            "210987654321"
        }
        .into(),
        name: format!("item {n} of {}", kind.title()),
        status: if n.is_multiple_of(7) {
            "expired"
        } else {
            "valid"
        }
        .into(),
        expires_at: expires,
        tags: vec![
            Tag {
                key: "Owner".into(),
                value: format!("owner{}@example.com", n % 50),
            },
            Tag {
                key: "Team".into(),
                value: TEAMS[n % TEAMS.len()].into(),
            },
            Tag {
                key: "CostCentre".into(),
                value: format!("CC-{}", n % 20),
            },
        ],
        fields: vec![Field {
            label: "ARN".into(),
            value: format!("arn:aws:example:::{n}"),
        }],
        last_seen: timestamp(now),
        expires_in_days: None,
    }
}

/// The kind of the `n`th seeded item: the page kind first, then the others in turn.
fn kind_of(n: usize) -> ResourceKind {
    let others: Vec<ResourceKind> = ResourceKind::ALL
        .into_iter()
        .filter(|k| *k != ResourceKind::VerificationToken)
        .collect();
    if n < PAGE_KIND_ITEMS {
        ResourceKind::VerificationToken
    } else {
        others[n % others.len()]
    }
}

/// Where the `n`th seeded item is.
pub fn item_ref(n: usize) -> ResourceRef {
    item(kind_of(n), n).item
}

/// Kinds whose item page also reads AWS as it opens: a managed policy's document, the roles an
/// instance profile without one could take. The benchmark has no AWS, and those reads measure
/// AWS's latency (and trustdesk's per-user limit on AWS reads), not trustdesk's.
const READ_AWS_ON_VIEW: [ResourceKind; 2] =
    [ResourceKind::ManagedPolicy, ResourceKind::InstanceProfile];

/// The first seeded item from the `n`th on whose page is read from the cache alone.
pub fn cached_only_item(n: usize) -> ResourceRef {
    (n..)
        .map(|n| item_ref(n % ITEMS))
        .find(|item| !READ_AWS_ON_VIEW.contains(&item.kind))
        .expect("the seed has items of other kinds")
}

/// How many seeded items are of `kind`.
pub fn items_of(kind: ResourceKind) -> usize {
    (0..ITEMS).filter(|n| kind_of(*n) == kind).count()
}

pub async fn seed(db: &Db) {
    let started = Instant::now();
    let mut tx = db.begin_write().await.expect("transaction");
    for n in 0..ITEMS {
        resources::upsert(&mut tx, &item(kind_of(n), n))
            .await
            .expect("seed item");
    }
    tx.commit().await.expect("commit");
    println!(
        "seeded {ITEMS} cached items ({PAGE_KIND_ITEMS} verification tokens) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
