//! IAM virtual MFA devices. An item's id is what follows `:mfa/` in the serial number (which,
//! for virtual devices, is the ARN `arn:aws:iam::ACCOUNT:mfa/PATH/NAME`); the serial number is
//! rebuilt from the account's id. The Base32 seed and QR code CreateVirtualMFADevice returns go
//! to the shown-once page only: never into the cache, the audit trail or a log line.

use app::kinds::mfa_device::{check_mfa_device, NewMfaDevice, ASSIGNED, UNASSIGNED, USER_FIELD};
use app::model::{
    resource::STATUS_DETAIL, AppError, AwsItem, ResourceKind, SecretValue, Tag, GLOBAL_REGION,
};
use app::ports::KindRequest;
use aws_sdk_iam::types::{AssignmentStatusType, VirtualMfaDevice};
use base64::Engine;
use serde_json::json;

use super::error::{answered, output_of, request_id, said, AwsFailure};
use super::iam::{
    create_tags, iam_tagging, listing_calls, listing_carries_tags, model_tags, Arns, PAGE_SIZE,
};
use super::kind::{
    form_of, target, At, CacheChange, Done, ItemCalls, KindAdapter, Plan, Planner, Tagging,
};
use super::{date, field};

const KIND: ResourceKind = ResourceKind::MfaDevice;
const SEED_WARNING: &str = "Scan this QR code with the authenticator app now, or copy the secret seed into it. trustdesk does not keep them and will not show them again; AWS cannot show them again either. Anyone with the seed can generate this device's codes: do not store it in clear. Then enable the device for its user with two consecutive codes.";
/// An item's id is what follows this in its serial number (an ARN).
const SERIALS: Arns = Arns(":mfa/");

// A device's tags, read with ListMFADeviceTags when its listing leaves them out (see `list`).
iam_tagging!(MfaDevices: serial_number = |at: &At, id| SERIALS.of(&at.scope, id),
    tag_mfa_device "iam:TagMFADevice", untag_mfa_device "iam:UntagMFADevice",
    list_mfa_device_tags "iam:ListMFADeviceTags");

/// A device as the cache keeps it, with its tags. From CreateVirtualMFADevice's answer only the
/// public fields are read here: the seed and QR code are never copied into an item.
fn item(device: &VirtualMfaDevice, tags: Vec<Tag>, at: &At) -> AwsItem {
    let serial_number = device.serial_number();
    let id = SERIALS.id(serial_number);
    let (path, name) = match id.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_string(), id),
    };
    let user = device.user();
    let fields = [
        field("Serial number (ARN)", Some(serial_number)),
        field("Path", Some(&path)),
        field(
            STATUS_DETAIL,
            user.map(|u| format!("user {}", u.user_name())).as_deref(),
        ),
        field(USER_FIELD, user.map(|u| u.user_name())),
        field("User ARN", user.map(|u| u.arn())),
        field("Enabled", device.enable_date().and_then(date).as_deref()),
    ];
    let status = if user.is_some() { ASSIGNED } else { UNASSIGNED };
    at.aws_item(KIND, id, name.into(), status.into(), tags, fields)
}

/// Every virtual device of the account, assigned or not, in pages of 1,000.
async fn all_devices(at: &At) -> Result<Vec<VirtualMfaDevice>, AwsFailure> {
    let client = at.iam().await;
    let list = client.list_virtual_mfa_devices();
    let pages = list
        .assignment_status(AssignmentStatusType::Any)
        .into_paginator()
        .page_size(PAGE_SIZE);
    let devices = pages.items().send().try_collect().await;
    output_of(devices, "iam:ListVirtualMFADevices", &at.scope)
}

/// The adapter of [`ResourceKind::MfaDevice`].
pub struct MfaDevices;

impl MfaDevices {
    fn plan_create(request: &KindRequest) -> Result<Plan, AppError> {
        let new = check_mfa_device(&form_of::<NewMfaDevice>(request)?)?;
        // Only what the form sent: the seed and QR code do not exist yet.
        let params = json!({ "name": new.name, "path": new.path, "tags": new.tags });
        let target = target(KIND, &new.account, GLOBAL_REGION, &new.id());
        let run = |at: At| async move {
            let call = at.iam().await.create_virtual_mfa_device();
            let call = call.virtual_mfa_device_name(&new.name);
            let call = call.set_tags(create_tags(&new.tags)?);
            let sent = call
                .set_path((new.path != "/").then_some(new.path))
                .send()
                .await;
            let output = output_of(sent, "iam:CreateVirtualMFADevice", &at.scope)
                .map_err(|refused| create_refusal(refused, &new.name, &at.scope.account))?;
            let Some(device) = output.virtual_mfa_device() else {
                return Err(empty_answer(&at));
            };
            // CreateVirtualMFADevice answers the tags it was given.
            let created = item(device, model_tags(device.tags()), &at);
            // The SDK has already decoded the base64 of the answer: the seed's bytes
            // are its Base32 text, the QR code's are the PNG.
            let seed = device
                .base32_string_seed()
                .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
                .unwrap_or_default();
            let qr_png = device
                .qr_code_png()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b.as_ref()));
            let secret = SecretValue {
                id: "mfa-seed".into(),
                label: "Secret seed (Base32)".into(),
                value: seed,
            };
            let cache = CacheChange::Upsert(created);
            let done = Done::new(request_id(&output), cache, "Virtual MFA device created.");
            Ok(done.with_secret("Virtual MFA device created", SEED_WARNING, secret, qr_png))
        };
        Ok(Plan::new("mfa-device.create", target, params, run))
    }
}

