//! Fields that apply only to some choices of another field (a trust provider's OIDC options only
//! for OIDC): all shown without JavaScript, each with a legend saying when it applies; in the
//! browser, shown only while the choice holds.

use super::dom::follow_value;
use leptos::prelude::*;

/// Its children, hidden while the form control `control` (an element id) holds none of
/// `values`. Nest two for "this and that".
#[island]
pub fn ShowWhen(control: String, values: Vec<String>, children: Children) -> impl IntoView {
    // Shown until the browser reads the control: the server's HTML has everything.
    let shown = RwSignal::new(true);
    Effect::new(move |_| {
        let values = values.clone();
        follow_value(&control, move |value| shown.set(values.contains(&value)));
    });
    view! { <div class:hidden=move || !shown.get()>{children()}</div> }
}
