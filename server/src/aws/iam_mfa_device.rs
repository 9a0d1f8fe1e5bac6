//! IAM virtual MFA devices. An item's id is what follows `:mfa/` in the serial number (which,
//! for virtual devices, is the ARN `arn:aws:iam::ACCOUNT:mfa/PATH/NAME`); the serial number is
//! rebuilt from the account's id. The Base32 seed and QR code CreateVirtualMFADevice returns go
//! to the shown-once page only: never into the cache, the audit trail or a log line.

use app::kinds::mfa_device::{
    check_mfa_device, MfaDeviceRequest, NewMfaDevice, ASSIGNED, UNASSIGNED, USER_FIELD,
};
use app::model::{
    resource::STATUS_DETAIL, AppError, AwsItem, Field, OnceSecret, ResourceKind, ResourceRef,
    SecretValue, Tag, GLOBAL_REGION,
};
use app::ports::KindRequest;
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::operation::RequestId;
use aws_sdk_iam::types::{AssignmentStatusType, VirtualMfaDevice};
use base64::Engine;
use serde_json::{json, Value};

use super::error::{answered, failure, AwsFailure, Scope};
use super::field;
use super::iam::{all_tags, date, model_tags, next_marker, sdk_tags};
use super::kind::{form_of, unknown_action, At, CacheChange, Done, KindAdapter, Plan};

const KIND: ResourceKind = ResourceKind::MfaDevice;
const ARN_PART: &str = ":mfa/";

fn serial(scope: &Scope, id: &str) -> String {
    format!("arn:aws:iam::{}{ARN_PART}{id}", scope.account_id)
}

fn id_of(serial: &str) -> &str {
    serial
        .split_once(ARN_PART)
        .map(|(_, id)| id)
        .unwrap_or(serial)
}

/// A device as the cache keeps it, with its tags. From CreateVirtualMFADevice's answer only the
/// public fields are read here: the seed and QR code are never copied into an item.
fn item(device: &VirtualMfaDevice, tags: Vec<Tag>, at: &At) -> AwsItem {
    let serial_number = device.serial_number();
    let id = id_of(serial_number);
    let (path, name) = match id.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_string(), id),
    };
    let user = device.user();
    let fields: Vec<Field> = [
        field("Serial number (ARN)", Some(serial_number)),
        field("Path", Some(&path)),
        field(
            STATUS_DETAIL,
            user.map(|u| format!("user {}", u.user_name())).as_deref(),
        ),
        field(USER_FIELD, user.map(|u| u.user_name())),
        field("User ARN", user.map(|u| u.arn())),
        field("Enabled", device.enable_date().and_then(date).as_deref()),
    ]
    .into_iter()
    .flatten()
    .collect();
    AwsItem {
        item: at.item(KIND, id),
        account_id: at.scope.account_id.clone(),
        name: name.to_string(),
        status: if user.is_some() { ASSIGNED } else { UNASSIGNED }.into(),
        expires_at: None,
        tags,
        fields,
        last_seen: at.seen.clone(),
        expires_in_days: None,
    }
}

/// A device's tags. ListVirtualMFADevices "does not return tags, even though they are an
/// attribute of the returned object" (IAM's API reference; the SDK's shape has the field, and
/// IAM leaves it empty): one paged ListMFADeviceTags per device reads them.
async fn tags(at: &At, serial_number: &str) -> Result<Vec<Tag>, AwsFailure> {
    let client = at.iam().await;
    let client = &client;
    all_tags(|marker| async move {
        let page = client
            .list_mfa_device_tags()
            .serial_number(serial_number)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| failure(e, "iam:ListMFADeviceTags", &at.scope))?;
        let next = next_marker(page.is_truncated(), page.marker());
        Ok((page.tags().to_vec(), next))
    })
    .await
}

