//! Chinese first, English on a switch, through `leptos_i18n`: the strings
//! live in `assets/i18n/{zh,en}.json`, and a key the files lack is a
//! compile error, not a blank on screen. Counts and names go into the text
//! through `{n}`-style placeholders the caller fills (`fill`). Error codes
//! from the shell map to our own wording here, code by code; a code this
//! version does not know shows the shell's message.
//!
//! The choice is remembered in the webview's storage (its data folder is
//! the device's own, so two devices on one machine choose apart).

// `load_locales!` is deprecated in favour of a build.rs generator that
// pulls ICU's data-export tooling; the macro reads the same files and
// needs nothing from the network.
#![allow(deprecated)]

use gridwalk_domain::Role;
use gridwalk_domain::field::FieldError;

leptos_i18n::load_locales!();

pub use i18n::{I18nContextProvider, Locale, t_string, use_i18n};

pub type I18n = leptos_i18n::I18nContext<Locale>;

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

pub fn english(i18n: I18n) -> bool {
    i18n.get_locale() == Locale::en
}

pub fn toggle(i18n: I18n) {
    let next = if i18n.get_locale_untracked() == Locale::zh {
        Locale::en
    } else {
        Locale::zh
    };
    i18n.set_locale(next);
    if let Some(s) = local_storage() {
        let _ = s.set_item("lang", if next == Locale::en { "en" } else { "zh" });
    }
}

