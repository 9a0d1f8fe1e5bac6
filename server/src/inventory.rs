//! The console's AWS workflows: inventories from the cache, refresh from AWS, and every change
//! authorised → validated → audited ("attempted") → sent to AWS → audited with AWS's request id
//! and the cache updated in one transaction.

use std::future::Future;

use app::model::{
    aws_rules, AppError, AwsItem, CreateFormOptions, CreatedLicenseToken, CreatedVerificationToken,
    FieldErrors, InventoryPage, InventoryQuery, IpamChoice, LicenseTokenFormOptions,
    NewIdentitySource, NewLicenseToken, NewVerificationToken, Outcome, PermissionCheck,
    RefreshReport, ResourceKind, ResourceRef, Role, Tag, TokenFormOptions, TrustProviderForm,
    INVENTORY_PAGE_SIZE,
};
use serde_json::{json, Value};

use crate::aws::{
    ec2_tags, ipam, license_manager, mpa, verified_access, Account, AwsFailure, Scope,
};
use crate::console::{db_error, Console, RequestConsole};
use crate::store::{self, resources, users::UserRecord};

/// What a successful change does to the cache.
pub(crate) enum CacheChange {
    Upsert(AwsItem),
    Delete(ResourceRef),
}

/// A change that reached AWS: its value, AWS's request id, and the cache update.
pub(crate) struct Applied<T> {
    pub value: T,
    pub request_id: String,
    pub cache: CacheChange,
}

impl RequestConsole {
    async fn scope_for(&self, account: &Account, region: &str) -> Result<Scope, AppError> {
        let clients = &self.console.clients;
        let account_id = clients.account_id(account, region).await?;
        Ok(Scope::new(&account.name, &account_id, region))
    }

    /// An admin, or an audited refusal naming the item.
    async fn require_admin_for(
        &self,
        action: &str,
        item: &ResourceRef,
    ) -> Result<UserRecord, AppError> {
        let user = self.require_user().await?;
        if user.role() == Role::Admin {
            return Ok(user);
        }
        let mut row = self.row(
            &user.username,
            action,
            item.kind.as_str(),
            &item.id,
            json!({}),
        );
        row.account = item.account.clone();
        row.region = item.region.clone();
        row.outcome = Some(Outcome::Error);
        row.message = "refused: the viewer role cannot change AWS resources".into();
        self.console.audit_alone(row).await?;
        Err(AppError::access_denied(
            "Only admins can change AWS resources; your account has the viewer role.",
        ))
    }

    /// Runs one AWS change with its audit trail: "attempted" first (no audit, no call), then the
    /// outcome with the request id, and the cache change in the same transaction.
    async fn audited<T>(
        &self,
        user: &UserRecord,
        action: &str,
        item: &ResourceRef,
        params: Value,
        call: impl Future<Output = Result<Applied<T>, AwsFailure>>,
    ) -> Result<T, AppError> {
        let row = |outcome: Outcome, message: String, request_id: String, target_id: &str| {
            let mut row = self.row(
                &user.username,
                action,
                item.kind.as_str(),
                target_id,
                params.clone(),
            );
            row.account = item.account.clone();
            row.region = item.region.clone();
            row.outcome = Some(outcome);
            row.message = message;
            row.request_id = request_id;
            row
        };
        self.console
            .audit_alone(row(
                Outcome::Attempted,
                String::new(),
                String::new(),
                &item.id,
            ))
            .await?;
        let result = call.await;
        let mut tx = self.console.db().begin_write().await.map_err(db_error)?;
        let now = store::now();
        let outcome = match result {
            Ok(applied) => {
                let target = match &applied.cache {
                    CacheChange::Upsert(resource) => resource.item.id.clone(),
                    _ => item.id.clone(),
                };
                store::audit::append(
                    &mut tx,
                    row(
                        Outcome::Ok,
                        String::new(),
                        applied.request_id.clone(),
                        &target,
                    ),
                    &now,
                )
                .await
                .map_err(db_error)?;
                match &applied.cache {
                    CacheChange::Upsert(resource) => resources::upsert(&mut tx, resource)
                        .await
                        .map_err(db_error)?,
                    CacheChange::Delete(gone) => {
                        resources::delete(&mut tx, gone).await.map_err(db_error)?
                    }
                }
                Ok(applied.value)
            }
            Err(failure) => {
                let message = format!("{}: {}", failure.code, failure.error.message);
                store::audit::append(
                    &mut tx,
                    row(
                        Outcome::Error,
                        message,
                        failure.request_id.clone(),
                        &item.id,
                    ),
                    &now,
                )
                .await
                .map_err(db_error)?;
                Err(failure.error)
            }
        };
        tx.commit().await.map_err(db_error)?;
        outcome
    }

