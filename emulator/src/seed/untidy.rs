//! The demo's tag mistakes: a few seeded items break the tags a real organisation requires
//! (`Owner` on everything, `CostCentre` spelled so and valued `CC-` and four digits), the way
//! they do in real accounts, so that trustdesk's demo tag rules have something to report and a
//! bulk edit something to fix. Every other tagged item carries `Owner`, `CostCentre`
//! (`CC-####`), `Team` and `Environment`. The same items on every run ([`UNTIDY`]):
//!
//! | kind | item | accounts | mistake |
//! |---|---|---|---|
//! | IPAM verification tokens | `byoip 2001:db8:2000::/36`, the last of each region's five (200 days) | both, both regions | no `Owner` |
//! | Verified Access trust providers | `jamf_macs`, in each region | both, both regions | `costcenter` for `CostCentre` |
//! | SAML providers | `JumpCloud` (200 days) | both | no `Owner` |
//! | OIDC providers | `app.terraform.io` | both | `costcenter` for `CostCentre` |
//! | instance profiles | `observability-agent` | both | no `Owner` |
//! | virtual MFA devices | `oncall-shared` | prod | `CostCentre=cc-1200` |
//! | server certificates | `partner-sftp-dev` | dev | `CostCentre=1200` |
//!
//! Beside these, the customer managed policy [`super::iam::UNUSED_POLICY`] has no tags at all
//! in either account (no `Owner`, no `CostCentre`). Per account that makes five items without
//! `Owner` (2 tokens, 1 SAML provider, 1 instance profile, 1 policy) and five whose cost centre
//! is wrong (2 trust providers and 1 OIDC provider misspelled, 1 policy without one, and the
//! MFA device in prod or the certificate in dev with a value that is not `CC-####`): see
//! [`ITEMS_WITHOUT_OWNER`] and [`ITEMS_WITH_A_BAD_COST_CENTRE`]. No item that expires within
//! 90 days loses its `Owner`, so every alert still finds its recipient.

use super::{DEV_ACCOUNT, PROD_ACCOUNT};
use crate::tags::Tag;

/// How a seeded item's tags go wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    /// No `Owner` tag.
    NoOwner,
    /// `costcenter` instead of `CostCentre`, with the same value.
    Costcenter,
    /// `CostCentre` with this value, which is not `CC-` and four digits.
    CostCentreValue(&'static str),
}

/// The seeded kinds that carry a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeded {
    /// Named by its `Name` tag.
    VerificationToken,
    /// Named by its policy reference name.
    TrustProvider,
    SamlProvider,
    /// Named by its URL.
    OidcProvider,
    InstanceProfile,
    MfaDevice,
    /// Named without the `-environment` suffix, as [`super::iam::SERVER_CERTIFICATES`] is.
    ServerCertificate,
}

/// One item the seed tags wrongly, in the accounts listed (in every region of them, for EC2).
#[derive(Debug, Clone, Copy)]
pub struct Untidy {
    pub kind: Seeded,
    pub name: &'static str,
    pub accounts: &'static [&'static str],
    pub mistake: Mistake,
}

const BOTH: &[&str] = &[PROD_ACCOUNT, DEV_ACCOUNT];

pub const UNTIDY: [Untidy; 7] = [
    Untidy {
        kind: Seeded::VerificationToken,
        name: "byoip 2001:db8:2000::/36",
        accounts: BOTH,
        mistake: Mistake::NoOwner,
    },
    Untidy {
        kind: Seeded::TrustProvider,
        name: "jamf_macs",
        accounts: BOTH,
        mistake: Mistake::Costcenter,
    },
    Untidy {
        kind: Seeded::SamlProvider,
        name: "JumpCloud",
        accounts: BOTH,
        mistake: Mistake::NoOwner,
    },
    Untidy {
        kind: Seeded::OidcProvider,
        name: "app.terraform.io",
        accounts: BOTH,
        mistake: Mistake::Costcenter,
    },
    Untidy {
        kind: Seeded::InstanceProfile,
        name: "observability-agent",
        accounts: BOTH,
        mistake: Mistake::NoOwner,
    },
    Untidy {
        kind: Seeded::MfaDevice,
        name: "oncall-shared",
        accounts: &[PROD_ACCOUNT],
        mistake: Mistake::CostCentreValue("cc-1200"),
    },
    Untidy {
        kind: Seeded::ServerCertificate,
        name: "partner-sftp",
        accounts: &[DEV_ACCOUNT],
        mistake: Mistake::CostCentreValue("1200"),
    },
];

