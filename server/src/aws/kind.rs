//! What the console's generic machinery (inventory refresh, tags, delete, every kind's forms)
//! asks of a kind's AWS adapter. An adapter knows how to list, read, delete and tag its kind and
//! how to turn its own forms into a [`Plan`]; authorisation, audit, the cache and the answer to
//! the browser stay generic (`crate::console::inventory`), so a kind cannot skip them.

use std::{future::Future, pin::Pin, sync::Arc};

use app::model::{
    AppError, AwsItem, ErrorKind, OnceSecret, PermissionCheck, ResourceKind, ResourceRef, Tag,
    TagRules,
};
use app::ports::KindRequest;
use serde_json::Value;

use super::{calls::CallCounter, ec2_tags, Account, Aws, AwsFailure, Scope};

pub type Fut<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Where a call goes: one account in one region (for a global kind, the account's first
/// region), with the scope errors name and the time items are stamped as read.
#[derive(Clone)]
pub struct At {
    aws: Arc<Aws>,
    account: usize,
    sdk_region: String,
    pub scope: Scope,
    pub seen: String,
    /// Every request the clients made here send to AWS (the account id lookup included).
    pub calls: CallCounter,
}

impl At {
    pub(crate) fn new(
        aws: Arc<Aws>,
        account: usize,
        sdk_region: String,
        scope: Scope,
        calls: CallCounter,
    ) -> Self {
        Self {
            aws,
            account,
            sdk_region,
            scope,
            seen: crate::time::now(),
            calls,
        }
    }

    fn account(&self) -> &Account {
        &self.aws.accounts()[self.account]
    }

    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        self.aws
            .ec2(self.account(), &self.sdk_region, &self.calls)
            .await
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        self.aws
            .iam(self.account(), &self.sdk_region, &self.calls)
            .await
    }

    pub async fn license_manager(&self) -> aws_sdk_licensemanager::Client {
        self.aws
            .license_manager(self.account(), &self.sdk_region, &self.calls)
            .await
    }

    pub async fn mpa(&self) -> aws_sdk_mpa::Client {
        self.aws
            .mpa(self.account(), &self.sdk_region, &self.calls)
            .await
    }

    /// A reference to an item of `kind` here.
    pub fn item(&self, kind: ResourceKind, id: &str) -> ResourceRef {
        ResourceRef {
            kind,
            account: self.scope.account.clone(),
            region: self.scope.region.clone(),
            id: id.to_string(),
        }
    }
}

/// What a successful change does to the cache.
pub enum CacheChange {
    Upsert(AwsItem),
    Delete(ResourceRef),
}

impl CacheChange {
    /// The item as AWS now reports it, or its removal when AWS no longer has it.
    pub fn fresh(item: ResourceRef, read: Option<AwsItem>) -> Self {
        match read {
            Some(fresh) => CacheChange::Upsert(fresh),
            None => CacheChange::Delete(item),
        }
    }
}

/// What a change that reached AWS produced.
pub struct Done {
    pub request_id: String,
    pub cache: CacheChange,
    /// The kind's typed answer to its server function.
    pub reply: Value,
    /// Where a browser without JavaScript goes next (else back to the form's page).
    pub redirect: Option<String>,
    /// The message shown after a plain form post.
    pub flash: String,
    /// A secret AWS returns only now: shown once to its creator, never stored. When present
    /// the reply becomes the handle that reads it and the browser goes to its page.
    pub shown_once: Option<OnceSecret>,
}

pub type Run = Box<dyn FnOnce(At) -> Fut<Result<Done, AwsFailure>> + Send>;
pub type DryRun = Box<dyn FnOnce(At) -> Fut<Result<(), AwsFailure>> + Send>;

/// A "Check permissions" dry run of a create.
pub struct DryRunPlan {
    pub run: DryRun,
    /// Completes "Allowed: AWS answered DryRunOperation, so …".
    pub allowed: String,
    /// The kind's typed answer for a check.
    pub reply: fn(PermissionCheck) -> Value,
}

/// A validated change, ready for the generic path: authorise → audit → AWS → cache.
pub struct Plan {
    /// The audit trail's action, e.g. `ec2.create_trust_provider`.
    pub action: &'static str,
    /// Where it goes; for a create the id is what the form named (an IPAM, a name).
    pub target: ResourceRef,
    /// The parameters as they may be audited: never a secret.
    pub params: Value,
    pub run: Run,
    pub dry_run: Option<DryRunPlan>,
}

/// A kind's AWS side. Implemented once per kind in that kind's module of `crate::aws`.
#[async_trait::async_trait]
pub trait KindAdapter: Send + Sync {
    fn kind(&self) -> ResourceKind;

    /// Every item in one scope, with one paginated list and only the reads the list lacks.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure>;

    /// One item read again after a change; `None` when AWS no longer has it.
    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure>;

    /// Deletes the item; answers AWS's request id.
    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure>;