    pub(crate) async fn inventory_inner(
        &self,
        kind: ResourceKind,
        query: InventoryQuery,
    ) -> Result<InventoryPage, AppError> {
        self.require_user().await?;
        let pool = self.console.db().pool();
        let now = store::now();
        let (mut items, mut total) = resources::page(pool, kind, &query, query.page.max(1), &now)
            .await
            .map_err(db_error)?;
        let pages = total.div_ceil(INVENTORY_PAGE_SIZE).max(1) as u32;
        let page = query.page.clamp(1, pages);
        if page != query.page.max(1) {
            // Past the last page (the URL's page number outlived a filter): show the last one.
            (items, total) = resources::page(pool, kind, &query, page, &now)
                .await
                .map_err(db_error)?;
        }
        let statuses = resources::statuses(pool, kind).await.map_err(db_error)?;
        let syncs = resources::syncs(pool, kind).await.map_err(db_error)?;
        let mut accounts: Vec<String> = self
            .console
            .clients
            .accounts()
            .iter()
            .map(|a| a.name.clone())
            .collect();
        accounts.sort();
        let mut regions: Vec<String> = self
            .console
            .clients
            .scopes()
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        regions.sort();
        regions.dedup();
        let items = items.into_iter().map(with_days_left).collect();
        let refreshed_at = syncs
            .iter()
            .filter(|(account, region, _)| {
                (query.account.is_empty() || *account == query.account)
                    && (query.region.is_empty() || *region == query.region)
            })
            .map(|(_, _, at)| at.clone())
            .min();
        Ok(InventoryPage {
            kind,
            items,
            total,
            page,
            pages,
            accounts,
            regions,
            statuses,
            refreshed_at,
        })
    }

    pub(crate) async fn refresh_inner(
        &self,
        kind: ResourceKind,
    ) -> Result<RefreshReport, AppError> {
        self.require_user().await?;
        self.console.refresh(kind).await
    }

    pub(crate) async fn resource_inner(&self, item: ResourceRef) -> Result<AwsItem, AppError> {
        self.require_user().await?;
        resources::get(self.console.db().pool(), &item)
            .await
            .map_err(db_error)?
            .map(with_days_left)
            .ok_or_else(|| {
                AppError::not_found(format!(
                    "No {} {} in {}/{} is known; refresh the inventory.",
                    item.kind.singular(),
                    item.id,
                    item.account,
                    item.region
                ))
            })
    }

    pub(crate) async fn token_form_options_inner(&self) -> Result<TokenFormOptions, AppError> {
        let ipams = self.ipam_choices().await?;
        Ok(TokenFormOptions {
            ipams,
            client_token: crate::csrf::random_token().chars().take(32).collect(),
        })
    }

    async fn ipam_choices(&self) -> Result<Vec<IpamChoice>, AppError> {
        self.require_user().await?;
        let clients = &self.console.clients;
        let mut choices = Vec::new();
        let mut last_error = None;
        for (account, region) in clients.scopes() {
            let scope = Scope::new(&account.name, "", &region);
            match ipam::list_ipams(&clients.ec2(account, &region).await, &scope).await {
                Ok(found) => choices.extend(found),
                Err(failure) => last_error = Some(failure.error),
            }
        }
        match (choices.is_empty(), last_error) {
            (true, Some(error)) => Err(error),
            _ => Ok(choices),
        }
    }