/// Items without `Owner` per account, the untagged policy included.
pub const ITEMS_WITHOUT_OWNER: usize = 5;
/// Items per account whose `CostCentre` is misspelled, missing or not `CC-####`.
pub const ITEMS_WITH_A_BAD_COST_CENTRE: usize = 5;

/// The mistake the seed makes on this item, if any.
pub fn mistake_of(kind: Seeded, account: &str, name: &str) -> Option<Mistake> {
    UNTIDY
        .iter()
        .find(|u| u.kind == kind && u.name == name && u.accounts.contains(&account))
        .map(|u| u.mistake)
}

/// `tags` as the seed leaves this item: with its mistake, if it has one.
pub fn tags_of(kind: Seeded, account: &str, name: &str, mut tags: Vec<Tag>) -> Vec<Tag> {
    match mistake_of(kind, account, name) {
        None => {}
        Some(Mistake::NoOwner) => tags.retain(|tag| tag.key != "Owner"),
        Some(Mistake::Costcenter) => {
            for tag in tags.iter_mut().filter(|tag| tag.key == "CostCentre") {
                tag.key = "costcenter".to_string();
            }
        }
        Some(Mistake::CostCentreValue(value)) => {
            for tag in tags.iter_mut().filter(|tag| tag.key == "CostCentre") {
                tag.value = value.to_string();
            }
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tidy() -> Vec<Tag> {
        vec![
            Tag::new("Owner", "a@example.com"),
            Tag::new("CostCentre", "CC-1040"),
            Tag::new("Team", "platform"),
        ]
    }

    #[test]
    fn each_mistake_changes_one_tag_and_only_where_listed() {
        let keys = |tags: &[Tag]| -> Vec<String> { tags.iter().map(|t| t.key.clone()).collect() };
        let token = tags_of(
            Seeded::VerificationToken,
            DEV_ACCOUNT,
            "byoip 2001:db8:2000::/36",
            tidy(),
        );
        assert_eq!(keys(&token), ["CostCentre", "Team"]);
        let provider = tags_of(Seeded::TrustProvider, PROD_ACCOUNT, "jamf_macs", tidy());
        assert_eq!(provider[1], Tag::new("costcenter", "CC-1040"));
        let device = tags_of(Seeded::MfaDevice, PROD_ACCOUNT, "oncall-shared", tidy());
        assert_eq!(device[1], Tag::new("CostCentre", "cc-1200"));
        assert_eq!(
            tags_of(Seeded::MfaDevice, DEV_ACCOUNT, "oncall-shared", tidy()),
            tidy(),
            "prod only"
        );
        assert_eq!(
            tags_of(Seeded::SamlProvider, PROD_ACCOUNT, "Okta", tidy()),
            tidy()
        );
    }

    #[test]
    fn the_counts_per_account_are_the_table_s() {
        for account in [PROD_ACCOUNT, DEV_ACCOUNT] {
            let in_account = |wanted: fn(Mistake) -> bool| -> usize {
                UNTIDY
                    .iter()
                    .filter(|u| u.accounts.contains(&account) && wanted(u.mistake))
                    .map(|u| match u.kind {
                        // One in each of the two regions.
                        Seeded::VerificationToken | Seeded::TrustProvider => 2,
                        _ => 1,
                    })
                    .sum()
            };
            // The untagged policy counts once in each.
            assert_eq!(
                in_account(|m| m == Mistake::NoOwner) + 1,
                ITEMS_WITHOUT_OWNER
            );
            assert_eq!(
                in_account(|m| m != Mistake::NoOwner) + 1,
                ITEMS_WITH_A_BAD_COST_CENTRE
            );
        }
    }
}
