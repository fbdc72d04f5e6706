//! The engine's one error type. Each variant's message says what the person
//! or the operator should do; `code()` is what the UI matches on.

use gridwalk_domain::DocId;
use gridwalk_domain::ErrorCode;
use gridwalk_domain::field::FieldErrors;
use gridwalk_domain::ipc::AppError;
use gridwalk_domain::record::RecordError;
use gridwalk_domain::report::ReportError;
use gridwalk_photo::PhotoError;
use gridwalk_records::RecordsError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("the local database failed: {0}. Restart the app; if it persists, free some storage")]
    Db(#[from] rusqlite::Error),
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("photo {0} is not on this device: add the photo again")]
    MissingPhoto(String),
    #[error(transparent)]
    Records(#[from] RecordsError),
    /// A form's fields, each with what to fix; what was typed stays in the form.
    #[error("{0}")]
    Fields(#[from] FieldErrors),
    #[error("record {0} is not on this device: sync, or ask the office whether it still exists")]
    NotFound(DocId),
    #[error("the server sent data that failed checks ({0}); nothing of it was applied")]
    BadServerData(String),
    #[error(
        "this device is not bound to an account yet: enter the invitation code from your community office"
    )]
    NotBound,
    #[error(
        "grid {0} is not one of your grids: pick one of yours, or ask your office to add you to it"
    )]
    GridNotYours(String),
    #[error(
        "your account has no grid to report into: ask your community office to attach you to one"
    )]
    NoGrids,
    /// A roster that cannot be imported at all, and why.
    #[error("{0}")]
    Import(String),
    #[error("this step is not yours to take on this order now ({0}): sync to see where it stands")]
    StepNotOffered(String),
    #[error("{0} is not among the people this office dispatches to: sync, then pick again")]
    UnknownPerson(String),
    #[error("{0}")]
    Invalid(String),
}

impl CoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Db(_) => ErrorCode::StoreDb,
            Self::Photo(e) => e.code(),
            Self::Report(e) => e.code(),
            Self::MissingPhoto(_) => ErrorCode::ReportMissingPhoto,
            Self::Records(RecordsError::ConflictChanged) => ErrorCode::RecordConflictChanged,
            // A body this device was about to write broke a rule of its
            // kind: what the person typed must change, not the store.
            Self::Records(RecordsError::Record(RecordError::Invalid { .. })) => {
                ErrorCode::InputInvalid
            }
            Self::Records(_) => ErrorCode::StoreDocument,
            Self::Fields(_) => ErrorCode::InputFields,
            Self::NotFound(_) => ErrorCode::RecordNotFound,
            Self::BadServerData(_) => ErrorCode::SyncBadServerData,
            Self::NotBound => ErrorCode::AccountNotBound,
            Self::GridNotYours(_) => ErrorCode::AccountGridNotYours,
            Self::NoGrids => ErrorCode::AccountNoGrids,
            Self::Import(_) => ErrorCode::ImportRefused,
            Self::StepNotOffered(_) => ErrorCode::OrderStepNotOffered,
            Self::UnknownPerson(_) => ErrorCode::OrderUnknownPerson,
            Self::Invalid(_) => ErrorCode::InputInvalid,
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        let fields = match &e {
            CoreError::Fields(f) => f.0.clone(),
            _ => Vec::new(),
        };
        AppError {
            fields,
            ..AppError::new(e.code(), e.to_string())
        }
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
