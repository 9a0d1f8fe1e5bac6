//! Every form that posts to a server function, sent from the page instead of by the browser:
//! a refusal comes back beside its fields with what was typed kept (a plain post would load the
//! page again, emptied), and success goes where the server says (or reloads the page), whose
//! notice the server keeps for that next page, as it does for a plain post. Without JavaScript
//! the same forms post as they are.

use crate::model::AppError;
use leptos::server_fn::error::FromServerFnError;
use wasm_bindgen::{closure::Closure, JsCast};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, HtmlElement, HtmlFormElement, SubmitEvent};

/// Where the server functions answer; other forms (GET filters, the one-time secret's reveal)
/// are left to the browser.
const SERVER_FUNCTIONS: &str = "/api/";
/// A form that must post as the browser does.
const NATIVE: &str = "data-native";
/// The alert a refused form gets at its top.
const FORM_ALERT: &str = "data-form-alert";
const ALERT_CLASS: &str = "alert-error";
/// The answer a check gets at the top of its form.
const FORM_NOTICE: &str = "data-form-notice";
const NOTICE_CLASS: &str = "notice-info";

/// Listens for every form submission on the page, once.
pub fn send_forms_from_the_page(document: &web_sys::Document) {
    let listener = Closure::<dyn Fn(SubmitEvent)>::new(|event: SubmitEvent| {
        let Some(form) = event
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if !sent_from_the_page(&form) || event.default_prevented() {
            return;
        }
        event.prevent_default();
        wasm_bindgen_futures::spawn_local(send(form, event.submitter()));
    });
    let _ = document.add_event_listener_with_callback("submit", listener.as_ref().unchecked_ref());
    listener.forget();
}

fn sent_from_the_page(form: &HtmlFormElement) -> bool {
    form.method().eq_ignore_ascii_case("post")
        && !form.has_attribute(NATIVE)
        && form
            .get_attribute("action")
            .is_some_and(|action| action.starts_with(SERVER_FUNCTIONS))
}

async fn send(form: HtmlFormElement, submitter: Option<HtmlElement>) {
    let buttons = submit_buttons(&form);
    for button in &buttons {
        let _ = button.set_attribute("disabled", "");
    }
    let _ = form.set_attribute("aria-busy", "true");
    // A check answers beside the form and leaves what was typed as it is.
    let stays = submitter
        .as_ref()
        .is_some_and(|button| button.get_attribute("value").as_deref() == Some("check"));
    let outcome = post(&form, submitter.as_ref(), stays).await;
    let _ = form.remove_attribute("aria-busy");
    for button in &buttons {
        let _ = button.remove_attribute("disabled");
    }
    let location = web_sys::window().map(|window| window.location());
    match (outcome, location) {
        (
            Ok(Answer {
                next: Some(next), ..
            }),
            Some(location),
        ) => {
            let _ = location.assign(&next);
        }
        (
            Ok(Answer {
                notice: Some(notice),
                ..
            }),
            _,
        ) if stays => show_notice(&form, &notice),
        (Ok(_), Some(location)) => {
            let _ = location.reload();
        }
        (Err(error), _) => show_refusal(&form, &error),
        (Ok(_), None) => {}
    }
}

/// What a form's success answered: where to go next, and (for a form that stays) its notice.
struct Answer {
    next: Option<String>,
    notice: Option<String>,
}

/// Posts the form as the browser would (the submitter's name and value included), asking for
/// JSON: where to go next on success, or the refusal.
async fn post(
    form: &HtmlFormElement,
    submitter: Option<&HtmlElement>,
    stays: bool,
) -> Result<Answer, AppError> {
    let unreachable = || {
        AppError::unavailable(
            "trustdesk's server could not be reached. Check your connection and try again.",
        )
    };
    let data = web_sys::FormData::new_with_form(form).map_err(|_| unreachable())?;
    // The button that sent it counts, as in a plain post (`intent=check` or `intent=create`).
    if let Some(name) = submitter.and_then(|button| button.get_attribute("name")) {
        let value = submitter
            .and_then(|button| button.get_attribute("value"))
            .unwrap_or_default();
        let _ = data.append_with_str(&name, &value);
    }
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
        .map_err(|_| unreachable())?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    let headers = web_sys::Headers::new().map_err(|_| unreachable())?;
    let _ = headers.set("Accept", "application/json");
    if stays {
        let _ = headers.set(crate::api::STAY_HEADER, crate::api::STAY_VALUE);
    }
    init.set_headers(&headers);
    let action = form.get_attribute("action").unwrap_or_default();
    let window = web_sys::window().ok_or_else(unreachable)?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&action, &init))
            .await
            .map_err(|_| unreachable())?
            .unchecked_into();
    if response.ok() {
        let header = |name: &str| response.headers().get(name).ok().flatten();
        return Ok(Answer {
            next: header("location"),
            notice: header(crate::api::NOTICE_HEADER)
                .and_then(|encoded| js_sys::decode_uri_component(&encoded).ok())
                .map(String::from),
        });
    }
    let text = match response.text() {
        Ok(text) => JsFuture::from(text).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    };
    Err(text
        .map(|text| AppError::de(text.into()))
        .unwrap_or_else(unreachable))
}