    pub(crate) async fn create_verification_token_inner(
        &self,
        form: NewVerificationToken,
    ) -> Result<CreatedVerificationToken, AppError> {
        let aws_rules::VerificationTokenRequest {
            account: account_name,
            region,
            ipam_id,
            tags,
        } = aws_rules::check_verification_token(&form)?;
        let pending = ResourceRef {
            kind: ResourceKind::VerificationToken,
            account: account_name.clone(),
            region: region.clone(),
            id: ipam_id.clone(),
        };
        let user = self
            .require_admin_for("ec2.create_verification_token", &pending)
            .await?;
        let clients = &self.console.clients;
        let account = clients.scope(&account_name, &region)?;
        let scope = self.scope_for(account, &region).await?;
        let client = clients.ec2(account, &region).await;
        let params = json!({ "ipam_id": ipam_id, "tags": tags, "client_token": form.client_token });
        self.audited(
            &user,
            "ec2.create_verification_token",
            &pending,
            params,
            async {
                let created = ipam::create_token(
                    &client,
                    &scope,
                    &ipam_id,
                    &tags,
                    &form.client_token,
                    &store::now(),
                )
                .await?;
                Ok(Applied {
                    value: CreatedVerificationToken {
                        resource: created.resource.clone(),
                        token_name: created.token_name,
                        token_value: created.token_value,
                    },
                    request_id: created.request_id,
                    cache: CacheChange::Upsert(created.resource),
                })
            },
        )
        .await
    }

    pub(crate) async fn check_verification_token_inner(
        &self,
        form: NewVerificationToken,
    ) -> Result<PermissionCheck, AppError> {
        let aws_rules::VerificationTokenRequest {
            account: account_name,
            region,
            ipam_id,
            tags,
        } = aws_rules::check_verification_token(&form)?;
        self.require_user().await?;
        let clients = &self.console.clients;
        let account = clients.scope(&account_name, &region)?;
        let scope = self.scope_for(account, &region).await?;
        let client = clients.ec2(account, &region).await;
        let dry_run =
            ipam::check_create_token(&client, &scope, &ipam_id, &tags, &form.client_token).await;
        permission_check(
            dry_run,
            &format!("{account_name}/{region} may create verification tokens in {ipam_id}"),
        )
    }

    pub(crate) async fn delete_resource_inner(
        &self,
        item: ResourceRef,
        confirm: String,
    ) -> Result<(), AppError> {
        if confirm != item.id {
            let mut errors = FieldErrors::new();
            errors.check(
                "confirm",
                Err(format!("Type {} to confirm the deletion.", item.id)),
            );
            return errors.into_result();
        }
        let action = format!("{}.delete", item.kind.as_str());
        let user = self.require_admin_for(&action, &item).await?;
        let clients = &self.console.clients;
        let account = clients.scope(&item.account, &item.region)?;
        let scope = self.scope_for(account, &item.region).await?;
        let params = json!({ "id": item.id });
        self.audited(&user, &action, &item, params, async {
            let request_id = match item.kind {
                ResourceKind::VerificationToken => {
                    let client = clients.ec2(account, &item.region).await;
                    ipam::delete_token(&client, &scope, &item.id).await?
                }
                ResourceKind::TrustProvider => {
                    let client = clients.ec2(account, &item.region).await;
                    verified_access::delete(&client, &scope, &item.id).await?
                }
                ResourceKind::LicenseToken => {
                    let client = clients.license_manager(account, &item.region).await;
                    license_manager::delete_token(&client, &scope, &item.id).await?
                }
                ResourceKind::IdentitySource => {
                    let client = clients.mpa(account, &item.region).await;
                    mpa::delete(&client, &scope, &item.id).await?
                }
            };
            Ok(Applied {
                value: (),
                request_id,
                cache: CacheChange::Delete(item.clone()),
            })
        })
        .await
    }

    pub(crate) async fn set_tag_inner(
        &self,
        item: ResourceRef,
        key: String,
        value: String,
    ) -> Result<(), AppError> {
        let tag = aws_rules::check_tag_edit(&key, &value)?;
        let action = format!("{}.tag", item.kind.as_str());
        let user = self.require_admin_for(&action, &item).await?;
        self.retag(
            &user,
            &action,
            item,
            json!({ "set": [tag.clone()] }),
            vec![tag],
            Vec::new(),
        )
        .await
    }