/// The language chosen last time on this device.
pub fn restore(i18n: I18n) {
    let saved = local_storage().and_then(|s| s.get_item("lang").ok().flatten());
    if saved.as_deref() == Some("en") {
        i18n.set_locale(Locale::en);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn role_label(i18n: I18n, role: Role) -> &'static str {
    match role {
        Role::Reporter => t_string!(i18n, role.reporter),
        Role::GridWorker => t_string!(i18n, role.grid_worker),
        Role::Office => t_string!(i18n, role.office),
        Role::Department => t_string!(i18n, role.department),
        Role::Admin => t_string!(i18n, role.admin),
    }
}

/// Our wording for an error code, else the family's, else the message.
pub fn error_text(i18n: I18n, code: &str, message: &str) -> String {
    let exact = match code {
        "photo.corrupt" => Some(t_string!(i18n, err.photo.corrupt)),
        "photo.not_image" => Some(t_string!(i18n, err.photo.not_image)),
        "photo.too_large" => Some(t_string!(i18n, err.photo.too_large)),
        "photo.too_many_pixels" => Some(t_string!(i18n, err.photo.too_many_pixels)),
        "photo.unsupported" => Some(t_string!(i18n, err.photo.unsupported)),
        "report.no_photo" => Some(t_string!(i18n, err.report.no_photo)),
        "report.category" => Some(t_string!(i18n, err.report.category)),
        "report.long_description" => Some(t_string!(i18n, err.report.long_description)),
        "report.too_many_photos" => Some(t_string!(i18n, err.report.too_many_photos)),
        "report.long_reporter" => Some(t_string!(i18n, err.report.long_reporter)),
        "report.missing_photo" => Some(t_string!(i18n, err.report.missing_photo)),
        "location" => Some(t_string!(i18n, err.location)),
        "settings.server_url" => Some(t_string!(i18n, err.settings.server_url)),
        "sync.unreachable" => Some(t_string!(i18n, err.sync.unreachable)),
        "sync.timeout" => Some(t_string!(i18n, err.sync.timeout)),
        "sync.server_error" => Some(t_string!(i18n, err.sync.server_error)),
        "sync.bad_server_data" => Some(t_string!(i18n, err.sync.bad_server_data)),
        "account.not_bound" => Some(t_string!(i18n, err.account.not_bound)),
        "account.grid_not_yours" => Some(t_string!(i18n, err.account.grid_not_yours)),
        "account.no_grids" => Some(t_string!(i18n, err.account.no_grids)),
        "invite.bad_code" => Some(t_string!(i18n, err.invite.bad_code)),
        "invite.unknown" => Some(t_string!(i18n, err.invite.unknown)),
        "invite.used" => Some(t_string!(i18n, err.invite.used)),
        "invite.expired" => Some(t_string!(i18n, err.invite.expired)),
        "auth.revoked" => Some(t_string!(i18n, err.auth.revoked)),
        "auth.unknown_token" => Some(t_string!(i18n, err.auth.unknown_token)),
        "auth.missing_token" => Some(t_string!(i18n, err.auth.missing_token)),
        "auth.out_of_scope" => Some(t_string!(i18n, err.auth.out_of_scope)),
        "auth.not_a_manager" => Some(t_string!(i18n, err.auth.not_a_manager)),
        "auth.not_yours_to_manage" => Some(t_string!(i18n, err.auth.not_yours_to_manage)),
        "rate_limited" => Some(t_string!(i18n, err.rate_limited)),
        "export.write" => Some(t_string!(i18n, err.export.write)),
        "admin.bad_name" => Some(t_string!(i18n, err.admin.bad_name)),
        "admin.no_nodes" => Some(t_string!(i18n, err.admin.no_nodes)),
        "admin.bad_node" => Some(t_string!(i18n, err.admin.bad_node)),
        "input.fields" => Some(t_string!(i18n, err.input.fields)),
        "record.not_found" => Some(t_string!(i18n, err.record.not_found)),
        "record.conflict_changed" => Some(t_string!(i18n, err.record.conflict_changed)),
        "sheet.no_font" => Some(t_string!(i18n, err.sheet.no_font)),
        "sheet.empty" => Some(t_string!(i18n, err.sheet.empty)),
        "qr.none" => Some(t_string!(i18n, err.qr.none)),
        _ => None,
    };
    if let Some(text) = exact {
        return text.to_owned();
    }
    let family = match code.split('.').next().unwrap_or(code) {
        "photo" => Some(t_string!(i18n, err.photo.any)),
        "auth" => Some(t_string!(i18n, err.auth.any)),
        _ => None,
    };
    match (family, message.is_empty()) {
        (Some(text), _) => text.to_owned(),
        // The refused roster's own message says what to fix, in Chinese.
        (None, false) => message.to_owned(),
        (None, true) => t_string!(i18n, err.unknown).to_owned(),
    }
}

/// For actions that need the server now (people, exports): offline and
/// slow say "try again", not sync's "retried automatically".
pub fn online_error(i18n: I18n, code: &str, message: &str) -> String {
    match code {
        "sync.unreachable" => t_string!(i18n, online.unreachable).to_owned(),
        "sync.timeout" => t_string!(i18n, online.timeout).to_owned(),
        _ => error_text(i18n, code, message),
    }
}

/// What to fix in one form field. Chinese is the domain's own message;
/// English fills our template with the values it names.
pub fn field_text(i18n: I18n, e: &FieldError) -> String {
    if !english(i18n) {
        return e.message.clone();
    }
    let template = match e.code.as_str() {
        "text.empty" => t_string!(i18n, field.text_empty),
        "text.too_long" => t_string!(i18n, field.text_too_long),
        "id.length" => t_string!(i18n, field.id_length),
        "id.not_digit" => t_string!(i18n, field.id_not_digit),
        "id.bad_last" => t_string!(i18n, field.id_bad_last),
        "id.region" => t_string!(i18n, field.id_region),
        "id.birth_date" => t_string!(i18n, field.id_birth_date),
        "id.birth_year" => t_string!(i18n, field.id_birth_year),
        "id.check_digit" => t_string!(i18n, field.id_check_digit),
        "phone.not_digit" => t_string!(i18n, field.phone_not_digit),
        "phone.mobile_length" => t_string!(i18n, field.phone_mobile_length),
        "phone.mobile_prefix" => t_string!(i18n, field.phone_mobile_prefix),
        "phone.landline_length" => t_string!(i18n, field.phone_landline_length),
        "phone.unknown" => t_string!(i18n, field.phone_unknown),
        "birth_year.not_year" => t_string!(i18n, field.birth_not_year),
        "birth_year.implausible" => t_string!(i18n, field.birth_implausible),
        "birth_year.mismatch" => t_string!(i18n, field.birth_mismatch),
        "address.no_estate" => t_string!(i18n, field.address_no_estate),
        "address.long_estate" => t_string!(i18n, field.address_long_estate),
        "address.door" => t_string!(i18n, field.address_door),
        "term.unknown" => t_string!(i18n, field.term_unknown),
        _ => return e.message.clone(),
    };
    let values: Vec<(&str, &str)> = e
        .args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fill(template, &values)
}

/// The refused field named `field`, as a person reads it.
pub fn field_error(i18n: I18n, errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| field_text(i18n, e))
}
