use leptos::prelude::*;

/// A UTC instant, shown in UTC by the server and in the viewer's time zone in a browser (by the
/// page's [`PageEnhancements`](crate::islands::PageEnhancements)).
#[component]
pub fn LocalTime(
    /// RFC 3339.
    #[prop(into)]
    utc: String,
) -> impl IntoView {
    let text = utc_display(&utc);
    view! {
        <time datetime=utc.clone() title=utc data-local="">
            {text}
        </time>
    }
}

/// `2026-11-22T08:15:00.123Z` → `2026-11-22 08:15 UTC`: readable without JavaScript, to the
/// minute as every time on every page (the exact instant is the element's `datetime` and title).
pub fn utc_display(rfc3339: &str) -> String {
    match (rfc3339.get(0..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// Whether `text` is an RFC 3339 instant (`2026-11-22T08:15:00Z`, with or without fractions, in
/// UTC or with an offset): AWS's dates in an item's fields, shown as every time is.
pub fn is_instant(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|part| part.iter().all(u8::is_ascii_digit))
    };
    bytes.len() >= 20
        && digits(0..4)
        && bytes[4] == b'-'
        && digits(5..7)
        && bytes[7] == b'-'
        && digits(8..10)
        && bytes[10] == b'T'
        && digits(11..13)
        && bytes[13] == b':'
        && digits(14..16)
        && bytes[16] == b':'
        && digits(17..19)
        && (text.ends_with('Z') || text.get(19..).is_some_and(|zone| zone.contains(['+', '-'])))
}

/// The instant in the browser's time zone and locale, to the minute, with the zone's name
/// (`Dec 6, 2026, 09:15 PM GMT+1`).
#[cfg(feature = "hydrate")]
pub fn local_display(rfc3339: &str) -> Option<String> {
    use wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return None;
    }
    let options = js_sys::Object::new();
    for (key, value) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        js_sys::Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value)).ok()?;
    }
    date.to_locale_string("default", &options).as_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_display_is_readable() {
        assert_eq!(
            utc_display("2026-11-22T08:15:00.123Z"),
            "2026-11-22 08:15 UTC"
        );
        assert_eq!(utc_display("garbage"), "garbage");
    }

    #[test]
    fn instants_are_told_from_other_text() {
        for instant in [
            "2025-08-14T00:47:44.000Z",
            "2025-08-14T00:47:44Z",
            "2025-08-14T00:47:44+02:00",
        ] {
            assert!(is_instant(instant), "{instant}");
        }
        for other in [
            "2025-08-14",
            "v1",
            "arn:aws:iam::1:policy/x",
            "2025-08-14T00:47:44",
            "1 entity",
            "2025-08-14T00:47:€+",
            "2025-08-14T00:47€€€€Z",
        ] {
            assert!(!is_instant(other), "{other}");
        }
    }
}