fn submit_buttons(form: &HtmlFormElement) -> Vec<Element> {
    let mut buttons = Vec::new();
    if let Ok(found) = form.query_selector_all("button[type=submit], button:not([type])") {
        for index in 0..found.length() {
            if let Some(button) = found.item(index).and_then(|n| n.dyn_into::<Element>().ok()) {
                if !button.has_attribute("disabled") {
                    buttons.push(button);
                }
            }
        }
    }
    buttons
}

/// The refusal beside each field it names (its `p[data-field]`, and `aria-invalid` on the
/// control that points at it), and its sentence in an alert at the top of the form, which
/// also lists what no field on the form shows.
fn show_refusal(form: &HtmlFormElement, error: &AppError) {
    remove_box(form, FORM_NOTICE);
    say_beside_fields(form, Some(error));
    let mut unshown = Vec::new();
    for field in &error.fields {
        let selector = format!("p[data-field=\"{}\"]", field.field.replace('"', ""));
        if form.query_selector(&selector).ok().flatten().is_none() {
            unshown.push(format!("{}: {}", field.field, field.message));
        }
    }
    let Some(alert) = box_at_the_top(form, FORM_ALERT, "alert", ALERT_CLASS) else {
        return;
    };
    let mut text = error.message.clone();
    for line in unshown {
        text.push('\n');
        text.push_str(&line);
    }
    if let Some(id) = &error.request_id {
        text.push_str(&format!(" (request {id})"));
    }
    alert.set_text_content(Some(&text));
    if let Some(first) = form
        .query_selector("[aria-invalid=true]")
        .ok()
        .flatten()
        .and_then(|control| control.dyn_into::<HtmlElement>().ok())
    {
        let _ = first.focus();
    }
}

/// A check's answer at the top of the form, in a live region, with the last refusal cleared.
fn show_notice(form: &HtmlFormElement, notice: &str) {
    say_beside_fields(form, None);
    remove_box(form, FORM_ALERT);
    if let Some(shown) = box_at_the_top(form, FORM_NOTICE, "status", NOTICE_CLASS) {
        shown.set_text_content(Some(notice));
    }
}

/// Each field's part of `error` in its `p[data-field]` (emptied where it has none, or without
/// an error), and `aria-invalid` on the control that points at it.
fn say_beside_fields(form: &HtmlFormElement, error: Option<&AppError>) {
    let Ok(found) = form.query_selector_all("p[data-field]") else {
        return;
    };
    for message in (0..found.length()).filter_map(|i| found.item(i)?.dyn_into::<Element>().ok()) {
        let field = message.get_attribute("data-field").unwrap_or_default();
        let text = error.and_then(|error| error.field(&field));
        message.set_text_content(text);
        if let Some(control) = control_described_by(form, &message.id()) {
            let _ = control.set_attribute("aria-invalid", &text.is_some().to_string());
        }
    }
}

/// The form's box marked `marker` (an attribute), made first in the form if it has none.
fn box_at_the_top(
    form: &HtmlFormElement,
    marker: &str,
    role: &str,
    class: &str,
) -> Option<Element> {
    if let Some(found) = form.query_selector(&format!("[{marker}]")).ok().flatten() {
        return Some(found);
    }
    let made = form.owner_document()?.create_element("div").ok()?;
    let _ = made.set_attribute(marker, "");
    let _ = made.set_attribute("role", role);
    let _ = made.set_attribute("class", class);
    let _ = form.prepend_with_node_1(&made);
    Some(made)
}

fn remove_box(form: &HtmlFormElement, marker: &str) {
    if let Some(found) = form.query_selector(&format!("[{marker}]")).ok().flatten() {
        found.remove();
    }
}

fn control_described_by(form: &HtmlFormElement, id: &str) -> Option<Element> {
    if id.is_empty() {
        return None;
    }
    form.query_selector(&format!("[aria-describedby~=\"{id}\"]"))
        .ok()
        .flatten()
}
