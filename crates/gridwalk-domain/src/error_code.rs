//! Every error code Gridwalk sends across a boundary — server to device,
//! shell to UI, a parse error to a form — named once. The wire keeps the
//! dotted strings (`auth.revoked`), so old devices and scripts still read
//! them; Rust code matches on the enum, so a misspelt code is a compile
//! error rather than a message that silently falls back to "unknown".

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! error_codes {
    ($($variant:ident = $code:literal,)*) => {
        /// One error code. `Unknown` is what a code this build does not
        /// know yet (a newer server's) reads as; the message still says it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
            Unknown,
        }

        impl ErrorCode {
            /// Every known code, for tests that all of them round-trip.
            pub const ALL: &[ErrorCode] = &[$(Self::$variant,)*];

            /// The code as it travels: `family.reason`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Unknown => "unknown",
                }
            }

            /// Never fails: an unknown code is `Unknown`.
            pub fn parse(code: &str) -> Self {
                match code {
                    $($code => Self::$variant,)*
                    _ => Self::Unknown,
                }
            }
        }
    };
}

error_codes! {
    // The device's account and invitations.
    AccountNotBound = "account.not_bound",
    AccountGridNotYours = "account.grid_not_yours",
    AccountNoGrids = "account.no_grids",
    InviteBadCode = "invite.bad_code",
    InviteUnknown = "invite.unknown",
    InviteUsed = "invite.used",
    InviteExpired = "invite.expired",
    // The server's refusals of who is asking.
    AuthMissingToken = "auth.missing_token",
    AuthUnknownToken = "auth.unknown_token",
    AuthRevoked = "auth.revoked",
    AuthSessionExpired = "auth.session_expired",
    AuthBadLogin = "auth.bad_login",
    AuthNotAManager = "auth.not_a_manager",
    AuthNotYoursToManage = "auth.not_yours_to_manage",
    AuthOutOfScope = "auth.out_of_scope",
    AuthMayNotCreate = "auth.may_not_create",
    AuthMayNotChange = "auth.may_not_change",
    AuthNotYourReport = "auth.not_your_report",
    AuthStatusNotYours = "auth.status_not_yours",
    AuthAssignNotYours = "auth.assign_not_yours",
    AuthKindFixed = "auth.kind_fixed",
    AuthIdentityFixed = "auth.identity_fixed",
    AuthForeignActor = "auth.foreign_actor",
    AuthForeignAuthor = "auth.foreign_author",
    RateLimited = "rate_limited",
    Internal = "internal",
    RequestMalformed = "request.malformed",
    // The office's administration.
    AdminBadName = "admin.bad_name",
    AdminBadNode = "admin.bad_node",
    AdminBadParent = "admin.bad_parent",
    AdminBadUser = "admin.bad_user",
    AdminNoDevice = "admin.no_device",
    AdminNoNodes = "admin.no_nodes",
    AdminNoUser = "admin.no_user",
    AdminNodeExists = "admin.node_exists",
    // Photos, on the device and on the server.
    PhotoEmpty = "photo.empty",
    PhotoTooLarge = "photo.too_large",
    PhotoNotImage = "photo.not_image",
    PhotoUnsupported = "photo.unsupported",
    PhotoCorrupt = "photo.corrupt",
    PhotoTooManyPixels = "photo.too_many_pixels",
    PhotoEncode = "photo.encode",
    PhotoRead = "photo.read",
    BlobBadHash = "blob.bad_hash",
    BlobHashMismatch = "blob.hash_mismatch",
    BlobNotJpeg = "blob.not_jpeg",
    BlobNotFound = "blob.not_found",
    // Sync, both ends.
    SyncUnreachable = "sync.unreachable",
    SyncTimeout = "sync.timeout",
    SyncServerError = "sync.server_error",
    SyncBadServerData = "sync.bad_server_data",
    SyncMalformed = "sync.malformed",
    SyncProtocol = "sync.protocol",
    SyncTooManyChanges = "sync.too_many_changes",
    SyncChangeTooLarge = "sync.change_too_large",
    SyncBodyTooLarge = "sync.body_too_large",
    SyncBadChange = "sync.bad_change",
    SyncBadRecord = "sync.bad_record",
    SyncMissingDeps = "sync.missing_deps",
    SyncUnknownKind = "sync.unknown_kind",
    SyncScopeMismatch = "sync.scope_mismatch",
    SyncCreatedConcurrently = "sync.created_concurrently",
    WriteRejected = "write.rejected",
    // Records on the device.
    ReportCategory = "report.category",
    ReportNoPhoto = "report.no_photo",
    ReportTooManyPhotos = "report.too_many_photos",
    ReportLongDescription = "report.long_description",
    ReportLongReporter = "report.long_reporter",
    ReportMissingPhoto = "report.missing_photo",
    RecordNotFound = "record.not_found",
    RecordConflictChanged = "record.conflict_changed",
    OrderPolicy = "order.policy",
    OrderStars = "order.stars",
    OrderStepNotOffered = "order.step_not_offered",
    OrderUnknownPerson = "order.unknown_person",
    InputFields = "input.fields",
    InputInvalid = "input.invalid",
    StoreDb = "store.db",
    StoreDocument = "store.document",
    StorePoisoned = "store.poisoned",
    SettingsServerUrl = "settings.server_url",
    // Files in and out.
    ImportRead = "import.read",
    ImportRefused = "import.refused",
    ExportUnknown = "export.unknown",
    ExportWrite = "export.write",
    SheetNoFont = "sheet.no_font",
    SheetTooLong = "sheet.too_long",
    SheetPdf = "sheet.pdf",
    SheetEmpty = "sheet.empty",
    SheetWorker = "sheet.worker",
    QrNone = "qr.none",
    // The app shell and its bridge to the UI.
    AppStarting = "app.starting",
    AppWorker = "app.worker",
    IpcBadArgs = "ipc.bad_args",
    IpcNotRaw = "ipc.not_raw",
    Ipc = "ipc",
    UiEncode = "ui.encode",
    UiDecode = "ui.decode",
    // One form field's refusal.
    TextEmpty = "text.empty",
    TextTooLong = "text.too_long",
    IdLength = "id.length",
    IdNotDigit = "id.not_digit",
    IdBadLast = "id.bad_last",
    IdRegion = "id.region",
    IdBirthDate = "id.birth_date",
    IdBirthYear = "id.birth_year",
    IdCheckDigit = "id.check_digit",
    PhoneNotDigit = "phone.not_digit",
    PhoneMobileLength = "phone.mobile_length",
    PhoneMobilePrefix = "phone.mobile_prefix",
    PhoneLandlineLength = "phone.landline_length",
    PhoneUnknown = "phone.unknown",
    BirthYearNotYear = "birth_year.not_year",
    BirthYearImplausible = "birth_year.implausible",
    BirthYearMismatch = "birth_year.mismatch",
    AddressNoEstate = "address.no_estate",
    AddressLongEstate = "address.long_estate",
    AddressDoor = "address.door",
    TermUnknown = "term.unknown",
}

impl ErrorCode {
    /// The part before the dot (`auth` of `auth.revoked`), for wording a
    /// whole family when one code has none of its own.
    pub fn family(self) -> &'static str {
        let s = self.as_str();
        s.split('.').next().unwrap_or(s)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::parse(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_travels_as_its_dotted_string_and_back() {
        let mut seen = std::collections::HashSet::new();
        for &code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} is named twice");
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
    }

    #[test]
    fn a_code_from_a_newer_server_reads_as_unknown_not_an_error() {
        let c: ErrorCode = serde_json::from_str("\"sync.from_the_future\"").unwrap();
        assert_eq!(c, ErrorCode::Unknown);
        assert_eq!(ErrorCode::AuthRevoked.family(), "auth");
        assert_eq!(ErrorCode::RateLimited.family(), "rate_limited");
    }
}
