//! What every kind's "new item" page shares: the page around its form, the form's frame (its
//! card, alert, CSRF and idempotency fields and the choice of the account and region the item is
//! made in), and the buttons of forms that can also only check.

use super::form::{action_error, form_level, ActionAlert, CsrfField, FieldMessage, FormFn, SELECT};
use super::Loaded;
use super::TextField;
use crate::api::resources::{get_create_form_options, get_renewal};
use crate::model::{
    AppError, CreateFormOptions, PermissionCheck, RenewalForm, ResourceKind, ResourceRef,
};
use crate::pages::{PageTitle, CARD};
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// The values a renewal's create form starts with, for the fields inside it.
#[derive(Clone)]
struct Prefill(RenewalForm);

/// What the field named `name` (e.g. `token[license]`) starts with: on a renewal's create form
/// (`/<kinds>/new?renew_account=…&renew_region=…&renew_id=…`), the renewed item's value.
pub fn prefilled(name: &str) -> Option<String> {
    use_context::<Prefill>().and_then(|prefill| prefill.0.value(name).map(str::to_string))
}

/// The item a create page renews, from its query (`renew_account`, `renew_region`,
/// `renew_id`), if it renews one.
fn renewed(kind: ResourceKind) -> Option<ResourceRef> {
    let query = leptos_router::hooks::use_query_map().get_untracked();
    Some(ResourceRef {
        kind,
        account: query.get("renew_account")?,
        region: query.get("renew_region")?,
        id: query.get("renew_id")?,
    })
}

/// The page's title and what the kind is (its children), then the form once what it offers
/// (`load`: the accounts to create in, the kind's choices) has loaded, or why that failed. A
/// renewal's form starts from the renewed item's values, under a note saying which item.
#[component]
pub fn CreatePage<Options, Load, Loading, Form, FormView>(
    #[prop(into)] title: String,
    load: Load,
    form: Form,
    /// Shown while `load` runs; worth saying when it reads AWS in every account.
    #[prop(default = "Loading…")]
    loading: &'static str,
    children: Children,
) -> impl IntoView
where
    Options: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    Load: Fn() -> Loading + Send + Sync + 'static,
    Loading: Future<Output = Result<Options, AppError>> + Send + 'static,
    Form: Fn(Options) -> FormView + Copy + Send + Sync + 'static,
    FormView: IntoView + 'static,
{
    // Every create page is at `/<kinds>/new`: its trail leads back to the kind's inventory.
    let here = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let kind = here.strip_suffix("/new").and_then(ResourceKind::from_path);
    let renews = kind.and_then(renewed);
    let options = Resource::new(
        || (),
        move |_| {
            let (options, renews) = (load(), renews.clone());
            async move {
                let options = options.await?;
                // An item that cannot be renewed (deleted since, or a crafted address) leaves the
                // form empty under a warning, rather than no form at all.
                let renewal = match renews {
                    Some(item) => Some(get_renewal(item).await.map_err(|_| ())),
                    None => None,
                };
                Ok::<_, AppError>((options, renewal))
            }
        },
    );
    let trail = kind
        .map(|kind| crate::pages::kind_trail(kind, true))
        .unwrap_or_default();
    let opened = move |(options, renewal): (Options, Option<Result<RenewalForm, ()>>)| {
        let note = match renewal {
            Some(Ok(renewal)) => {
                provide_context(Prefill(renewal.clone()));
                Some(view! { <RenewalNote renewal /> }.into_any())
            }
            Some(Err(())) => Some(view! {
                <div id="renewal-note" role="alert" class="mb-4 max-w-3xl rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
                    "The item to renew is not in the cache any more (or is not renewed by a new one), so the form starts empty."
                </div>
            }.into_any()),
            None => None,
        };
        view! { {note} {form(options)} }
    };
    view! {
        <PageTitle title trail />
        <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">{children()}</p>
        <Loaded data=options loading=move || view! { <p>{loading}</p> } children=opened />
    }
}

