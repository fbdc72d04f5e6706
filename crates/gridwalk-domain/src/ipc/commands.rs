//! Every command the UI sends the shell, named once: its name on the wire,
//! what it takes and what it answers. The UI's `ipc` module and the shell's
//! dispatcher both compile against these, so a renamed command or a changed
//! argument breaks the build, not the running app.
//!
//! Commands marked *raw body* take the bytes of a file (a photo, a roster)
//! as the request body instead of JSON; their `Args` is `NoArgs`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::archive::{
    Building, EditHousehold, EditMember, HouseholdPage, HouseholdQuery, MemberRef, NeedQuery,
    NeedStep, NeedsPage, NewHousehold, NewMember, QrSheetRequest, Resolve, RevealRequest,
};
use super::import::{ImportDone, ImportPreview};
use super::orders::{
    MergeOrders, NearbyOrder, NearbyQuery, NewOrder, OrderItem, OrderPage, OrderQuery, OrderStats,
    OrderStep,
};
use super::{
    AppInfo, BindRequest, ExportDone, ExportRequest, Listed, ReportListScope, Settings, StagedPhoto,
};
use crate::boundary::Route;
use crate::directory::{DeviceInfo, Invitation, NewUser, Person, UserCreated};
use crate::geo::Coordinates;
use crate::household::HouseholdRow;
use crate::ids::{DocId, GridId, MemberId, UserId};
use crate::report::{ReportDraft, ReportRow};
use crate::sync_state::SyncStatus;
use crate::visit::VisitDraft;
use crate::work_order::ResponsePolicy;

pub trait Command {
    const NAME: &'static str;
    type Args: Serialize + DeserializeOwned;
    type Answer: Serialize + DeserializeOwned;
}

/// The arguments of a command that takes none (sent as `{}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoArgs {}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateReport {
    pub draft: ReportDraft,
    /// The grid picked in the form; `None` for the default.
    pub grid: Option<GridId>,
}

macro_rules! commands {
    ($( $(#[$doc:meta])* $ty:ident = $name:literal ($args:ty) -> $answer:ty; )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug)]
            pub enum $ty {}
            impl Command for $ty {
                const NAME: &'static str = $name;
                type Args = $args;
                type Answer = $answer;
            }
        )*

        /// Which command a request names. The shell matches on it, so a
        /// command added here and not handled there does not compile.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Name {
            $($ty,)*
        }

        impl Name {
            pub const ALL: &'static [Name] = &[$(Name::$ty),*];

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($name => Some(Name::$ty),)*
                    _ => None,
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Name::$ty => $name,)*
                }
            }
        }
    };
}

commands! {
    GetAppInfo = "app_info" (NoArgs) -> AppInfo;
    /// Raw body: the photo's bytes.
    StagePhoto = "stage_photo" (NoArgs) -> StagedPhoto;
    NewReport = "create_report" (CreateReport) -> DocId;
    ListReports = "list_reports" (ReportListScope) -> Vec<Listed<ReportRow>>;
    GetSyncStatus = "sync_status" (NoArgs) -> SyncStatus;
    SyncNow = "sync_now" (NoArgs) -> SyncStatus;
    SaveSettings = "save_settings" (Settings) -> AppInfo;
    RedeemInvitation = "redeem_invitation" (BindRequest) -> AppInfo;
    Export = "export" (ExportRequest) -> ExportDone;
    People = "people" (NoArgs) -> Vec<Person>;
    AddPerson = "add_person" (NewUser) -> UserCreated;
    Invite = "invite" (UserId) -> Invitation;
    RevokeDevice = "revoke_device" (i64) -> DeviceInfo;
    Households = "households" (HouseholdQuery) -> Vec<Listed<HouseholdRow>>;
    GetHousehold = "household" (DocId) -> Option<HouseholdPage>;
    CreateHousehold = "create_household" (NewHousehold) -> DocId;
    UpdateHousehold = "edit_household" (EditHousehold) -> ();
    AddMember = "add_member" (NewMember) -> MemberId;
    UpdateMember = "edit_member" (EditMember) -> ();
    RemoveMember = "remove_member" (MemberRef) -> ();
    RestoreMember = "restore_member" (MemberRef) -> ();
    /// Recorded before the value is returned.
    Reveal = "reveal" (RevealRequest) -> Option<String>;
    LogVisit = "log_visit" (VisitDraft) -> DocId;
    Needs = "needs" (NeedQuery) -> NeedsPage;
    TakeNeedStep = "need_step" (NeedStep) -> ();
    ResolveConflict = "resolve" (Resolve) -> ();
    Buildings = "buildings" (NoArgs) -> Vec<Building>;
    /// Saves the door-QR sheet of one building as a PDF.
    PrintQrSheet = "qr_sheet" (QrSheetRequest) -> ExportDone;
    /// Raw body: a photo of a door QR; answers the household it names.
    ReadDoorQr = "read_door_qr" (NoArgs) -> Option<DocId>;
    /// Raw body: an XLSX or CSV roster.
    PreviewImport = "import_preview" (NoArgs) -> ImportPreview;
    /// Raw body: the same roster, now imported.
    RunImport = "import_run" (NoArgs) -> ImportDone;
    Orders = "orders" (OrderQuery) -> Vec<OrderItem>;
    GetOrder = "order" (DocId) -> Option<OrderPage>;
    CreateOrder = "create_order" (NewOrder) -> DocId;
    TakeOrderStep = "order_step" (OrderStep) -> ();
    OrderStatistics = "order_stats" (NoArgs) -> OrderStats;
    GetResponsePolicy = "response_policy" (NoArgs) -> ResponsePolicy;
    SetResponsePolicy = "set_response_policy" (ResponsePolicy) -> ();
    /// Where a report at this point would be filed (the form shows it).
    RoutePoint = "route_point" (Coordinates) -> Route;
    /// Open orders of the same category within 250 m (附议 instead of a new one).
    NearbyOrders = "nearby_orders" (NearbyQuery) -> Vec<NearbyOrder>;
    MergeOrder = "merge_orders" (MergeOrders) -> ();
}

/// Events the shell sends the UI.
pub mod events {
    /// Records of these kinds changed (a local edit, or a sync that
    /// brought something): lists showing them read again.
    pub const RECORDS_CHANGED: &str = "records-changed";
    /// The sync picture changed.
    pub const SYNC_STATUS: &str = "sync-status";
}

/// The URI scheme the shell serves photos and thumbnails under, by hash.
pub const PHOTO_SCHEME: &str = "photo";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_its_own_name_and_parses_back() {
        let mut seen = std::collections::BTreeSet::new();
        for n in Name::ALL {
            assert!(seen.insert(n.as_str()), "{} is named twice", n.as_str());
            assert_eq!(Name::parse(n.as_str()), Some(*n));
        }
        assert_eq!(Name::parse("drop_tables"), None);
        assert_eq!(<GetAppInfo as Command>::NAME, Name::GetAppInfo.as_str());
    }
}