    pub(crate) async fn remove_tag_inner(
        &self,
        item: ResourceRef,
        key: String,
    ) -> Result<(), AppError> {
        let mut errors = FieldErrors::new();
        errors.check("key", aws_rules::check_ec2_tag_key(&key));
        errors.into_result()?;
        let action = format!("{}.untag", item.kind.as_str());
        let user = self.require_admin_for(&action, &item).await?;
        self.retag(
            &user,
            &action,
            item,
            json!({ "remove": [key.clone()] }),
            Vec::new(),
            vec![key],
        )
        .await
    }

    async fn retag(
        &self,
        user: &UserRecord,
        action: &str,
        item: ResourceRef,
        params: Value,
        set: Vec<Tag>,
        remove: Vec<String>,
    ) -> Result<(), AppError> {
        if !item.kind.has_tags() {
            return Err(AppError::new(
                app::model::ErrorKind::Validation,
                format!("AWS does not support tags on {}.", item.kind.title()),
            ));
        }
        let clients = &self.console.clients;
        let account = clients.scope(&item.account, &item.region)?;
        let scope = self.scope_for(account, &item.region).await?;
        self.audited(user, action, &item, params, async {
            let seen = store::now();
            if item.kind == ResourceKind::IdentitySource {
                let client = clients.mpa(account, &item.region).await;
                let request_id = if set.is_empty() {
                    mpa::untag(&client, &scope, &item.id, &remove).await?
                } else {
                    mpa::tag(&client, &scope, &item.id, &set).await?
                };
                let cache = match mpa::get(&client, &scope, &item.id, &seen).await? {
                    Some(fresh) => CacheChange::Upsert(fresh),
                    None => CacheChange::Delete(item.clone()),
                };
                return Ok(Applied {
                    value: (),
                    request_id,
                    cache,
                });
            }
            // The other taggable kinds are EC2 resources: EC2's CreateTags and DeleteTags serve them.
            let client = clients.ec2(account, &item.region).await;
            let request_id = if set.is_empty() {
                ec2_tags::delete_tags(&client, &scope, &item.id, &remove).await?
            } else {
                ec2_tags::create_tags(&client, &scope, &item.id, &set).await?
            };
            let fresh = match item.kind {
                ResourceKind::VerificationToken => {
                    ipam::get_token(&client, &scope, &item.id, &seen).await?
                }
                ResourceKind::TrustProvider => {
                    verified_access::get(&client, &scope, &item.id, &seen).await?
                }
                // Refused before any call (no tags), or handled above (MPA's own tag calls).
                ResourceKind::LicenseToken | ResourceKind::IdentitySource => None,
            };
            let cache = match fresh {
                Some(resource) => CacheChange::Upsert(resource),
                None => CacheChange::Delete(item.clone()),
            };
            Ok(Applied {
                value: (),
                request_id,
                cache,
            })
        })
        .await
    }
}

impl RequestConsole {
    pub(crate) async fn create_form_options_inner(&self) -> Result<CreateFormOptions, AppError> {
        self.require_user().await?;
        let targets = self
            .console
            .clients
            .scopes()
            .into_iter()
            .map(|(a, r)| format!("{}/{r}", a.name))
            .collect();
        Ok(CreateFormOptions {
            targets,
            client_token: crate::csrf::random_token().chars().take(32).collect(),
        })
    }

    /// Where a create form sends the item, once the form is valid.
    fn target_of(&self, target: &str) -> Result<(String, String), AppError> {
        let (account, region) = target
            .split_once('/')
            .ok_or_else(|| AppError::not_found("Choose the account and region."))?;
        Ok((account.to_string(), region.to_string()))
    }

    /// The form as it may be audited: everything but the client secret.
    fn trust_provider_params(form: &TrustProviderForm) -> Value {
        let mut params = serde_json::to_value(form).unwrap_or(Value::Null);
        if let Some(map) = params.as_object_mut() {
            map.remove("oidc_client_secret");
            map.insert(
                "oidc_client_secret_given".into(),
                json!(!form.oidc_client_secret.is_empty()),
            );
        }
        params
    }