/// Every virtual device of the account, assigned or not (paged).
async fn all_devices(at: &At) -> Result<Vec<VirtualMfaDevice>, AwsFailure> {
    let client = at.iam().await;
    let mut devices = Vec::new();
    let mut pages = client
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Any)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| failure(e, "iam:ListVirtualMFADevices", &at.scope))?;
        devices.extend(page.virtual_mfa_devices().iter().cloned());
    }
    Ok(devices)
}

/// The adapter of [`ResourceKind::MfaDevice`].
pub struct MfaDevices;

impl MfaDevices {
    fn plan_create(form: NewMfaDevice) -> Result<Plan, AppError> {
        let request = check_mfa_device(&form)?;
        let id = request.id();
        let MfaDeviceRequest {
            account,
            name,
            path,
            tags,
        } = request;
        // Only what the form sent: the seed and QR code do not exist yet.
        let params = json!({ "name": name, "path": path, "tags": tags });
        Ok(Plan {
            action: "iam.create_virtual_mfa_device",
            target: ResourceRef {
                kind: KIND,
                account,
                region: GLOBAL_REGION.into(),
                id,
            },
            params,
            run: Box::new(move |at| {
                Box::pin(async move {
                    let client = at.iam().await;
                    let output = client
                        .create_virtual_mfa_device()
                        .virtual_mfa_device_name(&name)
                        .set_path((path != "/").then_some(path))
                        .set_tags((!tags.is_empty()).then(|| sdk_tags(&tags)).transpose()?)
                        .send()
                        .await
                        .map_err(|e| {
                            create_refusal(
                                failure(e, "iam:CreateVirtualMFADevice", &at.scope),
                                &name,
                                &at.scope.account,
                            )
                        })?;
                    let request_id = output.request_id().unwrap_or_default().to_string();
                    let Some(device) = output.virtual_mfa_device() else {
                        return Err(empty_answer(&at));
                    };
                    // CreateVirtualMFADevice answers the tags it was given.
                    let created = item(device, model_tags(device.tags()), &at);
                    let target = created.item.clone();
                    // The SDK has already decoded the base64 of the answer: the seed's bytes
                    // are its Base32 text, the QR code's are the PNG.
                    let seed = device
                        .base32_string_seed()
                        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
                        .unwrap_or_default();
                    let qr_png = device
                        .qr_code_png()
                        .map(|b| base64::engine::general_purpose::STANDARD.encode(b.as_ref()));
                    Ok(Done {
                        request_id,
                        cache: CacheChange::Upsert(created),
                        reply: Value::Null,
                        redirect: None,
                        flash: "Virtual MFA device created.".into(),
                        shown_once: Some(OnceSecret {
                            next: (target.detail_path(), "See the item's details".into()),
                            item: Some(target),
                            title: "Virtual MFA device created".into(),
                            warning: "Scan this QR code with the authenticator app now, or copy the secret seed into it. trustdesk does not keep them and will not show them again; AWS cannot show them again either. Anyone with the seed can generate this device's codes: do not store it in clear. Then enable the device for its user with two consecutive codes.".into(),
                            values: vec![SecretValue {
                                id: "mfa-seed".into(),
                                label: "Secret seed (Base32)".into(),
                                value: seed,
                            }],
                            image_png_base64: qr_png,
                        }),
                    })
                })
            }),
            dry_run: None,
        })
    }
}

/// AWS's refusals of a create, said with what to do.
fn create_refusal(mut failure: AwsFailure, name: &str, account: &str) -> AwsFailure {
    match failure.code.as_str() {
        "EntityAlreadyExists" => {
            failure.error = AppError::conflict(format!(
                "{account} already has a virtual MFA device named {name} at this path (EntityAlreadyExists): choose another name or path, or delete the unused one first."
            ))
        }
        "LimitExceeded" => {
            failure.error = AppError::conflict(format!(
                "{account} has as many MFA devices as IAM allows (LimitExceeded): delete unassigned devices it no longer uses, or ask AWS for a higher quota."
            ))
        }
        _ => {}
    }
    failure
}

