use super::csrf::use_csrf_token;
use crate::{api::CSRF_FIELD, model::user::PASSWORD_MIN_CHARS, model::AppError};
use leptos::prelude::*;
use leptos::server_fn::{
    client::Client,
    codec::{Json, PostUrl},
    request::ClientReq,
    Http, ServerFn,
};

/// A server function an [`ActionForm`] posts to (form-encoded, answering JSON): what a shared
/// form component needs of the action it is given.
pub trait FormFn:
    serde::de::DeserializeOwned
    + ServerFn<
        Protocol = Http<PostUrl, Json>,
        Error = AppError,
        Output: Clone + Send + Sync + 'static,
        Client: Client<AppError, Request: ClientReq<AppError, FormData: From<web_sys::FormData>>>,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<S> FormFn for S where
    S: serde::de::DeserializeOwned
        + ServerFn<
            Protocol = Http<PostUrl, Json>,
            Error = AppError,
            Output: Clone + Send + Sync + 'static,
            Client: Client<
                AppError,
                Request: ClientReq<AppError, FormData: From<web_sys::FormData>>,
            >,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// How a form's `<select>` looks.
pub const SELECT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-800";

/// The session's CSRF token as a hidden field; every mutating form must contain one.
#[component]
pub fn CsrfField() -> impl IntoView {
    let token = use_csrf_token();
    view! { <input type="hidden" name=CSRF_FIELD value=move || token.get() /> }
}

/// The error message of one field, with the id its input points at through aria-describedby.
#[component]
pub fn FieldMessage(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] field: String,
    #[prop(into)] id: String,
) -> impl IntoView {
    let name = field.clone();
    let message = move || {
        error
            .get()
            .and_then(|e| e.field(&field).map(str::to_string))
    };
    view! {
        // Always present, so aria-describedby never points at nothing; the form's ActionAlert is
        // the live region that announces the failure.
        <p id=id data-field=name class="mt-1 text-sm text-red-700 dark:text-red-400">
            {message}
        </p>
    }
}

/// What a field's input points at with `aria-describedby`: its hint `{id}-hint`, where it has
/// one, and its error `{id}-error`.
pub fn described_by(id: &str, hint: bool) -> String {
    if hint {
        format!("{id}-hint {id}-error")
    } else {
        format!("{id}-error")
    }
}

/// A field's `aria-invalid`: whether the form's last error names `field`.
pub fn invalid(
    error: Signal<Option<AppError>>,
    field: String,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    move || {
        error
            .get()
            .is_some_and(|e| e.field(&field).is_some())
            .to_string()
    }
}

/// A labelled input whose error, if any, is shown below it and announced to screen readers.
#[component]
pub fn TextField(
    /// The form this field belongs to, to keep element ids unique on pages with several forms.
    #[prop(into)]
    form: String,
    /// The name the server function expects, e.g. `user[username]`.
    #[prop(into)]
    name: String,
    /// The field name in validation errors, e.g. `username`.
    #[prop(into)]
    field: String,
    #[prop(into)] label: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let input_id = format!("{form}-{field}");
    let (hint_id, error_id) = (format!("{input_id}-hint"), format!("{input_id}-error"));
    let described_by = described_by(&input_id, hint.is_some());
    let invalid = invalid(error, field.clone());
    let value = super::prefilled(&name);
    view! {
        <div>
            <label for=input_id.clone() class="block text-sm font-medium">
                {label}
            </label>
            <input
                id=input_id
                value=value
                name=name
                type=input_type
                autocomplete=autocomplete
                required=required
                aria-invalid=invalid
                aria-describedby=described_by
                class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 aria-[invalid=true]:border-red-600 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100"
            />
            {hint.map(|h| view! { <p id=hint_id class="mt-1 text-xs text-slate-500 dark:text-slate-400">{h}</p> })}
            <FieldMessage error field id=error_id />
        </div>
    }
}

/// A new account's password, twice, as the server function's `{arg}[password]` and
/// `{arg}[password_confirm]`.
#[component]
pub fn NewPasswordFields(
    /// The form, for the element ids (`{form}-password`).
    form: &'static str,
    arg: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    view! {
        <TextField form name=format!("{arg}[password]") field="password" label="Password"
            input_type="password" autocomplete="new-password" error
            hint=format!("At least {PASSWORD_MIN_CHARS} characters") />
        <TextField form name=format!("{arg}[password_confirm]") field="password_confirm"
            label="Password again" input_type="password" autocomplete="new-password" error />
    }
}

#[component]
pub fn SubmitButton(
    #[prop(into)] label: String,
    #[prop(into, default = Signal::from(false))] pending: Signal<bool>,
    #[prop(default = false)] danger: bool,
) -> impl IntoView {
    let class = if danger {
        "rounded-md bg-red-700 px-3 py-2 text-sm font-semibold text-white hover:bg-red-600 disabled:opacity-60"
    } else {
        "rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60"
    };
    view! {
        <button type="submit" class=class disabled=move || pending.get()>
            {label}
        </button>
    }
}

/// The outcome of a form's last submission: the error's sentence, or a success message.
#[component]
pub fn ActionAlert(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into, optional)] success: Option<Signal<Option<String>>>,
) -> impl IntoView {
    view! {
        {move || {
            error
                .get()
                .map(|e| {
                    view! {
                        <div
                            role="alert"
                            class="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
                        >
                            {e.message}
                        </div>
                    }
                })
        }}
        {move || {
            success
                .and_then(|s| s.get())
                .map(|message| {
                    view! {
                        <div
                            role="status"
                            class="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
                        >
                            {message}
                        </div>
                    }
                })
        }}
    }
}

/// The error of a server action's last run, as a signal for forms.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get().and_then(|r| r.err()))
}

/// The error of a form's last submission that its fields do not show: one about no field, or
/// about the form's hidden idempotency token. The form's [`ActionAlert`] shows it.
pub fn form_level(error: Signal<Option<AppError>>) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error
            .get()
            .filter(|e| e.fields.is_empty() || e.field("client_token").is_some())
    })
}

/// `message` once a server action's last run succeeded, as a signal for [`ActionAlert`].
pub fn action_success<I, O>(
    action: ServerAction<I>,
    message: &'static str,
) -> Signal<Option<String>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || matches!(value.get(), Some(Ok(_))).then(|| message.to_string()))
}

/// What `pick` finds in a server action's last answer (e.g. a dry run's outcome), as a signal.
pub fn action_answer<I, O, T>(
    action: ServerAction<I>,
    pick: fn(O) -> Option<T>,
) -> Signal<Option<T>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    let value = action.value();
    Signal::derive(move || value.get().and_then(|answer| answer.ok()).and_then(pick))
}