/// AWS's refusals of a create, said with what to do.
fn create_refusal(failure: AwsFailure, name: &str, account: &str) -> AwsFailure {
    failure
        .conflict_when("EntityAlreadyExists", || format!(
            "{account} already has a virtual MFA device named {name} at this path (EntityAlreadyExists): choose another name or path, or delete the unused one first."
        ))
        .conflict_when("LimitExceeded", || format!(
            "{account} has as many MFA devices as IAM allows (LimitExceeded): delete unassigned devices it no longer uses, or ask AWS for a higher quota."
        ))
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
impl ItemCalls for MfaDevices {
    fn kind(&self) -> ResourceKind {
        KIND
    }

    /// IAM has no "get" for one virtual device by serial number among the calls trustdesk uses:
    /// the (paged) list is read and the device picked out, with the tags it carries; one listed
    /// without tags has them read with ListMFADeviceTags, as the listing may leave them out.
    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure> {
        let wanted = SERIALS.of(&at.scope, id);
        let Some(device) = all_devices(at)
            .await?
            .into_iter()
            .find(|device| device.serial_number() == wanted)
        else {
            return Ok(None);
        };
        let tags = match device.tags() {
            [] => Self::list_tags(at, id).await?,
            listed => model_tags(listed),
        };
        Ok(Some(item(&device, tags, at)))
    }

    /// AWS refuses (DeleteConflict) while the device is enabled for a user: the sentence says
    /// what to do first.
    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure> {
        let call = at.iam().await.delete_virtual_mfa_device();
        let sent = call.serial_number(SERIALS.of(&at.scope, id)).send().await;
        let said = said(&sent);
        answered(sent, "iam:DeleteVirtualMFADevice", &at.scope).map_err(|failure| {
            failure.conflict_when("DeleteConflict", || format!(
                "AWS refuses to delete virtual MFA device {id} while it is assigned to a user (DeleteConflict). Deactivate it for its user first (IAM console → Users → the user → Security credentials, or aws iam deactivate-mfa-device), then delete it. AWS said: {said}"
            ))
        })
    }

    fn tagging(&self) -> Option<&dyn Tagging> {
        Some(self)
    }
}

#[async_trait::async_trait]
impl KindAdapter for MfaDevices {
    /// ListVirtualMFADevices in pages of 1,000, whose devices carry their tags since IAM's 2021
    /// tagging update: one call for up to 1,000 devices. A listing that carries no tag at all
    /// ([`listing_carries_tags`]) has each device's tags read with ListMFADeviceTags.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure> {
        let devices = all_devices(at).await?;
        if listing_carries_tags(devices.iter().map(|device| device.tags())) {
            let items = devices.iter().map(|d| item(d, model_tags(d.tags()), at));
            return Ok(items.collect());
        }
        let mut items = Vec::with_capacity(devices.len());
        for device in &devices {
            let tags = Self::list_tags(at, SERIALS.id(device.serial_number())).await?;
            items.push(item(device, tags, at));
        }
        Ok(items)
    }

    /// One ListVirtualMFADevices per 1,000 devices, tags included.
    fn fewest_calls(&self, items: u64) -> u64 {
        listing_calls(items)
    }

    fn actions(&self) -> &'static [(&'static str, Planner)] {
        &[("create", Self::plan_create)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_refusals_say_what_to_do() {
        let refused =
            |code: &str| AwsFailure::refused_as(code, AppError::unavailable("AWS said: no."));
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
        let scope = super::super::Scope::new("prod", "123456789012", GLOBAL_REGION);
        for serial_number in [
            "arn:aws:iam::123456789012:mfa/alice-phone",
            "arn:aws:iam::123456789012:mfa/eng/team/alice-phone",
        ] {
            assert_eq!(SERIALS.of(&scope, SERIALS.id(serial_number)), serial_number);
        }
    }
}