/// Which item a renewal's form renews, and what is left to the admin.
#[component]
fn RenewalNote(renewal: RenewalForm) -> impl IntoView {
    let old = renewal.renews.clone();
    view! {
        <div id="renewal-note" role="note" class="mb-4 max-w-3xl rounded-md border border-indigo-200 bg-indigo-50 px-4 py-3 text-sm text-indigo-950 dark:border-indigo-900 dark:bg-indigo-950 dark:text-indigo-100">
            "Renewing " <a href=old.detail_path() class="font-semibold underline">{renewal.name.clone()}</a>
            {renewal.expires_at.clone().map(|at| view! { " (its expiry: " <super::LocalTime utc=at /> ")" })}
            ": the form starts from its settings. Check them and create the new one: the two are linked, the old one stops counting as expiring and gets no more notices, and the new one's page offers to retire it (delete it now, or leave it to expire)."
        </div>
    }
}

/// The `account/region` targets a new item of `kind` can be made in, as a select named `name`
/// whose choice `target` follows. IAM is global, so its targets show the account alone.
#[component]
pub fn TargetSelect(
    /// The select's element id; its error message is `{id}-error`.
    #[prop(into)]
    id: String,
    /// The name the server function expects, e.g. `provider[target]`.
    #[prop(into)]
    name: String,
    kind: ResourceKind,
    targets: Vec<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let global = kind.is_global();
    let chosen = prefilled(&name);
    let options = targets
        .into_iter()
        .map(|t| {
            let selected = chosen.as_deref() == Some(t.as_str());
            let shown = if global {
                t.split('/').next().unwrap_or_default().to_string()
            } else {
                t.replace('/', " · ")
            };
            view! { <option value=t selected=selected>{shown}</option> }
        })
        .collect_view();
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">
                {if global { "Account" } else { "Account and region" }}
            </label>
            // Nothing is chosen for the admin: an item made in the wrong account is costly to
            // undo, so the form asks (the browser, and the server's check, refuse it empty).
            <select id=id name=name aria-describedby=error_id.clone() class=SELECT required>
                <option value="">{if global { "Choose an account…" } else { "Choose an account and region…" }}</option>
                {options}
            </select>
            <FieldMessage error field="target" id=error_id />
        </div>
    }
}

/// What a create form's own fields need from the form around them.
#[derive(Clone, Copy)]
pub struct FormState {
    /// The form's last refusal, whose field errors its fields show.
    pub error: Signal<Option<AppError>>,
    /// The element id of the control holding the `account/region…` the item is made in (its
    /// tags' rules depend on the account).
    pub target_control: Signal<String>,
    /// While the form is being sent.
    pub pending: Signal<bool>,
}

/// A kind's create form: the card and the form posting to `action`, the error no field shows,
/// the permission check of a dry run, the CSRF field, the form's idempotency token, the choice of
/// target, then the kind's own fields and buttons (`children`, given the form's [`FormState`]).
#[component]
pub fn CreateForm<S, F, V>(
    kind: ResourceKind,
    action: ServerAction<S>,
    /// The server function's argument the fields post under, e.g. `profile` (`profile[name]`).
    arg: &'static str,
    /// The prefix of the form's element ids, e.g. `profile` (`profile-target`).
    id: &'static str,
    /// The targets offered; none is chosen until the admin picks one.
    targets: Vec<String>,
    /// The kind's own field offers the targets (an IPAM, a license), not the generic select.
    #[prop(optional)]
    own_target: bool,
    /// The idempotency token the form carries, where AWS takes one.
    #[prop(default = None, into)]
    client_token: Option<String>,
    /// What a dry run answered, for forms that can check permissions.
    #[prop(default = None, into)]
    checked: Option<Signal<Option<PermissionCheck>>>,
    /// A heading for screen readers, where the card needs a name.
    #[prop(default = None, into)]
    heading: Option<&'static str>,
    children: F,
) -> impl IntoView
where
    S: FormFn,
    F: FnOnce(FormState) -> V + Send + 'static,
    V: IntoView + 'static,
{
    let error = action_error(action);
    let form = FormState {
        error,
        target_control: Signal::stored(format!("{id}-target")),
        pending: action.pending().into(),
    };
    let heading_id = heading.map(|_| format!("{id}-form-heading"));
    let heading =
        heading.map(|text| view! { <h2 id=heading_id.clone() class="sr-only">{text}</h2> });
    let client_token = client_token.map(
        |token| view! { <input type="hidden" name=format!("{arg}[client_token]") value=token /> },
    );
    // A renewal's form says which item the new one renews, so that the pair is linked.
    let renews = use_context::<Prefill>().map(|prefill| {
        let old = prefill.0.renews;
        view! {
            <input type="hidden" name=format!("{arg}[renews][account]") value=old.account />
            <input type="hidden" name=format!("{arg}[renews][region]") value=old.region />
            <input type="hidden" name=format!("{arg}[renews][id]") value=old.id />
        }
    });
    let select = (!own_target).then(|| {
        view! { <TargetSelect id=form.target_control.get_untracked() name=format!("{arg}[target]") kind targets error /> }
    });
    view! {
        <section class=format!("{CARD} max-w-3xl") aria-labelledby=heading_id.clone()>
            {heading}
            <ActionForm action>
                <div class="space-y-4">
                    <ActionAlert error=form_level(error) />
                    {checked.map(|checked| view! { <PermissionCheckStatus checked /> })}
                    <CsrfField />
                    {client_token}
                    {renews}
                    {select}
                    {children(form)}
                </div>
            </ActionForm>
        </section>
    }
}

