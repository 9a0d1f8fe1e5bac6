//! IAM server certificates. An item's id is the certificate's name. Before an upload the PEMs
//! are checked (`certificate_pem`). The private key is passed to the SDK and nowhere else: not
//! to the audit, the cache, a log line or an error message.

use app::kinds::server_certificate::{
    check_server_certificate, NewServerCertificate, ServerCertificateRequest, UploadAnswer,
};
use app::model::{
    AppError, AwsItem, Field, FieldError, ResourceKind, ResourceRef, Tag, GLOBAL_REGION,
};
use app::ports::KindRequest;
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::types::ServerCertificate;
use serde_json::{json, Value};

use super::error::{answered, failure, AwsFailure};
use super::field;
use super::iam::{date, found, model_tags, sdk_tags};
use super::kind::{form_of, reply, unknown_action, At, CacheChange, Done, KindAdapter, Plan};

use super::certificate_pem::{check_pems, read_summary};

const KIND: ResourceKind = ResourceKind::ServerCertificate;

fn item(certificate: &ServerCertificate, at: &At) -> Option<AwsItem> {
    let metadata = certificate.server_certificate_metadata()?;
    let name = metadata.server_certificate_name();
    let summary = read_summary(
        certificate.certificate_body(),
        certificate.certificate_chain(),
    )
    .unwrap_or_default();
    let expires_at = metadata.expiration().and_then(date);
    let status = match &expires_at {
        Some(until) if until.as_str() <= at.seen.as_str() => "expired",
        Some(_) => "valid",
        None => "no expiry",
    };
    let chain = summary.chain.join(" → ");
    let fields: Vec<Field> = [
        field("ARN", Some(metadata.arn())),
        field("Certificate ID", Some(metadata.server_certificate_id())),
        field("Path", Some(metadata.path())),
        field("Uploaded", metadata.upload_date().and_then(date).as_deref()),
        field("Subject", Some(&summary.subject)),
        field("Issuer", Some(&summary.issuer)),
        field("Names", Some(&summary.sans.join(", "))),
        field("Key", Some(&summary.key_type)),
        field("Not before", Some(&summary.not_before)),
        field("Expiration", expires_at.as_deref()),
        field("Chain", Some(&chain)),
    ]
    .into_iter()
    .flatten()
    .collect();
    Some(AwsItem {
        item: at.item(KIND, name),
        account_id: at.scope.account_id.clone(),
        name: name.to_string(),
        status: status.into(),
        expires_at,
        tags: model_tags(certificate.tags()),
        fields,
        last_seen: at.seen.clone(),
        expires_in_days: None,
    })
}

/// AWS's refusals of an upload, said with what to do, on the field at fault where there is one.
fn upload_refusal(mut failure: AwsFailure, name: &str, account: &str) -> AwsFailure {
    let on = |field: &str, message: String| {
        AppError::validation(vec![FieldError {
            field: field.into(),
            message,
        }])
    };
    failure.error = match failure.code.as_str() {
        "EntityAlreadyExists" => AppError::conflict(format!(
            "{account} already has a server certificate named {name} (EntityAlreadyExists): choose another name; IAM cannot replace a certificate in place, so upload the new one beside it and delete the old one once nothing uses it."
        )),
        "KeyPairMismatch" => on(
            "private_key",
            "IAM says this private key does not match the certificate (KeyPairMismatch): choose the key the certificate was issued for.".into(),
        ),
        "MalformedCertificate" => on(
            if failure.error.message.contains("chain") { "chain" } else { "body" },
            format!(
                "IAM could not read the certificate (MalformedCertificate): check that the body is one PEM certificate and the chain holds only its issuers, in order. {}",
                failure.error.message
            ),
        ),
        "LimitExceeded" => AppError::conflict(format!(
            "{account} has as many server certificates as IAM allows (LimitExceeded): delete expired ones, or ask AWS for a higher quota."
        )),
        _ => return failure,
    };
    failure
}

/// The adapter of [`ResourceKind::ServerCertificate`].
pub struct ServerCertificates;

