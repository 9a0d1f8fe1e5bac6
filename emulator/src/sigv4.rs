//! What the emulator reads from a SigV4 `Authorization` header: who signed (the access key) and
//! for which service and region, which is how AWS routes a request on a shared endpoint. The
//! signature itself is not checked: any key is accepted.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub region: String,
    pub service: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/iam/aws4_request, SignedHeaders=…`.
pub fn credential_scope(authorization: &str) -> Option<CredentialScope> {
    let rest = authorization.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let credential = rest
        .split(',')
        .map(str::trim)
        .find_map(|part| part.strip_prefix("Credential="))?;
    let mut fields = credential.split('/');
    let access_key_id = fields.next()?.to_string();
    let _date = fields.next()?;
    let region = fields.next()?.to_string();
    let service = fields.next()?.to_string();
    (fields.next()? == "aws4_request" && !access_key_id.is_empty()).then_some(CredentialScope {
        access_key_id,
        region,
        service,
    })
}

/// Presigned URLs carry the same scope in the query string.
pub fn credential_scope_from_query(query: &str) -> Option<CredentialScope> {
    let credential = url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "X-Amz-Credential")?
        .1
        .into_owned();
    credential_scope(&format!(
        "AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_key_region_and_service() {
        let scope = credential_scope(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/license-manager/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
        )
        .unwrap();
        assert_eq!(scope.access_key_id, "AKIDEXAMPLE");
        assert_eq!(scope.region, "eu-west-1");
        assert_eq!(scope.service, "license-manager");
    }

    #[test]
    fn rejects_other_schemes_and_truncated_scopes() {
        assert_eq!(credential_scope("Basic dXNlcjpwYXNz"), None);
        assert_eq!(
            credential_scope("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1"),
            None
        );
        assert_eq!(
            credential_scope("AWS4-HMAC-SHA256 SignedHeaders=host"),
            None
        );
    }

    #[test]
    fn reads_presigned_query() {
        let scope = credential_scope_from_query(
            "Action=GetCallerIdentity&X-Amz-Credential=AKID%2F20150830%2Fus-east-1%2Fsts%2Faws4_request",
        )
        .unwrap();
        assert_eq!(scope.service, "sts");
    }
}
