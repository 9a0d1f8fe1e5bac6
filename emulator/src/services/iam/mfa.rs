//! Virtual MFA devices: created unassigned, enabled for a user with two consecutive TOTP codes
//! from their seed, and deletable only once deactivated.

use super::model::{MfaAssignment, VirtualMfaDevice, MAX_MFA_DEVICES_PER_USER};
use super::{
    already_exists, delete_conflict, iam_page, limit_exceeded, no_such_entity, render, result,
    truncation, validation, Call, Output,
};
use crate::derive::mfa;
use crate::error::{ApiError, ApiResult};
use crate::tags::KeyCase;

impl<'a> Call<'a> {
    pub(super) fn create_virtual_mfa_device(self) -> Output {
        let name = self.input.name("VirtualMFADeviceName", 226)?;
        let path = self.input.path("Path")?;
        let tags = self.input.tags(KeyCase::Sensitive)?;
        let serial = format!("arn:aws:iam::{}:mfa{path}{name}", self.account);
        if self.iam.mfa_devices.contains_key(&serial) {
            return Err(already_exists(
                "MFADevice entity at the same path and name already exists.",
            ));
        }
        let seed = mfa::new_seed();
        let qr_png =
            mfa::qr_code_png(&mfa::otpauth_uri(&name, self.account, &seed)).map_err(|e| {
                ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "ServiceFailure", e)
            })?;
        let device = VirtualMfaDevice {
            serial: serial.clone(),
            name,
            seed,
            qr_png,
            created: self.now,
            tags,
            assignment: None,
        };
        let out = result(|x| {
            x.el("VirtualMFADevice", |x| {
                render::mfa_device(x, &device, true, self.iam)
            });
        });
        self.iam.mfa_devices.insert(serial, device);
        out
    }

    pub(super) fn list_virtual_mfa_devices(self) -> Output {
        let status = self
            .input
            .one_of("AssignmentStatus", &["Assigned", "Unassigned", "Any"])?
            .unwrap_or("Any");
        let devices: Vec<&VirtualMfaDevice> = self
            .iam
            .mfa_devices
            .values()
            .filter(|d| match status {
                "Assigned" => d.assignment.is_some(),
                "Unassigned" => d.assignment.is_none(),
                _ => true,
            })
            .collect();
        let page = iam_page(devices, |d| d.serial.clone(), &self.input)?;
        let iam = &*self.iam;
        result(|x| {
            x.list("VirtualMFADevices", "member", &page.items, |x, d| {
                render::mfa_device(x, d, false, iam)
            });
            truncation(x, page.next);
        })
    }

    pub(super) fn delete_virtual_mfa_device(self) -> Output {
        let serial = self.mfa_serial()?;
        if let Some(assignment) = &self.iam.mfa_device(&serial)?.assignment {
            return Err(delete_conflict(format!(
                "MFA device {serial} is in use by user {}. Deactivate it before deleting it.",
                assignment.user
            )));
        }
        self.iam.mfa_devices.remove(&serial);
        Ok(None)
    }

    /// Assigns a virtual device to a user, proven by two consecutive codes from its seed.
    pub(super) fn enable_mfa_device(self) -> Output {
        let user_name = self.input.name("UserName", 128)?;
        let serial = self.mfa_serial()?;
        let first = self.authentication_code("AuthenticationCode1")?;
        let second = self.authentication_code("AuthenticationCode2")?;
        let user = self.iam.user(&user_name)?.name.clone();
        let device = self.iam.mfa_device(&serial)?;
        if device.assignment.is_some() {
            return Err(already_exists(format!(
                "MFA device {serial} is already in use."
            )));
        }
        let in_use = self
            .iam
            .mfa_devices
            .values()
            .filter(|d| d.assignment.as_ref().is_some_and(|a| a.user == user))
            .count();
        if in_use >= MAX_MFA_DEVICES_PER_USER {
            return Err(limit_exceeded(format!(
                "Cannot exceed quota for MFADevicesPerUser: {MAX_MFA_DEVICES_PER_USER}"
            )));
        }
        if !mfa::consecutive_codes_match(&device.seed, self.now, first, second) {
            return Err(ApiError::new(
                http::StatusCode::FORBIDDEN,
                "InvalidAuthenticationCode",
                "Authentication code for device is not valid.",
            ));
        }
        let now = self.now;
        self.iam.mfa_device_mut(&serial)?.assignment = Some(MfaAssignment { user, enabled: now });
        Ok(None)
    }

    /// Unassigns a device from its user. Without `UserName`, from whichever user has it.
    pub(super) fn deactivate_mfa_device(self) -> Output {
        let user_name = match self.input.optional("UserName") {
            Some(_) => Some(self.input.name("UserName", 128)?),
            None => None,
        };
        let serial = self.mfa_serial()?;
        let user = match &user_name {
            Some(name) => Some(self.iam.user(name)?.name.clone()),
            None => None,
        };
        let device = self.iam.mfa_device_mut(&serial)?;
        let assigned_to = device.assignment.as_ref().map(|a| a.user.clone());
        match (assigned_to, user) {
            (Some(holder), Some(user)) if holder != user => Err(no_such_entity(format!(
                "MFA device {serial} is not enabled for user {user}."
            ))),
            (Some(_), _) => {
                device.assignment = None;
                Ok(None)
            }
            (None, _) => Err(no_such_entity(format!(
                "MFA device {serial} is not enabled for any user."
            ))),
        }
    }

    fn authentication_code(&self, member: &str) -> ApiResult<&'a str> {
        let code = self.input.required(member)?;
        self.input.length(member, code, 6, 6)?;
        if !code.chars().all(|c| c.is_ascii_digit()) {
            return Err(validation(
                code,
                member,
                "Member must satisfy regular expression pattern: [\\d]+",
            ));
        }
        Ok(code)
    }

    pub(super) fn mfa_serial(&self) -> ApiResult<String> {
        let serial = self.input.required("SerialNumber")?;
        self.input.length("SerialNumber", serial, 9, 256)?;
        if !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=,.@:/-_+".contains(c))
        {
            return Err(validation(
                serial,
                "SerialNumber",
                "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+",
            ));
        }
        Ok(serial.to_string())
    }
}
