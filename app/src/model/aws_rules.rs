//! AWS's input rules, checked in the browser and again on the server before anything is sent.

use super::error::{AppError, FieldErrors};
use super::resource::{
    NewIdentitySource, NewLicenseToken, NewVerificationToken, Tag, TrustProviderForm,
    LICENSE_TOKEN_DEFAULT_DAYS,
};

pub const EC2_TAG_KEY_MAX: usize = 127;
pub const TAG_VALUE_MAX: usize = 256;
pub const MAX_TAGS: usize = 50;

/// `us-east-1`, `eu-west-2`, `us-gov-west-1`…
pub fn is_aws_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && !parts[parts.len() - 1].is_empty()
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
}

/// An EC2 tag key: 1–127 characters, not starting with `aws:`.
pub fn check_ec2_tag_key(key: &str) -> Result<(), String> {
    if key.trim().is_empty() {
        return Err("A tag key cannot be empty.".into());
    }
    if key.chars().count() > EC2_TAG_KEY_MAX {
        return Err(format!(
            "Tag key \"{}…\" is longer than {EC2_TAG_KEY_MAX} characters.",
            key.chars().take(20).collect::<String>()
        ));
    }
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(format!(
            "Tag key \"{key}\" starts with aws:, which AWS reserves."
        ));
    }
    Ok(())
}

pub fn check_tag_value(key: &str, value: &str) -> Result<(), String> {
    if value.chars().count() > TAG_VALUE_MAX {
        return Err(format!(
            "The value of tag \"{key}\" is longer than {TAG_VALUE_MAX} characters."
        ));
    }
    Ok(())
}

pub fn check_ec2_tag(tag: &Tag) -> Result<(), String> {
    check_ec2_tag_key(&tag.key)?;
    check_tag_value(&tag.key, &tag.value)
}

/// One tag set from the tag editor, trimmed, with each field's error on that field.
pub fn check_tag_edit(key: &str, value: &str) -> Result<Tag, AppError> {
    let tag = Tag {
        key: key.trim().to_string(),
        value: value.trim().to_string(),
    };
    let mut errors = FieldErrors::new();
    errors.check("key", check_ec2_tag_key(&tag.key));
    errors.check("value", check_tag_value(&tag.key, &tag.value));
    errors.into_result()?;
    Ok(tag)
}

/// Where a new verification token goes and what it carries, once the form is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationTokenRequest {
    pub account: String,
    pub region: String,
    pub ipam_id: String,
    pub tags: Vec<Tag>,
}

/// CreateIpamExternalResourceVerificationToken's rules for the form.
pub fn check_verification_token(
    form: &NewVerificationToken,
) -> Result<VerificationTokenRequest, AppError> {
    let mut errors = FieldErrors::new();
    let target: Vec<&str> = form.ipam.splitn(3, '/').collect();
    let ipam_ok = target.len() == 3
        && !target[0].is_empty()
        && is_aws_region(target[1])
        && target[2].starts_with("ipam-");
    errors.check(
        "ipam",
        if ipam_ok {
            Ok(())
        } else {
            Err("Choose the IPAM that will create the token.".into())
        },
    );
    let tags = parse_ec2_tags(&form.tags);
    errors.check("tags", tags.as_ref().map(|_| ()).map_err(Clone::clone));
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok(VerificationTokenRequest {
        account: target[0].to_string(),
        region: target[1].to_string(),
        ipam_id: target[2].to_string(),
        tags: tags.unwrap_or_default(),
    })
}

/// Parses `Key=Value` lines (blank lines ignored; `Key` alone means an empty value) and checks
/// them against EC2's rules: at most 50 tags, no key twice.
pub fn parse_ec2_tags(text: &str) -> Result<Vec<Tag>, String> {
    let mut tags: Vec<Tag> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let tag = Tag {
            key: key.trim().to_string(),
            value: value.trim().to_string(),
        };
        check_ec2_tag(&tag).map_err(|e| format!("Line {}: {e}", n + 1))?;
        if tags.iter().any(|t| t.key == tag.key) {
            return Err(format!(
                "Line {}: tag key \"{}\" appears twice.",
                n + 1,
                tag.key
            ));
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        return Err(format!(
            "{} tags given; AWS allows at most {MAX_TAGS} per resource.",
            tags.len()
        ));
    }
    Ok(tags)
}

/// A client token: 1–64 printable ASCII characters.
pub fn check_client_token(token: &str) -> Result<(), String> {
    if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            "The form's idempotency token is missing or malformed; reload the page.".into(),
        );
    }
    Ok(())
}