fn empty_answer(at: &At) -> AwsFailure {
    tracing::warn!(account = %at.scope.account, "CreateVirtualMFADevice answered without the device");
    AwsFailure {
        error: AppError::unavailable(
            "AWS answered iam:CreateVirtualMFADevice without the device; refresh the inventory to see whether it exists.",
        ),
        code: "EmptyAnswer".into(),
        request_id: String::new(),
    }
}

#[async_trait::async_trait]
impl KindAdapter for MfaDevices {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    /// ListVirtualMFADevices lacks tags here: ListMFADeviceTags per item.
    fn fewest_calls(&self, items: u64) -> u64 {
        1 + items
    }

    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let mut items = Vec::new();
        for device in all_devices(at).await? {
            let tags = tags(at, device.serial_number()).await?;
            items.push(item(&device, tags, at));
        }
        Ok(items)
    }

    /// IAM has no "get" for one virtual device by serial number among the calls trustdesk uses:
    /// the (paged) list is read and the device picked out. Accounts have few devices.
    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let wanted = serial(&at.scope, id);
        let Some(device) = all_devices(at)
            .await?
            .into_iter()
            .find(|device| device.serial_number() == wanted)
        else {
            return Ok(None);
        };
        let tags = tags(at, &wanted).await?;
        Ok(Some(item(&device, tags, at)))
    }

    /// AWS refuses (DeleteConflict) while the device is enabled for a user: the sentence says
    /// what to do first.
    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let result = at
            .iam()
            .await
            .delete_virtual_mfa_device()
            .serial_number(serial(&at.scope, id))
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.request_id().unwrap_or_default().to_string()),
            Err(err) => {
                let said = err
                    .as_service_error()
                    .and_then(|e| e.message())
                    .unwrap_or_default()
                    .to_string();
                let mut mapped = failure(err, "iam:DeleteVirtualMFADevice", &at.scope);
                if mapped.code == "DeleteConflict" {
                    mapped.error = AppError::conflict(format!(
                        "AWS refuses to delete virtual MFA device {id} while it is assigned to a user (DeleteConflict). Deactivate it for its user first (IAM console → Users → the user → Security credentials, or aws iam deactivate-mfa-device), then delete it. AWS said: {said}"
                    ));
                }
                Err(mapped)
            }
        }
    }

    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .tag_mfa_device()
                .serial_number(serial(&at.scope, id))
                .set_tags(Some(sdk_tags(tags)?))
                .send()
                .await,
            "iam:TagMFADevice",
            &at.scope,
        )
    }

    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        answered(
            at.iam()
                .await
                .untag_mfa_device()
                .serial_number(serial(&at.scope, id))
                .set_tag_keys(Some(keys.to_vec()))
                .send()
                .await,
            "iam:UntagMFADevice",
            &at.scope,
        )
    }

    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        match request.action.as_str() {
            "create" => Self::plan_create(form_of(&request)?),
            _ => Err(unknown_action(&request)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_refusals_say_what_to_do() {
        let refused = |code: &str| AwsFailure {
            error: AppError::unavailable("AWS said: no."),
            code: code.into(),
            request_id: "r-1".into(),
        };
        let taken = create_refusal(refused("EntityAlreadyExists"), "alice-phone", "prod");
        assert!(taken.error.message.contains("choose another name"));
        assert_eq!(taken.request_id, "r-1", "kept for the audit trail");
        let full = create_refusal(refused("LimitExceeded"), "alice-phone", "prod");
        assert!(full.error.message.contains("higher quota"));
        assert_eq!(
            create_refusal(refused("Throttling"), "x", "prod")
                .error
                .message,
            "AWS said: no."
        );
    }

    #[test]
    fn ids_map_back_to_the_serial_number_exactly() {
        let scope = Scope::new("prod", "123456789012", GLOBAL_REGION);
        for serial_number in [
            "arn:aws:iam::123456789012:mfa/alice-phone",
            "arn:aws:iam::123456789012:mfa/eng/team/alice-phone",
        ] {
            assert_eq!(serial(&scope, id_of(serial_number)), serial_number);
        }
    }
}