    /// Adds or overwrites tags; answers AWS's request id. Every EC2 resource is tagged the
    /// same way (CreateTags), so EC2 kinds need not say how; other kinds with tags do.
    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        match self.kind().tag_rules() {
            TagRules::Ec2 => {
                ec2_tags::create_tags(&at.ec2().await, &at.scope, &[id.to_string()], tags).await
            }
            _ => Err(no_tags(self.kind())),
        }
    }

    /// Removes tags by key; answers AWS's request id (DeleteTags for EC2 kinds).
    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        match self.kind().tag_rules() {
            TagRules::Ec2 => {
                ec2_tags::delete_tags(&at.ec2().await, &at.scope, &[id.to_string()], keys).await
            }
            _ => Err(no_tags(self.kind())),
        }
    }

    /// The most items one call of [`Self::tag_many`] or [`Self::untag_many`] changes: EC2's
    /// CreateTags and DeleteTags take many resource ids; IAM and Multi-party approval tag one
    /// item per call.
    fn tag_batch_limit(&self) -> usize {
        match self.kind().tag_rules() {
            TagRules::Ec2 => ec2_tags::BATCH_LIMIT,
            _ => 1,
        }
    }

    /// Adds or overwrites the same tags on every item of `ids` (at most
    /// [`Self::tag_batch_limit`]) in one call; answers AWS's request id.
    async fn tag_many(&self, at: &At, ids: &[String], tags: &[Tag]) -> Result<String, AwsFailure> {
        match (self.kind().tag_rules(), ids) {
            (TagRules::Ec2, _) if ids.len() <= ec2_tags::BATCH_LIMIT => {
                ec2_tags::create_tags(&at.ec2().await, &at.scope, ids, tags).await
            }
            (_, [id]) => self.tag(at, id, tags).await,
            _ => Err(not_batched(self.kind())),
        }
    }

    /// Removes the same keys from every item of `ids` (at most [`Self::tag_batch_limit`]).
    async fn untag_many(
        &self,
        at: &At,
        ids: &[String],
        keys: &[String],
    ) -> Result<String, AwsFailure> {
        match (self.kind().tag_rules(), ids) {
            (TagRules::Ec2, _) if ids.len() <= ec2_tags::BATCH_LIMIT => {
                ec2_tags::delete_tags(&at.ec2().await, &at.scope, ids, keys).await
            }
            (_, [id]) => self.untag(at, id, keys).await,
            _ => Err(not_batched(self.kind())),
        }
    }

    /// The choices the kind's form `form` offers, read in each of `places`.
    async fn form_options(&self, form: &str, _places: Vec<At>) -> Result<Value, AppError> {
        Err(AppError::not_found(format!(
            "{} have no form named {form}.",
            self.kind().title()
        )))
    }

    /// The fewest AWS calls that read one scope holding `items` of the kind (what the sync's
    /// figures are measured against): the lists, and what each item needs that they lack.
    fn fewest_calls(&self, items: u64) -> u64;

    /// Validates one of the kind's forms and plans the change; nothing is sent yet.
    fn plan(&self, request: KindRequest) -> Result<Plan, AppError>;

    /// A form's "check" answered by the kind itself, without AWS (e.g. what an uploaded
    /// certificate is): the kind's typed reply and the sentence a plain form post shows. `None`
    /// (the default) when the form's check is the plan's AWS dry run.
    fn check(&self, _request: &KindRequest) -> Option<Result<(Value, String), AppError>> {
        None
    }
}

fn no_tags(kind: ResourceKind) -> AwsFailure {
    AwsFailure {
        error: AppError::new(
            ErrorKind::Validation,
            format!("AWS does not support tags on {}.", kind.title()),
        ),
        code: "NoTags".into(),
        request_id: String::new(),
    }
}

/// A batch larger than the kind's limit: a bug in the caller, refused before any call.
fn not_batched(kind: ResourceKind) -> AwsFailure {
    tracing::error!(
        kind = kind.as_str(),
        "a tag batch larger than the kind allows"
    );
    AwsFailure {
        error: AppError::internal(),
        code: "BatchTooLarge".into(),
        request_id: String::new(),
    }
}

/// The form of a request, as the kind's form type; a form that does not fit is refused.
pub fn form_of<T: serde::de::DeserializeOwned>(request: &KindRequest) -> Result<T, AppError> {
    serde_json::from_value(request.form.clone()).map_err(|error| {
        tracing::warn!(%error, kind = request.kind.as_str(), action = %request.action, "a form that does not fit its type");
        AppError::new(
            ErrorKind::Validation,
            "The form could not be read; reload the page and try again.",
        )
    })
}

/// The item a request acts on, or a clear refusal when the form did not name one.
pub fn item_of(request: &KindRequest) -> Result<ResourceRef, AppError> {
    request
        .item
        .clone()
        .filter(|item| item.kind == request.kind)
        .ok_or_else(|| AppError::not_found("The form does not name the item to change."))
}

/// An action the kind does not have.
pub fn unknown_action(request: &KindRequest) -> AppError {
    AppError::not_found(format!(
        "{} have no action named {}.",
        request.kind.title(),
        request.action
    ))
}

/// A typed reply as JSON (the kind's server function reads it back as its type).
pub fn reply<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Reads in every place, keeping what each answered; an error only when none answered.
pub async fn gather<T, F, Fu>(places: Vec<At>, read: F) -> Result<Vec<T>, AppError>
where
    F: Fn(At) -> Fu,
    Fu: Future<Output = Result<Vec<T>, AwsFailure>>,
{
    let mut found = Vec::new();
    let mut last_error = None;
    for at in places {
        match read(at).await {
            Ok(items) => found.extend(items),
            Err(failure) => last_error = Some(failure.error),
        }
    }
    match (found.is_empty(), last_error) {
        (true, Some(error)) => Err(error),
        _ => Ok(found),
    }
}
