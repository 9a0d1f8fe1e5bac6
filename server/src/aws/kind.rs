//! What the console's generic machinery (inventory refresh, tags, delete, every kind's forms)
//! asks of a kind's AWS adapter. An adapter knows how to list, read, delete and tag its kind and
//! how to turn its own forms into a [`Plan`]; authorisation, audit, the cache and the answer to
//! the browser stay generic (`crate::console::inventory`), so a kind cannot skip them.

use std::{future::Future, pin::Pin, sync::Arc};

use app::model::{
    AppError, AwsItem, ErrorKind, Field, OnceSecret, PermissionCheck, ResourceKind, ResourceRef,
    SecretValue, Tag, TagRules,
};
use app::ports::KindRequest;
use serde_json::Value;

use super::{calls::CallCounter, ec2_tags, Account, Aws, AwsFailure, Scope, ServiceClient};

pub type Fut<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Where a call goes: one account in one region (for a global kind, the account's first
/// region), with the scope errors name and the time items are stamped as read.
#[derive(Clone)]
pub struct At {
    aws: Arc<Aws>,
    account: Arc<Account>,
    sdk_region: String,
    pub scope: Scope,
    pub seen: String,
    /// Every request the clients made here send to AWS (the account id lookup included).
    pub calls: CallCounter,
}

impl At {
    pub(crate) fn new(
        aws: Arc<Aws>,
        account: Arc<Account>,
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
        &self.account
    }

    /// A client of one service (`aws_sdk_iam::Client`, …) for calls here.
    pub async fn client<C: ServiceClient>(&self) -> C {
        let account = self.account();
        self.aws
            .client(account, &self.sdk_region, &self.calls)
            .await
    }

    pub async fn ec2(&self) -> aws_sdk_ec2::Client {
        self.client().await
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        self.client().await
    }

    pub async fn license_manager(&self) -> aws_sdk_licensemanager::Client {
        self.client().await
    }

    pub async fn mpa(&self) -> aws_sdk_mpa::Client {
        self.client().await
    }

    /// A reference to an item of `kind` here.
    pub fn item(&self, kind: ResourceKind, id: &str) -> ResourceRef {
        target(kind, &self.scope.account, &self.scope.region, id)
    }

    /// An item of `kind` here as AWS describes it now, with the fields AWS gave (a field it
    /// left out or empty is `None`, and left out); it does not expire unless the kind says so.
    pub fn aws_item(
        &self,
        kind: ResourceKind,
        id: &str,
        name: String,
        status: String,
        tags: Vec<Tag>,
        fields: impl IntoIterator<Item = Option<Field>>,
    ) -> AwsItem {
        AwsItem {
            item: self.item(kind, id),
            account_id: self.scope.account_id.clone(),
            name,
            status,
            expires_at: None,
            tags,
            fields: fields.into_iter().flatten().collect(),
            last_seen: self.seen.clone(),
            expires_in_days: None,
        }
    }

    /// The status of an item that expires at `expires_at` (or never), as it is now.
    pub fn expiry_status(&self, expires_at: Option<&str>) -> &'static str {
        match expires_at {
            Some(until) if until <= self.seen.as_str() => "expired",
            Some(_) => "valid",
            None => "no expiry",
        }
    }

    /// What the cache does after a change to the item `id` of `kind`: the item read again
    /// here (the kind's `get`), or its removal when AWS no longer has it.
    pub async fn fresh(&self, kind: ResourceKind, id: &str) -> Result<CacheChange, AwsFailure> {
        let read = super::adapter(kind).get(self, id).await?;
        Ok(CacheChange::fresh(self.item(kind, id), read))
    }
}