    pub(crate) async fn create_trust_provider_inner(
        &self,
        form: TrustProviderForm,
    ) -> Result<ResourceRef, AppError> {
        aws_rules::check_trust_provider(&form, true)?;
        let tags = aws_rules::parse_ec2_tags(&form.tags).unwrap_or_default();
        let (account_name, region) = self.target_of(&form.target)?;
        let pending = ResourceRef {
            kind: ResourceKind::TrustProvider,
            account: account_name.clone(),
            region: region.clone(),
            id: form.policy_reference_name.clone(),
        };
        let user = self
            .require_admin_for("ec2.create_trust_provider", &pending)
            .await?;
        let clients = &self.console.clients;
        let account = clients.scope(&account_name, &region)?;
        let scope = self.scope_for(account, &region).await?;
        let client = clients.ec2(account, &region).await;
        self.audited(
            &user,
            "ec2.create_trust_provider",
            &pending,
            Self::trust_provider_params(&form),
            async {
                let (item, request_id) =
                    verified_access::create(&client, &scope, &form, &tags, &store::now()).await?;
                Ok(Applied {
                    value: item.item.clone(),
                    request_id,
                    cache: CacheChange::Upsert(item),
                })
            },
        )
        .await
    }

    pub(crate) async fn check_trust_provider_inner(
        &self,
        form: TrustProviderForm,
    ) -> Result<PermissionCheck, AppError> {
        aws_rules::check_trust_provider(&form, true)?;
        self.require_user().await?;
        let tags = aws_rules::parse_ec2_tags(&form.tags).unwrap_or_default();
        let (account_name, region) = self.target_of(&form.target)?;
        let clients = &self.console.clients;
        let account = clients.scope(&account_name, &region)?;
        let scope = self.scope_for(account, &region).await?;
        let client = clients.ec2(account, &region).await;
        let dry_run = verified_access::check_create(&client, &scope, &form, &tags).await;
        permission_check(
            dry_run,
            &format!("{account_name}/{region} may create this trust provider"),
        )
    }

    pub(crate) async fn modify_trust_provider_inner(
        &self,
        item: ResourceRef,
        form: TrustProviderForm,
    ) -> Result<(), AppError> {
        aws_rules::check_trust_provider(&form, false)?;
        let user = self
            .require_admin_for("ec2.modify_trust_provider", &item)
            .await?;
        let clients = &self.console.clients;
        let account = clients.scope(&item.account, &item.region)?;
        let scope = self.scope_for(account, &item.region).await?;
        let client = clients.ec2(account, &item.region).await;
        self.audited(
            &user,
            "ec2.modify_trust_provider",
            &item,
            Self::trust_provider_params(&form),
            async {
                let (fresh, request_id) =
                    verified_access::modify(&client, &scope, &item.id, &form, &store::now())
                        .await?;
                Ok(Applied {
                    value: (),
                    request_id,
                    cache: CacheChange::Upsert(fresh),
                })
            },
        )
        .await
    }
}

impl RequestConsole {
    pub(crate) async fn license_token_form_options_inner(
        &self,
    ) -> Result<LicenseTokenFormOptions, AppError> {
        self.require_user().await?;
        let clients = &self.console.clients;
        let mut licenses = Vec::new();
        let mut last_error = None;
        for (account, region) in clients.scopes() {
            let scope = Scope::new(&account.name, "", &region);
            match license_manager::licenses(
                &clients.license_manager(account, &region).await,
                &scope,
            )
            .await
            {
                Ok(found) => licenses.extend(found),
                Err(failure) => last_error = Some(failure.error),
            }
        }
        if let (true, Some(error)) = (licenses.is_empty(), last_error) {
            return Err(error);
        }
        Ok(LicenseTokenFormOptions {
            licenses,
            client_token: crate::csrf::random_token().chars().take(32).collect(),
        })
    }