impl ServerCertificates {
    fn plan_upload(form: NewServerCertificate) -> Result<Plan, AppError> {
        let ServerCertificateRequest {
            account,
            name,
            path,
            body,
            chain,
            private_key,
            tags,
            summary,
        } = check_server_certificate(&form, check_pems)?;
        drop(form);
        // Audited: what the certificate is; never the key.
        let params = json!({
            "name": name,
            "path": path,
            "subject": summary.subject,
            "not_after": summary.not_after,
            "chain_certificates": summary.chain.len(),
            "tags": tags,
        });
        Ok(Plan {
            action: "iam.upload_server_certificate",
            target: ResourceRef {
                kind: KIND,
                account,
                region: GLOBAL_REGION.into(),
                id: name.clone(),
            },
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let output = at
                        .iam()
                        .await
                        .upload_server_certificate()
                        .server_certificate_name(&name)
                        .path(path)
                        .certificate_body(body)
                        .set_certificate_chain(chain)
                        .private_key(private_key)
                        .set_tags((!tags.is_empty()).then(|| sdk_tags(&tags)).transpose()?)
                        .send()
                        .await
                        .map_err(|e| {
                            upload_refusal(
                                failure(e, "iam:UploadServerCertificate", &at.scope),
                                &name,
                                &at.scope.account,
                            )
                        })?;
                    let name = output
                        .server_certificate_metadata()
                        .map(|m| m.server_certificate_name())
                        .unwrap_or(&name)
                        .to_string();
                    let target = at.item(KIND, &name);
                    let fresh = ServerCertificates.get(&at, &name).await?;
                    Ok(Done {
                        request_id: output.request_id().unwrap_or_default().to_string(),
                        redirect: Some(target.detail_path()),
                        reply: reply(&UploadAnswer::Uploaded(target.clone())),
                        cache: CacheChange::fresh(target, fresh),
                        flash: "Server certificate uploaded.".into(),
                        shown_once: None,
                    })
                })
            }),
            dry_run: None,
        })
    }
}

#[async_trait::async_trait]
impl KindAdapter for ServerCertificates {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    /// ListServerCertificates lacks the body and tags: GetServerCertificate per item.
    fn fewest_calls(&self, items: u64) -> u64 {
        1 + items
    }

    /// ListServerCertificates (paged with Marker) gives each certificate's metadata but not
    /// its body (for subject, issuer, names and key) or its tags: one GetServerCertificate per
    /// certificate reads both.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let client = at.iam().await;
        let mut items = Vec::new();
        let mut pages = client.list_server_certificates().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| failure(e, "iam:ListServerCertificates", &at.scope))?;
            for metadata in page.server_certificate_metadata_list() {
                if let Some(item) = self.get(at, metadata.server_certificate_name()).await? {
                    items.push(item);
                }
            }
        }
        Ok(items)
    }

    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let output = found(
            at.iam()
                .await
                .get_server_certificate()
                .server_certificate_name(id)
                .send()
                .await,
            "iam:GetServerCertificate",
            &at.scope,
        )?;
        Ok(output
            .as_ref()
            .and_then(|o| o.server_certificate())
            .and_then(|certificate| item(certificate, at)))
    }

    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .delete_server_certificate()
                .server_certificate_name(id)
                .send()
                .await,
            "iam:DeleteServerCertificate",
            &at.scope,
        )
    }

    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .tag_server_certificate()
                .server_certificate_name(id)
                .set_tags(Some(sdk_tags(tags)?))
                .send()
                .await,
            "iam:TagServerCertificate",
            &at.scope,
        )
    }

    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .untag_server_certificate()
                .server_certificate_name(id)
                .set_tag_keys(Some(keys.to_vec()))
                .send()
                .await,
            "iam:UntagServerCertificate",
            &at.scope,
        )
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        match request.action.as_str() {
            "upload" => Self::plan_upload(form_of(&request)?),
            _ => Err(unknown_action(&request)),
        }
    }

    /// "Check certificate": the form's rules and what the certificate is, without uploading.
    fn check(&self, request: &KindRequest) -> Option<Result<(Value, String), AppError>> {
        if request.action != "upload" {
            return None;
        }
        Some(
            form_of::<NewServerCertificate>(request)
                .and_then(|form| check_server_certificate(&form, check_pems))
                .map(|checked| {
                    let sentence = checked.summary.sentence();
                    (reply(&UploadAnswer::Checked(checked.summary)), sentence)
                }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_what_to_do() {
        let refused = |code: &str, said: &str| AwsFailure {
            error: AppError::new(app::model::ErrorKind::Validation, said),
            code: code.into(),
            request_id: "r-2".into(),
        };
        let mismatch = upload_refusal(refused("KeyPairMismatch", "no"), "shop", "prod");
        assert!(mismatch
            .error
            .field("private_key")
            .unwrap()
            .contains("choose the key"));
        assert_eq!(mismatch.request_id, "r-2");
        let chain = upload_refusal(
            refused("MalformedCertificate", "AWS said: Certificate chain: bad"),
            "shop",
            "prod",
        );
        assert!(chain.error.field("chain").is_some());
        let body = upload_refusal(
            refused("MalformedCertificate", "AWS said: bad"),
            "shop",
            "prod",
        );
        assert!(body.error.field("body").is_some());
        let taken = upload_refusal(refused("EntityAlreadyExists", "x"), "shop", "prod");
        assert!(taken.error.message.contains("choose another name"));
        assert_eq!(
            upload_refusal(refused("Other", "x"), "s", "p")
                .error
                .message,
            "x"
        );
    }
}
