//! A few of AWS's own managed policies (`arn:aws:iam::aws:policy/…`): the same in every account,
//! readable with GetPolicy, GetPolicyVersion and ListPolicyVersions, attachable to roles, and
//! not modifiable. Their dates and documents are fixed, so every call answers the same.

use std::sync::LazyLock;

use chrono::{DateTime, TimeZone, Utc};

use super::model::{ManagedPolicy, PolicyVersions};

struct AwsPolicy {
    name: &'static str,
    path: &'static str,
    description: &'static str,
    /// Each version's creation (y, m, d) and document, oldest first; the last is the default.
    versions: &'static [((i32, u32, u32), &'static str)],
}

const POLICIES: [AwsPolicy; 8] = [
    AwsPolicy {
        name: "AdministratorAccess",
        path: "/",
        description: "Provides full access to AWS services and resources.",
        versions: &[(
            (2015, 2, 6),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        )],
    },
    AwsPolicy {
        name: "PowerUserAccess",
        path: "/",
        description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        versions: &[
            (
                (2015, 2, 6),
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
            ),
            (
                (2023, 7, 6),
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions","account:GetAccountInformation"],"Resource":"*"}]}"#,
            ),
        ],
    },
    AwsPolicy {
        name: "ReadOnlyAccess",
        path: "/",
        description: "Provides read-only access to AWS services and resources.",
        versions: &[
            (
                (2015, 2, 6),
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","iam:Get*","iam:List*","s3:Get*","s3:List*"],"Resource":"*"}]}"#,
            ),
            (
                (2024, 11, 20),
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadOnlyActions","Effect":"Allow","Action":["ec2:Describe*","ec2:Get*","iam:Generate*","iam:Get*","iam:List*","license-manager:Get*","license-manager:List*","mpa:Get*","mpa:List*","s3:Get*","s3:List*"],"Resource":"*"}]}"#,
            ),
        ],
    },
    AwsPolicy {
        name: "SecurityAudit",
        path: "/",
        description: "The security audit template grants access to read security configuration metadata. It is useful for software that audits the configuration of an AWS account.",
        versions: &[
            (
                (2015, 2, 6),
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","iam:Get*","iam:List*"],"Resource":"*"}]}"#,
            ),
            (
                (2024, 6, 3),
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"BaseSecurityAuditStatement","Effect":"Allow","Action":["ec2:Describe*","ec2:GetManagedPrefixListEntries","iam:GenerateCredentialReport","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy","license-manager:List*","mpa:List*"],"Resource":"*"}]}"#,
            ),
        ],
    },
    AwsPolicy {
        name: "IAMReadOnlyAccess",
        path: "/",
        description: "Provides read only access to IAM via the AWS Management Console.",
        versions: &[
            (
                (2015, 2, 6),
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}]}"#,
            ),
            (
                (2018, 1, 25),
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}"#,
            ),
        ],
    },
    AwsPolicy {
        name: "AmazonEC2ReadOnlyAccess",
        path: "/",
        description: "Provides read only access to Amazon EC2 via the AWS Management Console.",
        versions: &[(
            (2015, 2, 6),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"},{"Effect":"Allow","Action":["elasticloadbalancing:Describe*","cloudwatch:ListMetrics","cloudwatch:GetMetricStatistics","cloudwatch:Describe*","autoscaling:Describe*"],"Resource":"*"}]}"#,
        )],
    },
    AwsPolicy {
        name: "AWSLicenseManagerConsumptionPolicy",
        path: "/",
        description: "Provides permissions to consume licenses managed by AWS License Manager.",
        versions: &[(
            (2020, 5, 29),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["license-manager:CheckoutLicense","license-manager:CheckInLicense","license-manager:ExtendLicenseConsumption","license-manager:GetLicense","license-manager:GetLicenseUsage"],"Resource":"*"}]}"#,
        )],
    },
    AwsPolicy {
        name: "ViewOnlyAccess",
        path: "/job-function/",
        description: "This policy grants permissions to view resources and basic metadata across all AWS services.",
        versions: &[(
            (2016, 11, 10),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances","iam:List*","s3:ListAllMyBuckets","license-manager:List*"],"Resource":"*"}]}"#,
        )],
    },
];

fn date((year, month, day): (i32, u32, u32)) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 18, 40, 0)
        .single()
        .expect("a valid fixed date")
}

static AWS_MANAGED: LazyLock<Vec<ManagedPolicy>> = LazyLock::new(|| {
    POLICIES
        .iter()
        .enumerate()
        .map(|(i, policy)| {
            let (first, rest) = policy
                .versions
                .split_first()
                .expect("every AWS managed policy has a version");
            let created = date(first.0);
            let mut versions = PolicyVersions::new(first.1, created);
            for (day, document) in rest {
                versions
                    .add(document, date(*day), true)
                    .expect("at most five versions");
            }
            ManagedPolicy {
                arn: format!("arn:aws:iam::aws:policy{}{}", policy.path, policy.name),
                name: policy.name.to_string(),
                id: format!("ANPAAWSMANAGED{i:07}"),
                path: policy.path.to_string(),
                description: Some(policy.description.to_string()),
                versions,
                created,
                tags: Vec::new(),
            }
        })
        .collect()
});

/// AWS's managed policies, which every account sees in ListPolicies.
pub fn aws_managed_policies() -> &'static [ManagedPolicy] {
    &AWS_MANAGED
}

pub fn aws_managed_policy(arn: &str) -> Option<&'static ManagedPolicy> {
    AWS_MANAGED.iter().find(|p| p.arn == arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_policies_have_fixed_arns_dates_and_default_versions() {
        let read_only = aws_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess").unwrap();
        assert_eq!(read_only.versions.default_id(), "v2");
        assert_eq!(read_only.versions.all().len(), 2);
        assert_eq!(read_only.created, date((2015, 2, 6)));
        assert_eq!(read_only.updated(), date((2024, 11, 20)));
        let admin = aws_managed_policy("arn:aws:iam::aws:policy/AdministratorAccess").unwrap();
        assert_eq!(admin.versions.default_id(), "v1");
        assert!(
            aws_managed_policy("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess").is_some()
        );
        assert!(aws_managed_policy("arn:aws:iam::aws:policy/Nope").is_none());
        for policy in aws_managed_policies() {
            assert!(super::super::model::is_aws_managed_arn(&policy.arn));
            for version in policy.versions.all() {
                let parsed: serde_json::Value = serde_json::from_str(&version.document).unwrap();
                assert!(parsed.get("Statement").is_some(), "{}", policy.name);
            }
        }
    }
}
