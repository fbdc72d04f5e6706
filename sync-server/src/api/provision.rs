//! `POST /v1/devices/redeem`: a one-time invitation code becomes a device
//! token. Charged per client address, since this is where codes would be
//! guessed.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use gridwalk_domain::ErrorCode;
use gridwalk_domain::directory::{InvitationCode, RedeemRequest, RedeemResponse};
use std::net::SocketAddr;

use super::{ApiError, Shared, blocking, now_ms};
use crate::auth::{self, DEVICE_TOKEN_PREFIX, new_token, secret_hash};
use crate::storage::InvitationOutcome;

const MAX_DEVICE_NAME_CHARS: usize = 64;

pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::BadRequest(
            ErrorCode::RequestMalformed,
            format!("the request body is not valid: {e}"),
        )
    })
}

pub async fn redeem(
    State(state): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Result<axum::Json<RedeemResponse>, ApiError> {
    state.spend(&state.per_address, &addr.ip().to_string())?;
    let req: RedeemRequest = parse_json(&body)?;
    let code = InvitationCode::parse(&req.code)
        .map_err(|e| ApiError::BadRequest(ErrorCode::InviteBadCode, e.to_string()))?;
    let name: String = req
        .device_name
        .trim()
        .chars()
        .take(MAX_DEVICE_NAME_CHARS)
        .collect();
    let resp = blocking(move || {
        let token = new_token(DEVICE_TOKEN_PREFIX)?;
        let outcome = state.storage.redeem_invitation(
            &secret_hash(code.as_str()),
            &secret_hash(&token),
            &req.device,
            &name,
            now_ms(),
        )?;
        let refused = |code: ErrorCode, message: &str| {
            state.audit("anonymous", "invitation.refused", &addr.ip().to_string(), code.as_str());
            ApiError::BadRequest(code, message.into())
        };
        match outcome {
            InvitationOutcome::Redeemed { user, device_row } => {
                state.audit(
                    &format!("user:{user}"),
                    "invitation.redeem",
                    &format!("device:{device_row}"),
                    &format!("{} ({})", name, req.device),
                );
                let who = auth::device(&state.storage, Some(&token))?;
                let me = auth::me(&state.storage, &who)?;
                Ok(RedeemResponse { token, me })
            }
            InvitationOutcome::Unknown => Err(refused(
                ErrorCode::InviteUnknown,
                "邀请码无效，请核对后重新输入 / this invitation code is not valid; check it and try again",
            )),
            InvitationOutcome::AlreadyUsed => Err(refused(
                ErrorCode::InviteUsed,
                "此邀请码已被使用，请向社区索取新的邀请码 / this code has been used; ask your office for a new one",
            )),
            InvitationOutcome::Expired => Err(refused(
                ErrorCode::InviteExpired,
                "此邀请码已过期，请向社区索取新的邀请码 / this code has expired; ask your office for a new one",
            )),
        }
    })
    .await?;
    Ok(axum::Json(resp))
}