/// The item `id` of `kind` in `account` and `region` (for a global kind, `global`).
pub fn target(kind: ResourceKind, account: &str, region: &str, id: &str) -> ResourceRef {
    ResourceRef {
        kind,
        account: account.to_string(),
        region: region.to_string(),
        id: id.to_string(),
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

    /// The item the change is about.
    pub fn item(&self) -> &ResourceRef {
        match self {
            CacheChange::Upsert(fresh) => &fresh.item,
            CacheChange::Delete(item) => item,
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

impl Done {
    /// A change AWS made (its request id): the cache takes `cache`, the page says `flash`, and
    /// the browser stays where it was.
    pub fn new(request_id: String, cache: CacheChange, flash: impl Into<String>) -> Self {
        Self {
            request_id,
            cache,
            reply: Value::Null,
            redirect: None,
            flash: flash.into(),
            shown_once: None,
        }
    }

    /// An item AWS created: as [`Done::new`], and the reply names the item, whose page the
    /// browser goes to.
    pub fn created(request_id: String, cache: CacheChange, flash: impl Into<String>) -> Self {
        let item = cache.item().clone();
        Self {
            redirect: Some(item.detail_path()),
            reply: reply(&item),
            ..Self::new(request_id, cache, flash)
        }
    }

    /// With `secret`, which AWS returns only now: shown once to its creator (with `image`, a PNG
    /// such as a QR code) under `title` and `warning`, on a page that leads on to the item's;
    /// never stored.
    pub fn with_secret(
        mut self,
        title: &str,
        warning: &str,
        secret: SecretValue,
        image: Option<String>,
    ) -> Self {
        let item = self.cache.item().clone();
        self.shown_once = Some(OnceSecret {
            next: (item.detail_path(), "See the item's details".into()),
            item: Some(item),
            title: title.into(),
            warning: warning.into(),
            values: vec![secret],
            image_png_base64: image,
        });
        self
    }
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

impl DryRunPlan {
    /// A dry run `run` sends: `allowed` completes what the page says when AWS would allow the
    /// change, and `reply` makes the kind's answer.
    pub fn new<F, Fu>(allowed: String, reply: fn(PermissionCheck) -> Value, run: F) -> Self
    where
        F: FnOnce(At) -> Fu + Send + 'static,
        Fu: Future<Output = Result<(), AwsFailure>> + Send + 'static,
    {
        Self {
            run: Box::new(move |at| Box::pin(run(at))),
            allowed,
            reply,
        }
    }
}

/// A validated change, ready for the generic path: authorise → audit → AWS → cache.
pub struct Plan {
    /// The audit trail's action, e.g. `trust-provider.create`.
    pub action: &'static str,
    /// Where it goes; for a create the id is what the form named (an IPAM, a name).
    pub target: ResourceRef,
    /// The parameters as they may be audited: never a secret.
    pub params: Value,
    pub run: Run,
    pub dry_run: Option<DryRunPlan>,
}

impl Plan {
    /// A change `run` sends with no dry run: `action` on `target`, audited with `params`.
    pub fn new<F, Fu>(action: &'static str, target: ResourceRef, params: Value, run: F) -> Self
    where
        F: FnOnce(At) -> Fu + Send + 'static,
        Fu: Future<Output = Result<Done, AwsFailure>> + Send + 'static,
    {
        Self {
            action,
            target,
            params,
            run: Box::new(move |at| Box::pin(run(at))),
            dry_run: None,
        }
    }

    /// A change to the existing item `target`: `send` makes the call (given the item's id) and
    /// answers AWS's request id; the item is then read again for the cache, and `flash` says
    /// what was done, from what AWS has now.
    pub fn change<S, Fu, M>(
        action: &'static str,
        target: ResourceRef,
        params: Value,
        send: S,
        flash: M,
    ) -> Self
    where
        S: FnOnce(At, String) -> Fu + Send + 'static,
        Fu: Future<Output = Result<String, AwsFailure>> + Send + 'static,
        M: FnOnce(Option<&AwsItem>) -> String + Send + 'static,
    {
        let (kind, id) = (target.kind, target.id.clone());
        Self::new(action, target, params, move |at| async move {
            let request_id = send(at.clone(), id.clone()).await?;
            let cache = at.fresh(kind, &id).await?;
            let flash = flash(match &cache {
                CacheChange::Upsert(fresh) => Some(fresh),
                CacheChange::Delete(_) => None,
            });
            Ok(Done::new(request_id, cache, flash))
        })
    }
}

/// Tags to add or overwrite, or the keys of tags to remove.
#[derive(Clone, Copy, Debug)]
pub enum TagChange<'a> {
    Set(&'a [Tag]),
    Remove(&'a [String]),
}

/// How a kind whose tags are not EC2's changes the tags of one item: each IAM kind by Tag…
/// and Untag… calls of its own (written by `iam_tagging!`), Multi-party approval by
/// TagResource and UntagResource.
#[async_trait::async_trait]
pub trait Tagging: Send + Sync {
    /// Makes the change; answers AWS's request id.
    async fn change(&self, at: &At, id: &str, change: TagChange<'_>) -> Result<String, AwsFailure>;
}

/// A kind's calls about one of its items: read it again, delete it, tag and untag it. The IAM
/// kinds that name an item the same way in each have them written by `iam_item_calls!`.
#[async_trait::async_trait]
pub trait ItemCalls: Send + Sync {
    fn kind(&self) -> ResourceKind;

    /// One item read again after a change; `None` when AWS no longer has it.
    async fn get(&self, at: &At, id: &str) -> Result<Option<AwsItem>, AwsFailure>;

    /// Deletes the item; answers AWS's request id.
    async fn delete(&self, at: &At, id: &str) -> Result<String, AwsFailure>;

    /// How the kind's items are tagged, for a kind with tags that are not EC2's: every EC2
    /// resource is tagged the same way (CreateTags, DeleteTags), so EC2 kinds need not say how.
    fn tagging(&self) -> Option<&dyn Tagging> {
        None
    }

    /// Changes the tags of every item of `ids` (at most [`KindAdapter::tag_batch_limit`]) in
    /// one call; answers AWS's request id.
    async fn change_tags(
        &self,
        at: &At,
        ids: &[String],
        change: TagChange<'_>,
    ) -> Result<String, AwsFailure> {
        let kind = self.kind();
        match (kind.tag_rules(), self.tagging(), ids) {
            (TagRules::Ec2, _, _) if ids.len() <= ec2_tags::BATCH_LIMIT => {
                ec2_tags::change(&at.ec2().await, &at.scope, ids, change).await
            }
            (TagRules::Ec2, _, _) => Err(not_batched(kind)),
            (_, Some(tagging), [id]) => tagging.change(at, id, change).await,
            (_, None, [_]) => Err(no_tags(kind)),
            _ => Err(not_batched(kind)),
        }
    }

    /// Adds or overwrites tags; answers AWS's request id.
    async fn tag(&self, at: &At, id: &str, tags: &[Tag]) -> Result<String, AwsFailure> {
        let ids = [id.to_string()];
        self.change_tags(at, &ids, TagChange::Set(tags)).await
    }

    /// Removes tags by key; answers AWS's request id.
    async fn untag(&self, at: &At, id: &str, keys: &[String]) -> Result<String, AwsFailure> {
        self.change_tags(at, &[id.to_string()], TagChange::Remove(keys))
            .await
    }
}

/// How a kind plans one of its actions (a form): validate it, and say what the change sends.
pub type Planner = fn(&KindRequest) -> Result<Plan, AppError>;

/// A kind's AWS side. Implemented once per kind in that kind's module of `crate::aws`, with
/// its [`ItemCalls`].
#[async_trait::async_trait]
pub trait KindAdapter: ItemCalls {
    /// Every item in one scope, with one paginated list and only the reads the list lacks.
    async fn list(&self, at: &At) -> Result<Vec<AwsItem>, AwsFailure>;

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
        self.change_tags(at, ids, TagChange::Set(tags)).await
    }

    /// Removes the same keys from every item of `ids` (at most [`Self::tag_batch_limit`]).
    async fn untag_many(
        &self,
        at: &At,
        ids: &[String],
        keys: &[String],
    ) -> Result<String, AwsFailure> {
        self.change_tags(at, ids, TagChange::Remove(keys)).await
    }

    /// The choices the kind's form `form` offers, read in each of `places`.
    async fn form_options(&self, form: &str, _places: Vec<At>) -> Result<Value, AppError> {
        Err(AppError::not_found(format!(
            "{} have no form named {form}.",
            self.kind().title()
        )))
    }

    /// The fewest AWS calls that read one scope holding `items` of the kind (what the sync's
    /// figures are measured against): the lists, and what each item needs that they lack. By
    /// default one list, and one read per item of what the list lacks (tags, mostly).
    fn fewest_calls(&self, items: u64) -> u64 {
        1 + items
    }

    /// The kind's actions (its forms, e.g. `create`), each with how it is planned.
    fn actions(&self) -> &'static [(&'static str, Planner)];

    /// Validates one of the kind's forms and plans the change; nothing is sent yet. An action
    /// the kind does not have is refused.
    fn plan(&self, request: KindRequest) -> Result<Plan, AppError> {
        match self
            .actions()
            .iter()
            .find(|(action, _)| *action == request.action)
        {
            Some((_, planner)) => planner(&request),
            None => Err(unknown_action(&request)),
        }
    }

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

/// Every listed item (`ids`) read again with `adapter`'s `get`, for a list that lacks what an
/// item shows; an item gone between the list and the read is left out.
pub async fn read_each<'a, A>(
    at: &At,
    adapter: &A,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<AwsItem>, AwsFailure>
where
    A: ItemCalls + ?Sized,
{
    let mut items = Vec::new();
    for id in ids {
        items.extend(adapter.get(at, id).await?);
    }
    Ok(items)
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