/// The create page of a kind whose form needs only the generic choices (the targets, an
/// idempotency token): `title`, what the kind is (`about`), and its [`CreateForm`] once they
/// have loaded, with the kind's fields (`children`).
#[component]
pub fn NewItemPage<S, F, V>(
    kind: ResourceKind,
    #[prop(into)] title: String,
    #[prop(into)] about: ViewFn,
    action: ServerAction<S>,
    /// The server function's argument the fields post under, e.g. `profile`.
    arg: &'static str,
    /// The prefix of the form's element ids, when it is not `arg`.
    #[prop(optional)]
    id: Option<&'static str>,
    /// The form carries the idempotency token (the kind's create call takes one).
    #[prop(optional)]
    client_token: bool,
    #[prop(optional, into)] checked: Option<Signal<Option<PermissionCheck>>>,
    children: F,
) -> impl IntoView
where
    S: FormFn,
    F: Fn(FormState) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let id = id.unwrap_or(arg);
    let form = move |options: CreateFormOptions| {
        let token = client_token.then_some(options.client_token);
        view! {
            <CreateForm kind action arg id targets=options.targets client_token=token checked children />
        }
    };
    view! {
        <CreatePage title load=move || get_create_form_options(kind) form>
            {about.run()}
        </CreatePage>
    }
}

/// The name and the path of an IAM item's create form: `{arg}[name]` and `{arg}[path]`
/// (optional), with the form's element ids `{id}-name` and `{id}-path`.
#[component]
pub fn IamNameAndPath(
    form: FormState,
    id: &'static str,
    arg: &'static str,
    name_hint: &'static str,
    path_hint: &'static str,
) -> impl IntoView {
    let error = form.error;
    view! {
        <TextField form=id name=format!("{arg}[name]") field="name" label="Name" error hint=name_hint />
        <TextField form=id name=format!("{arg}[path]") field="path" label="Path" error required=false hint=path_hint />
    }
}

/// A dry run's answer: allowed, or why not.
#[component]
fn PermissionCheckStatus(checked: Signal<Option<PermissionCheck>>) -> impl IntoView {
    move || {
        checked.get().map(|check| {
            let class = if check.allowed {
                "rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
            } else {
                "rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
            };
            view! { <div role="status" id="permission-check" class=class>{check.message}</div> }
        })
    }
}

/// The two buttons of a form that can also only check: `intent=create` does it, `intent=check`
/// answers whether it would work (a dry run, or a check of what was given) and sends nothing.
#[component]
pub fn IntentButtons(
    /// The create button's element id and label.
    create: (&'static str, &'static str),
    /// The check button's element id and label.
    check: (&'static str, &'static str),
    pending: Signal<bool>,
    /// Nothing can be created (nothing to choose from).
    #[prop(optional)]
    disabled: bool,
) -> impl IntoView {
    let disabled = move || pending.get() || disabled;
    view! {
        <div class="flex flex-wrap gap-2">
            <button type="submit" name="intent" value="create" id=create.0 disabled=disabled
                class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">
                {create.1}
            </button>
            <button type="submit" name="intent" value="check" id=check.0 disabled=disabled
                class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800">
                {check.1}
            </button>
        </div>
    }
}