    /// Creates the token; its JWT is kept in memory for one read by this user and the returned
    /// handle reads it.
    pub(crate) async fn create_license_token_inner(
        &self,
        form: NewLicenseToken,
    ) -> Result<String, AppError> {
        let (days, roles, properties) = aws_rules::check_license_token(&form)?;
        let mut parts = form.license.splitn(3, '/');
        let (account_name, region, license_arn) = (
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
            parts.next().unwrap_or_default().to_string(),
        );
        let pending = ResourceRef {
            kind: ResourceKind::LicenseToken,
            account: account_name.clone(),
            region: region.clone(),
            id: license_arn.clone(),
        };
        let user = self
            .require_admin_for("license-manager.create_token", &pending)
            .await?;
        let clients = &self.console.clients;
        let account = clients.scope(&account_name, &region)?;
        let scope = self.scope_for(account, &region).await?;
        let client = clients.license_manager(account, &region).await;
        // The JWT is neither audited nor cached: only its claims' inputs are.
        let params = json!({ "license_arn": license_arn, "role_arns": roles, "expiration_in_days": days, "token_properties": properties, "client_token": form.client_token });
        let once = &self.console.once;
        self.audited(
            &user,
            "license-manager.create_token",
            &pending,
            params,
            async {
                let created = license_manager::create_token(
                    &client,
                    &scope,
                    &license_arn,
                    days,
                    roles.clone(),
                    properties.clone(),
                    &form.client_token,
                )
                .await?;
                let fresh =
                    license_manager::get_token(&client, &scope, &created.id, &store::now()).await?;
                let item = ResourceRef {
                    kind: ResourceKind::LicenseToken,
                    account: account_name.clone(),
                    region: region.clone(),
                    id: created.id.clone(),
                };
                let shown = CreatedLicenseToken {
                    item: item.clone(),
                    jwt: created.jwt,
                };
                let handle = once.put(user.id, serde_json::to_string(&shown).unwrap_or_default());
                let cache = match fresh {
                    Some(fresh) => CacheChange::Upsert(fresh),
                    None => CacheChange::Delete(item),
                };
                Ok(Applied {
                    value: handle,
                    request_id: created.request_id,
                    cache,
                })
            },
        )
        .await
    }

    pub(crate) async fn take_license_token_inner(
        &self,
        handle: String,
    ) -> Result<CreatedLicenseToken, AppError> {
        let user = self.require_user().await?;
        self.console
            .once
            .take(&handle, user.id)
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| AppError::not_found("This token was shown already, or the link expired. AWS does not show a token twice: delete it and create a new one if it was not copied."))
    }
}

impl RequestConsole {
    pub(crate) async fn create_identity_source_inner(
        &self,
        form: NewIdentitySource,
    ) -> Result<ResourceRef, AppError> {
        let tags = aws_rules::check_identity_source(&form)?;
        let (account_name, region) = self.target_of(&form.target)?;
        let pending = ResourceRef {
            kind: ResourceKind::IdentitySource,
            account: account_name.clone(),
            region: region.clone(),
            id: form.instance_arn.clone(),
        };
        let user = self
            .require_admin_for("mpa.create_identity_source", &pending)
            .await?;
        let clients = &self.console.clients;
        let account = clients.scope(&account_name, &region)?;
        let scope = self.scope_for(account, &region).await?;
        let client = clients.mpa(account, &region).await;
        let params = json!({ "instance_arn": form.instance_arn.trim(), "instance_region": form.instance_region.trim(), "tags": tags, "client_token": form.client_token });
        self.audited(
            &user,
            "mpa.create_identity_source",
            &pending,
            params,
            async {
                let (id, request_id) = mpa::create(
                    &client,
                    &scope,
                    form.instance_arn.trim(),
                    form.instance_region.trim(),
                    &tags,
                    &form.client_token,
                )
                .await?;
                let item = ResourceRef {
                    kind: ResourceKind::IdentitySource,
                    account: account_name.clone(),
                    region: region.clone(),
                    id: id.clone(),
                };
                let cache = match mpa::get(&client, &scope, &id, &store::now()).await? {
                    Some(fresh) => CacheChange::Upsert(fresh),
                    None => CacheChange::Delete(item.clone()),
                };
                Ok(Applied {
                    value: item,
                    request_id,
                    cache,
                })
            },
        )
        .await
    }
}

