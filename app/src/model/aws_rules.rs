//! AWS's input rules, checked in the browser and again on the server before anything is sent.

use super::resource::Tag;

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

pub fn check_ec2_tag(tag: &Tag) -> Result<(), String> {
    check_ec2_tag_key(&tag.key)?;
    if tag.value.chars().count() > TAG_VALUE_MAX {
        return Err(format!(
            "The value of tag \"{}\" is longer than {TAG_VALUE_MAX} characters.",
            tag.key
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

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