fn check_https(value: &str, what: &str) -> Result<(), String> {
    let rest = value.strip_prefix("https://").unwrap_or_default();
    if rest.is_empty() || value.chars().any(char::is_whitespace) || rest.starts_with('/') {
        return Err(format!("{what} must be an https:// URL."));
    }
    Ok(())
}

fn required(value: &str, what: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{what} is required."))
    } else {
        Ok(())
    }
}

/// `account/region`, as the create forms name where an item goes.
pub fn check_target(target: &str) -> Result<(), String> {
    match target.split_once('/') {
        Some((account, region)) if !account.is_empty() && is_aws_region(region) => Ok(()),
        _ => Err("Choose the account and region.".into()),
    }
}

/// The rules of CreateVerifiedAccessTrustProvider (`creating`) or
/// ModifyVerifiedAccessTrustProvider for the form's fields.
pub fn check_trust_provider(form: &TrustProviderForm, creating: bool) -> Result<(), AppError> {
    let mut errors = FieldErrors::new();
    let user = form.trust_provider_type == "user";
    let oidc = user && form.user_trust_provider_type == "oidc";
    if creating {
        errors.check("target", check_target(&form.target));
        errors.check(
            "trust_provider_type",
            match form.trust_provider_type.as_str() {
                "user" | "device" => Ok(()),
                _ => Err("Choose user or device.".into()),
            },
        );
        if user {
            errors.check(
                "user_trust_provider_type",
                match form.user_trust_provider_type.as_str() {
                    "iam-identity-center" | "oidc" => Ok(()),
                    _ => Err(
                        "A user trust provider needs a type: IAM Identity Center or OIDC.".into(),
                    ),
                },
            );
        } else if form.trust_provider_type == "device" {
            let device_type = form.device_trust_provider_type.as_str();
            errors.check(
                "device_trust_provider_type",
                match device_type {
                    "jamf" | "crowdstrike" | "jumpcloud" => Ok(()),
                    _ => Err(
                        "A device trust provider needs a type: Jamf, CrowdStrike or JumpCloud."
                            .into(),
                    ),
                },
            );
            if device_type != "crowdstrike" {
                errors.check(
                    "device_tenant_id",
                    required(&form.device_tenant_id, "The tenant ID"),
                );
            }
        }
        let name = &form.policy_reference_name;
        let valid_name = name.len() <= 64
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        errors.check(
            "policy_reference_name",
            if valid_name {
                Ok(())
            } else {
                Err(
                    "Start with a letter or _, then letters, digits or _; at most 64 characters."
                        .into(),
                )
            },
        );
        errors.check("tags", parse_ec2_tags(&form.tags).map(|_| ()));
        errors.check("client_token", check_client_token(&form.client_token));
    }
    errors.check(
        "description",
        if form.description.chars().count() > 255 {
            Err("At most 255 characters.".into())
        } else {
            Ok(())
        },
    );
    let endpoints = [
        ("oidc_issuer", &form.oidc_issuer, "The issuer"),
        (
            "oidc_authorization_endpoint",
            &form.oidc_authorization_endpoint,
            "The authorization endpoint",
        ),
        (
            "oidc_token_endpoint",
            &form.oidc_token_endpoint,
            "The token endpoint",
        ),
        (
            "oidc_user_info_endpoint",
            &form.oidc_user_info_endpoint,
            "The user info endpoint",
        ),
    ];
    for (field, value, what) in endpoints {
        if creating && oidc {
            errors.check(
                field,
                required(value, what).and_then(|_| check_https(value, what)),
            );
        } else if !value.is_empty() {
            errors.check(field, check_https(value, what));
        }
    }
    if creating && oidc {
        errors.check(
            "oidc_client_id",
            required(&form.oidc_client_id, "The client ID"),
        );
        errors.check(
            "oidc_client_secret",
            required(&form.oidc_client_secret, "The client secret"),
        );
    }
    if !form.device_public_signing_key_url.is_empty() {
        errors.check(
            "device_public_signing_key_url",
            check_https(
                &form.device_public_signing_key_url,
                "The public signing key URL",
            ),
        );
    }
    let cmk = form.sse_customer_managed_key.is_some();
    let arn = form.sse_kms_key_arn.trim();
    errors.check(
        "sse_kms_key_arn",
        match (cmk, arn.is_empty()) {
            (true, true) => Err("Give the KMS key ARN of the customer managed key.".into()),
            (false, false) => Err(
                "Tick \"customer managed key\" to use a KMS key, or leave the ARN empty.".into(),
            ),
            (true, false) if !arn.starts_with("arn:aws:kms:") => {
                Err("A KMS key ARN starts with arn:aws:kms:.".into())
            }
            _ => Ok(()),
        },
    );
    errors.into_result()
}

