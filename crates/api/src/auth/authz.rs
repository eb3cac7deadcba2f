//! Authorization. A service that needs a privilege takes a proof value; the only way to get
//! one is to pass the check here, so forgetting the check does not compile.

use tessera_domain::UserId;

use super::Actor;
use crate::error::{ApiError, ApiResult};

/// Proof that the actor is a global administrator.
#[derive(Debug)]
pub struct AdminProof {
    actor: UserId,
}

impl AdminProof {
    pub fn actor(&self) -> UserId {
        self.actor
    }
}

pub fn require_admin(actor: &Actor) -> ApiResult<AdminProof> {
    if actor.is_admin {
        Ok(AdminProof { actor: actor.id })
    } else {
        Err(ApiError::Forbidden("Only administrators may do this."))
    }
}

/// Proof that the actor may manage the API tokens of `owner`: their own, or anyone's as an
/// administrator.
#[derive(Debug)]
pub struct TokenManagerProof {
    owner: UserId,
}

impl TokenManagerProof {
    pub fn owner(&self) -> UserId {
        self.owner
    }
}

pub fn may_manage_tokens_of(actor: &Actor, owner: UserId) -> ApiResult<TokenManagerProof> {
    if actor.id == owner || actor.is_admin {
        Ok(TokenManagerProof { owner })
    } else {
        Err(ApiError::Forbidden(
            "You may only manage your own API tokens.",
        ))
    }
}

/// The command line holds the database itself, so it may manage anyone's tokens.
pub fn operator_may_manage_tokens_of(owner: UserId) -> TokenManagerProof {
    TokenManagerProof { owner }
}