impl Console {
    /// Re-reads one kind from AWS in every configured account and region into the cache; a
    /// scope that cannot be read is reported and leaves its cached items as they were.
    pub async fn refresh(&self, kind: ResourceKind) -> Result<RefreshReport, AppError> {
        let clients = &self.clients;
        let mut report = RefreshReport {
            items: 0,
            failures: Vec::new(),
        };
        for (account, region) in clients.scopes() {
            let seen = store::now();
            let listed = async {
                let account_id = clients
                    .account_id(account, &region)
                    .await
                    .map_err(|f| f.error.message)?;
                let scope = Scope::new(&account.name, &account_id, &region);
                let listed = match kind {
                    ResourceKind::VerificationToken => {
                        let client = clients.ec2(account, &region).await;
                        ipam::list_tokens(&client, &scope, &seen).await
                    }
                    ResourceKind::TrustProvider => {
                        let client = clients.ec2(account, &region).await;
                        verified_access::list(&client, &scope, &seen).await
                    }
                    ResourceKind::LicenseToken => {
                        let client = clients.license_manager(account, &region).await;
                        license_manager::list_tokens(&client, &scope, &seen).await
                    }
                    ResourceKind::IdentitySource => {
                        let client = clients.mpa(account, &region).await;
                        mpa::list(&client, &scope, &seen).await
                    }
                };
                listed.map_err(|f| f.error.message)
            }
            .await;
            match listed {
                Ok(items) => {
                    let mut tx = self.db().begin_write().await.map_err(db_error)?;
                    resources::replace_scope(&mut tx, kind, &account.name, &region, &items, &seen)
                        .await
                        .map_err(db_error)?;
                    tx.commit().await.map_err(db_error)?;
                    report.items += items.len();
                }
                Err(message) => report.failures.push(message),
            }
        }
        Ok(report)
    }

    /// Refreshes every kind, logging what could not be read: the demo's first sync.
    pub async fn refresh_all(&self) {
        for kind in ResourceKind::ALL {
            match self.refresh(kind).await {
                Ok(report) if report.failures.is_empty() => {
                    tracing::info!(kind = kind.as_str(), items = report.items, "refreshed")
                }
                Ok(report) => {
                    tracing::warn!(kind = kind.as_str(), items = report.items, failures = ?report.failures, "refreshed in part")
                }
                Err(error) => tracing::warn!(kind = kind.as_str(), %error, "refresh failed"),
            }
        }
    }
}

/// A dry run's answer as the "Check permissions" button reports it: allowed, refused (AWS's
/// sentence naming the missing permission), or an error for anything else.
fn permission_check(
    dry_run: Result<(), AwsFailure>,
    allowed: &str,
) -> Result<PermissionCheck, AppError> {
    match dry_run {
        Ok(()) => Ok(PermissionCheck {
            allowed: true,
            message: format!("Allowed: AWS answered DryRunOperation, so {allowed}."),
        }),
        Err(failure) if failure.error.kind == app::model::ErrorKind::AccessDenied => {
            Ok(PermissionCheck {
                allowed: false,
                message: failure.error.message,
            })
        }
        Err(failure) => Err(failure.error),
    }
}

/// Fills in the whole days left before expiry, as of now.
fn with_days_left(mut resource: AwsItem) -> AwsItem {
    resource.expires_in_days = resource
        .expires_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| days_left((at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_seconds()));
    resource
}

/// Days as people count them: 2 days 23 hours ahead is "in 3 days"; anything past is at least
/// "1 day ago", so an expired item never reads as expiring today.
fn days_left(seconds: i64) -> i64 {
    const DAY: i64 = 86_400;
    if seconds >= 0 {
        (seconds + DAY - 1) / DAY
    } else {
        -((-seconds / DAY).max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_rounded_as_people_count_them() {
        assert_eq!(days_left(3 * 86_400 - 5), 3);
        assert_eq!(days_left(86_400), 1);
        assert_eq!(days_left(0), 0);
        assert_eq!(days_left(-7_200), -1);
        assert_eq!(days_left(-5 * 86_400 - 30), -5);
    }
}