/// Non-empty trimmed lines.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn is_role_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
}

/// CreateToken's rules; returns the days, role ARNs and token properties to send.
pub fn check_license_token(
    form: &NewLicenseToken,
) -> Result<(u32, Vec<String>, Vec<String>), AppError> {
    let mut errors = FieldErrors::new();
    let license_ok = form
        .license
        .splitn(3, '/')
        .nth(2)
        .is_some_and(|arn| arn.starts_with("arn:aws:license-manager:"));
    errors.check(
        "license",
        if license_ok {
            Ok(())
        } else {
            Err("Choose the license the token is for.".into())
        },
    );
    let roles = lines(&form.role_arns);
    errors.check(
        "role_arns",
        match roles.iter().find(|r| !is_role_arn(r)) {
            Some(bad) => Err(format!(
                "\"{bad}\" is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)."
            )),
            None => Ok(()),
        },
    );
    let days = match form.expiration_in_days.trim() {
        "" => Ok(LICENSE_TOKEN_DEFAULT_DAYS),
        text => match text.parse::<u32>() {
            Ok(d) if (1..=730).contains(&d) => Ok(d),
            _ => Err("Give a whole number of days from 1 to 730.".to_string()),
        },
    };
    errors.check(
        "expiration_in_days",
        days.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let properties = lines(&form.token_properties);
    errors.check(
        "token_properties",
        if properties.len() > 3 {
            Err("At most 3 token properties.".into())
        } else {
            Ok(())
        },
    );
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok((
        days.unwrap_or(LICENSE_TOKEN_DEFAULT_DAYS),
        roles,
        properties,
    ))
}

/// CreateIdentitySource's rules; the tags follow AWS's general limits (as EC2's).
pub fn check_identity_source(form: &NewIdentitySource) -> Result<Vec<Tag>, AppError> {
    let mut errors = FieldErrors::new();
    errors.check("target", check_target(&form.target));
    let id = form
        .instance_arn
        .trim()
        .strip_prefix("arn:aws:sso:::instance/")
        .map(|id| id.strip_prefix("sso").unwrap_or(id));
    let arn_ok = id
        .and_then(|id| id.strip_prefix("ins-"))
        .is_some_and(|rest| {
            rest.len() == 16
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        });
    errors.check(
        "instance_arn",
        if arn_ok { Ok(()) } else { Err("An IAM Identity Center instance ARN: arn:aws:sso:::instance/ssoins- and 16 characters.".into()) },
    );
    errors.check(
        "instance_region",
        if is_aws_region(form.instance_region.trim()) {
            Ok(())
        } else {
            Err("The instance's region, such as us-east-1.".into())
        },
    );
    let tags = parse_ec2_tags(&form.tags);
    errors.check("tags", tags.as_ref().map(|_| ()).map_err(Clone::clone));
    errors.check("client_token", check_client_token(&form.client_token));
    errors.into_result()?;
    Ok(tags.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oidc_form() -> TrustProviderForm {
        TrustProviderForm {
            target: "prod/us-east-1".into(),
            trust_provider_type: "user".into(),
            user_trust_provider_type: "oidc".into(),
            policy_reference_name: "okta".into(),
            oidc_issuer: "https://idp.example.com".into(),
            oidc_authorization_endpoint: "https://idp.example.com/authorize".into(),
            oidc_token_endpoint: "https://idp.example.com/token".into(),
            oidc_user_info_endpoint: "https://idp.example.com/userinfo".into(),
            oidc_client_id: "client".into(),
            oidc_client_secret: "secret".into(),
            client_token: "t-1".into(),
            ..Default::default()
        }
    }

    #[test]
    fn trust_provider_required_when_rules() {
        assert!(check_trust_provider(&oidc_form(), true).is_ok());
        let missing = TrustProviderForm {
            oidc_token_endpoint: String::new(),
            oidc_client_secret: String::new(),
            ..oidc_form()
        };
        let error = check_trust_provider(&missing, true).unwrap_err();
        assert!(error.field("oidc_token_endpoint").is_some());
        assert!(error.field("oidc_client_secret").is_some());
        let device = TrustProviderForm {
            trust_provider_type: "device".into(),
            device_trust_provider_type: "jamf".into(),
            ..oidc_form()
        };
        assert!(check_trust_provider(&device, true)
            .unwrap_err()
            .field("device_tenant_id")
            .is_some());
        let crowdstrike = TrustProviderForm {
            device_trust_provider_type: "crowdstrike".into(),
            ..device
        };
        assert!(check_trust_provider(&crowdstrike, true).is_ok());
        let kms = TrustProviderForm {
            sse_kms_key_arn: "arn:aws:kms:us-east-1:1:key/x".into(),
            ..oidc_form()
        };
        assert!(check_trust_provider(&kms, true)
            .unwrap_err()
            .field("sse_kms_key_arn")
            .is_some());
        let bad_name = TrustProviderForm {
            policy_reference_name: "9lives".into(),
            ..oidc_form()
        };
        assert!(check_trust_provider(&bad_name, true)
            .unwrap_err()
            .field("policy_reference_name")
            .is_some());
        // Modify checks only what is given.
        let modify = TrustProviderForm {
            description: "new".into(),
            ..Default::default()
        };
        assert!(check_trust_provider(&modify, false).is_ok());
        let bad_url = TrustProviderForm {
            oidc_token_endpoint: "http://x".into(),
            ..Default::default()
        };
        assert!(check_trust_provider(&bad_url, false)
            .unwrap_err()
            .field("oidc_token_endpoint")
            .is_some());
    }

    #[test]
    fn license_token_rules() {
        let form = NewLicenseToken {
            license: "prod/us-east-1/arn:aws:license-manager::123456789012:license:l-1".into(),
            role_arns: "arn:aws:iam::123456789012:role/consumer\n".into(),
            client_token: "t".into(),
            ..Default::default()
        };
        assert_eq!(check_license_token(&form).unwrap().0, 365, "the default");
        let bad = NewLicenseToken {
            expiration_in_days: "0".into(),
            role_arns: "nope".into(),
            token_properties: "a\nb\nc\nd".into(),
            ..form
        };
        let error = check_license_token(&bad).unwrap_err();
        for field in ["expiration_in_days", "role_arns", "token_properties"] {
            assert!(error.field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn tag_edits_name_the_field_at_fault() {
        assert_eq!(
            check_tag_edit(" Owner ", " x ").unwrap(),
            Tag {
                key: "Owner".into(),
                value: "x".into()
            }
        );
        let error = check_tag_edit("aws:x", "ok").unwrap_err();
        assert!(error.field("key").is_some() && error.field("value").is_none());
        let error = check_tag_edit("Owner", &"v".repeat(257)).unwrap_err();
        assert!(error.field("value").is_some() && error.field("key").is_none());
    }

    #[test]
    fn verification_token_form() {
        let form = NewVerificationToken {
            ipam: "prod/us-east-1/ipam-0abc".into(),
            tags: "A=1".into(),
            client_token: "t".into(),
        };
        let request = check_verification_token(&form).unwrap();
        assert_eq!(
            (
                request.account.as_str(),
                request.region.as_str(),
                request.ipam_id.as_str()
            ),
            ("prod", "us-east-1", "ipam-0abc")
        );
        let bad = NewVerificationToken {
            ipam: "prod/nowhere/ipam-0abc".into(),
            ..form
        };
        assert!(check_verification_token(&bad)
            .unwrap_err()
            .field("ipam")
            .is_some());
    }

    #[test]
    fn regions() {
        assert!(is_aws_region("eu-west-1"));
        assert!(is_aws_region("us-gov-west-1"));
        assert!(!is_aws_region("europe"));
        assert!(!is_aws_region("EU-west-1"));
    }

    #[test]
    fn tag_lines_follow_ec2_rules() {
        let tags = parse_ec2_tags("Owner = net@example.com\n\nTicket\n").unwrap();
        assert_eq!(
            tags,
            vec![
                Tag {
                    key: "Owner".into(),
                    value: "net@example.com".into()
                },
                Tag {
                    key: "Ticket".into(),
                    value: String::new()
                },
            ]
        );
        assert!(parse_ec2_tags("aws:x=1").unwrap_err().contains("aws:"));
        assert!(parse_ec2_tags(&format!("{}=v", "k".repeat(128)))
            .unwrap_err()
            .contains("127"));
        assert!(parse_ec2_tags(&format!("k={}", "v".repeat(257)))
            .unwrap_err()
            .contains("256"));
        assert!(parse_ec2_tags("a=1\na=2").unwrap_err().contains("twice"));
        let many: String = (0..51).map(|i| format!("k{i}=v\n")).collect();
        assert!(parse_ec2_tags(&many).unwrap_err().contains("50"));
        assert!(parse_ec2_tags(&format!("{}=v", "k".repeat(127))).is_ok());
    }
}
