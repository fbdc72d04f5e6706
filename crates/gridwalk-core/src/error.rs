//! The engine's one error type. Each variant's message says what the person
//! or the operator should do; `code()` is what the UI matches on.

use crate::photo::PhotoError;
use gridwalk_domain::ipc::AppError;
use gridwalk_domain::report::ReportError;

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
    #[error("document {doc} could not be read: {reason}")]
    Document { doc: String, reason: String },
    #[error("the server sent data that failed checks ({0}); nothing of it was applied")]
    BadServerData(String),
    #[error("{0}")]
    Invalid(String),
}

impl CoreError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Db(_) => "store.db",
            Self::Photo(e) => e.code(),
            Self::Report(e) => e.code(),
            Self::MissingPhoto(_) => "report.missing_photo",
            Self::Document { .. } => "store.document",
            Self::BadServerData(_) => "sync.bad_server_data",
            Self::Invalid(_) => "input.invalid",
        }
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> Self {
        AppError::new(e.code(), e.to_string())
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
