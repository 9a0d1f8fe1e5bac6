//! What every kind's "new item" page shares: the page around its form, and the choice of the
//! account (and region) the item is made in.

use super::form::FieldMessage;
use super::form::SELECT;
use crate::model::{AppError, ResourceKind};
use crate::pages::{PageError, PageTitle};
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};
use std::future::Future;

/// The page's title and what the kind is (its children), then the form once what it offers
/// (`load`: the accounts to create in, the kind's choices) has loaded, or why that failed.
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
    let options = Resource::new(|| (), move |_| load());
    view! {
        <PageTitle title />
        <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">{children()}</p>
        <Suspense fallback=move || view! { <p>{loading}</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(options) => form(options).into_any(),
                }
            })}
        </Suspense>
    }
}

/// The `account/region` targets a new item of `kind` can be made in, as a select named `name`
/// whose choice `target` follows. IAM is global, so its targets show the account alone.
#[component]
pub fn TargetSelect(
    /// The select's element id; its error message is `{id}-error`.
    id: &'static str,
    /// The name the server function expects, e.g. `provider[target]`.
    name: &'static str,
    kind: ResourceKind,
    targets: Vec<String>,
    target: RwSignal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let global = kind.is_global();
    let options = targets
        .into_iter()
        .map(|t| {
            let shown = if global {
                t.split('/').next().unwrap_or_default().to_string()
            } else {
                t.replace('/', " · ")
            };
            view! { <option value=t>{shown}</option> }
        })
        .collect_view();
    view! {
        <div>
            <label for=id class="block text-sm font-medium">
                {if global { "Account" } else { "Account and region" }}
            </label>
            <select id=id name=name aria-describedby=error_id.clone()
                on:change=move |ev| target.set(event_target_value(&ev))
                class=SELECT>
                {options}
            </select>
            <FieldMessage error field="target" id=error_id />
        </div>
    }
}
