//! IAM server certificates. An item's id is the certificate's name. Before an upload the PEMs
//! are checked (`certificate_pem`). The private key is passed to the SDK and nowhere else: not
//! to the audit, the cache, a log line or an error message.

use app::kinds::server_certificate::{
    check_server_certificate, NewServerCertificate, UploadAnswer,
};
use app::model::{AppError, AwsItem, FieldError, ResourceKind, GLOBAL_REGION};
use app::ports::KindRequest;
use aws_sdk_iam::operation::get_server_certificate::GetServerCertificateOutput;
use aws_sdk_iam::types::ServerCertificate;
use serde_json::{json, Value};

use super::error::{output_of, request_id, AwsFailure};
use super::iam::{create_tags, iam_item_calls, listing_calls, model_tags, PAGE_SIZE};
use super::kind::{form_of, reply, target, At, Done, ItemCalls, KindAdapter, Plan, Planner};
use super::pages::read_listed;
use super::{date, field};

use super::certificate_pem::{check_pems, read_summary};

const KIND: ResourceKind = ResourceKind::ServerCertificate;

iam_item_calls!(ServerCertificates (KIND): server_certificate_name = |_: &At, name: &str| name.to_string(),
    get_server_certificate "iam:GetServerCertificate" => |read: GetServerCertificateOutput, _, at| {
        item(read.server_certificate()?, at)
    },
    delete_server_certificate "iam:DeleteServerCertificate",
    tag_server_certificate "iam:TagServerCertificate",
    untag_server_certificate "iam:UntagServerCertificate");

fn item(certificate: &ServerCertificate, at: &At) -> Option<AwsItem> {
    let metadata = certificate.server_certificate_metadata()?;
    let name = metadata.server_certificate_name();
    let summary = read_summary(
        certificate.certificate_body(),
        certificate.certificate_chain(),
    )
    .unwrap_or_default();
    let expires_at = metadata.expiration().and_then(date);
    let status = at.expiry_status(expires_at.as_deref());
    let chain = summary.chain.join(" → ");
    let fields = [
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
    ];
    let tags = model_tags(certificate.tags());
    Some(AwsItem {
        expires_at,
        ..at.aws_item(KIND, name, name.into(), status.into(), tags, fields)
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
    fn plan_upload(request: &KindRequest) -> Result<Plan, AppError> {
        let form: NewServerCertificate = form_of(request)?;
        let new = check_server_certificate(&form, check_pems)?;
        drop(form);
        let summary = &new.summary;
        // Audited: what the certificate is; never the key.
        let params = json!({
            "name": new.name,
            "path": new.path,
            "subject": summary.subject,
            "not_after": summary.not_after,
            "chain_certificates": summary.chain.len(),
            "tags": new.tags,
        });
        let target = target(KIND, &new.account, GLOBAL_REGION, &new.name);
        let run = |at: At| async move {
            let name = new.name;
            let call = at.iam().await.upload_server_certificate();
            let call = call.server_certificate_name(&name).path(new.path);
            let call = call
                .certificate_body(new.body)
                .set_certificate_chain(new.chain);
            let call = call.private_key(new.private_key);
            let sent = call.set_tags(create_tags(&new.tags)?).send().await;
            let output = output_of(sent, "iam:UploadServerCertificate", &at.scope)
                .map_err(|refused| upload_refusal(refused, &name, &at.scope.account))?;
            let uploaded = output.server_certificate_metadata();
            let name = uploaded.map_or(name.as_str(), |m| m.server_certificate_name());
            let cache = at.fresh(KIND, name).await?;
            let done = Done::created(request_id(&output), cache, "Server certificate uploaded.");
            let target = at.item(KIND, name);
            Ok(Done {
                reply: reply(&UploadAnswer::Uploaded(target)),
                ..done
            })
        };
        Ok(Plan::new("server-certificate.upload", target, params, run))
    }
}

#[async_trait::async_trait]
impl KindAdapter for ServerCertificates {
    /// ListServerCertificates (in pages of 1,000) gives each certificate's metadata but not
    /// its body (for subject, issuer, names and key) or its tags, even since IAM's 2021
    /// tagging update: one GetServerCertificate per certificate reads both.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let listed = at.iam().await.list_server_certificates().into_paginator();
        let listed = listed.page_size(PAGE_SIZE);
        let action = "iam:ListServerCertificates";
        read_listed(
            listed.items().send(),
            action,
            &at.scope,
            |metadata| async move { self.get(at, metadata.server_certificate_name()).await },
        )
        .await
    }

    /// One ListServerCertificates per 1,000 certificates, and one GetServerCertificate each.
    fn fewest_calls(&self, items: u64) -> u64 {
        listing_calls(items) + items
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[("upload", Self::plan_upload)]
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
        let refused = |code: &str, said: &str| {
            AwsFailure::refused_as(code, AppError::new(app::model::ErrorKind::Validation, said))
        };
        let mismatch = upload_refusal(refused("KeyPairMismatch", "no"), "shop", "prod");
        assert!(mismatch
            .error
            .field("private_key")
            .unwrap()
            .contains("choose the key"));
        assert_eq!(mismatch.request_id, "r-1");
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
