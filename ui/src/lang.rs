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

use gridwalk_domain::ErrorCode;
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
        Role::Volunteer => t_string!(i18n, role.volunteer),
    }
}

/// Our wording for an error code, else the family's, else the message.
pub fn error_text(i18n: I18n, code: ErrorCode, message: &str) -> String {
    let exact = match code {
        ErrorCode::PhotoCorrupt => Some(t_string!(i18n, err.photo.corrupt)),
        ErrorCode::PhotoNotImage => Some(t_string!(i18n, err.photo.not_image)),
        ErrorCode::PhotoTooLarge => Some(t_string!(i18n, err.photo.too_large)),
        ErrorCode::PhotoTooManyPixels => Some(t_string!(i18n, err.photo.too_many_pixels)),
        ErrorCode::PhotoUnsupported => Some(t_string!(i18n, err.photo.unsupported)),
        ErrorCode::ReportNoPhoto => Some(t_string!(i18n, err.report.no_photo)),
        ErrorCode::ReportCategory => Some(t_string!(i18n, err.report.category)),
        ErrorCode::ReportLongDescription => Some(t_string!(i18n, err.report.long_description)),
        ErrorCode::ReportTooManyPhotos => Some(t_string!(i18n, err.report.too_many_photos)),
        ErrorCode::ReportLongReporter => Some(t_string!(i18n, err.report.long_reporter)),
        ErrorCode::ReportMissingPhoto => Some(t_string!(i18n, err.report.missing_photo)),
        ErrorCode::SettingsServerUrl => Some(t_string!(i18n, err.settings.server_url)),
        ErrorCode::SyncUnreachable => Some(t_string!(i18n, err.sync.unreachable)),
        ErrorCode::SyncTimeout => Some(t_string!(i18n, err.sync.timeout)),
        ErrorCode::SyncServerError => Some(t_string!(i18n, err.sync.server_error)),
        ErrorCode::SyncBadServerData => Some(t_string!(i18n, err.sync.bad_server_data)),
        ErrorCode::AccountNotBound => Some(t_string!(i18n, err.account.not_bound)),
        ErrorCode::AccountGridNotYours => Some(t_string!(i18n, err.account.grid_not_yours)),
        ErrorCode::AccountNoGrids => Some(t_string!(i18n, err.account.no_grids)),
        ErrorCode::InviteBadCode => Some(t_string!(i18n, err.invite.bad_code)),
        ErrorCode::InviteUnknown => Some(t_string!(i18n, err.invite.unknown)),
        ErrorCode::InviteUsed => Some(t_string!(i18n, err.invite.used)),
        ErrorCode::InviteExpired => Some(t_string!(i18n, err.invite.expired)),
        ErrorCode::AuthRevoked => Some(t_string!(i18n, err.auth.revoked)),
        ErrorCode::AuthUnknownToken => Some(t_string!(i18n, err.auth.unknown_token)),
        ErrorCode::AuthMissingToken => Some(t_string!(i18n, err.auth.missing_token)),
        ErrorCode::AuthOutOfScope => Some(t_string!(i18n, err.auth.out_of_scope)),
        ErrorCode::AuthNotAManager => Some(t_string!(i18n, err.auth.not_a_manager)),
        ErrorCode::AuthNotYoursToManage => Some(t_string!(i18n, err.auth.not_yours_to_manage)),
        ErrorCode::RateLimited => Some(t_string!(i18n, err.rate_limited)),
        ErrorCode::ExportWrite => Some(t_string!(i18n, err.export.write)),
        ErrorCode::AdminBadName => Some(t_string!(i18n, err.admin.bad_name)),
        ErrorCode::AdminNoNodes => Some(t_string!(i18n, err.admin.no_nodes)),
        ErrorCode::AdminBadNode => Some(t_string!(i18n, err.admin.bad_node)),
        ErrorCode::InputFields => Some(t_string!(i18n, err.input.fields)),
        ErrorCode::RecordNotFound => Some(t_string!(i18n, err.record.not_found)),
        ErrorCode::RecordConflictChanged => Some(t_string!(i18n, err.record.conflict_changed)),
        ErrorCode::SheetNoFont => Some(t_string!(i18n, err.sheet.no_font)),
        ErrorCode::SheetEmpty => Some(t_string!(i18n, err.sheet.empty)),
        ErrorCode::QrNone => Some(t_string!(i18n, err.qr.none)),
        ErrorCode::OrderStepNotOffered => Some(t_string!(i18n, err.order.step_not_offered)),
        ErrorCode::OrderUnknownPerson => Some(t_string!(i18n, err.order.unknown_person)),
        _ => None,
    };
    if let Some(text) = exact {
        return text.to_owned();
    }
    let family = match code.family() {
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
pub fn online_error(i18n: I18n, code: ErrorCode, message: &str) -> String {
    match code {
        ErrorCode::SyncUnreachable => t_string!(i18n, online.unreachable).to_owned(),
        ErrorCode::SyncTimeout => t_string!(i18n, online.timeout).to_owned(),
        _ => error_text(i18n, code, message),
    }
}

/// What to fix in one form field. Chinese is the domain's own message;
/// English fills our template with the values it names.
pub fn field_text(i18n: I18n, e: &FieldError) -> String {
    if !english(i18n) {
        return e.message.clone();
    }
    let template = match e.code {
        ErrorCode::TextEmpty => t_string!(i18n, field.text_empty),
        ErrorCode::TextTooLong => t_string!(i18n, field.text_too_long),
        ErrorCode::IdLength => t_string!(i18n, field.id_length),
        ErrorCode::IdNotDigit => t_string!(i18n, field.id_not_digit),
        ErrorCode::IdBadLast => t_string!(i18n, field.id_bad_last),
        ErrorCode::IdRegion => t_string!(i18n, field.id_region),
        ErrorCode::IdBirthDate => t_string!(i18n, field.id_birth_date),
        ErrorCode::IdBirthYear => t_string!(i18n, field.id_birth_year),
        ErrorCode::IdCheckDigit => t_string!(i18n, field.id_check_digit),
        ErrorCode::PhoneNotDigit => t_string!(i18n, field.phone_not_digit),
        ErrorCode::PhoneMobileLength => t_string!(i18n, field.phone_mobile_length),
        ErrorCode::PhoneMobilePrefix => t_string!(i18n, field.phone_mobile_prefix),
        ErrorCode::PhoneLandlineLength => t_string!(i18n, field.phone_landline_length),
        ErrorCode::PhoneUnknown => t_string!(i18n, field.phone_unknown),
        ErrorCode::BirthYearNotYear => t_string!(i18n, field.birth_not_year),
        ErrorCode::BirthYearImplausible => t_string!(i18n, field.birth_implausible),
        ErrorCode::BirthYearMismatch => t_string!(i18n, field.birth_mismatch),
        ErrorCode::AddressNoEstate => t_string!(i18n, field.address_no_estate),
        ErrorCode::AddressLongEstate => t_string!(i18n, field.address_long_estate),
        ErrorCode::AddressDoor => t_string!(i18n, field.address_door),
        ErrorCode::TermUnknown => t_string!(i18n, field.term_unknown),
        _ => return e.message.clone(),
    };
    let values: Vec<(&str, &str)> = e
        .args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    fill(template, &values)
}

/// A refusal as one line: the first field to fix, or what went wrong.
pub fn refusal_text(i18n: I18n, e: &gridwalk_domain::ipc::AppError) -> String {
    match e.fields.first() {
        Some(f) => field_text(i18n, f),
        None => error_text(i18n, e.code, &e.message),
    }
}

/// The refused field named `field`, as a person reads it.
pub fn field_error(i18n: I18n, errors: &[FieldError], field: &str) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| field_text(i18n, e))
}
