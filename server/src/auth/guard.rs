//! The guard behind every server function: the signed-in person of this request, their
//! roles computed now, and an audit record of every refusal.

use std::sync::Arc;

use app::api::ports::Auth;
use app::model::{ApiError, Caller, Role};
use async_trait::async_trait;
use chrono::Utc;
use tower_sessions::Session;

use super::session::SignedIn;
use super::{AuthService, USER_KEY};
use crate::aws::Identity;
use crate::error::{current_request_id, AppError};
use crate::store::audit;
use crate::store::tokens::TokenOwner;

pub struct Guard {
    pub auth: Arc<AuthService>,
    /// The unit index that turns the configured steward units into unit ids.
    pub access: crate::access::Access,
    /// Token owners' Identity Center mappings, kept `identity_cache_seconds` like a
    /// session's.
    pub token_identities: moka::future::Cache<String, Identity>,
}

impl Guard {
    pub fn new(auth: Arc<AuthService>, access: crate::access::Access) -> Self {
        let ttl = std::time::Duration::from_secs(u64::try_from(auth.identity_ttl_secs).unwrap_or(0));
        let token_identities = moka::future::Cache::builder().max_capacity(10_000).time_to_live(ttl).build();
        Self { auth, access, token_identities }
    }

    /// The caller a personal access token acts for: its owner as Identity Center knows them
    /// now (within the cache time), with the roles its scopes leave. `None` when the owner
    /// is no longer known.
    async fn token_caller(&self, owner: &TokenOwner) -> Result<Option<Caller>, AppError> {
        let key = owner.username.clone();
        let lookup = async {
            match self.auth.aws.find_identity(&owner.username, owner.email.as_deref()).await {
                Ok(Some(identity)) => Ok(identity),
                Ok(None) => Err(None),
                Err(error) => Err(Some(error)),
            }
        };
        let identity = match self.token_identities.try_get_with(key, lookup).await {
            Ok(identity) => identity,
            Err(error) => match error.as_ref() {
                None => return Ok(None),
                Some(error) => return Err(error.shared()),
            },
        };
        let now = Utc::now().timestamp();
        let person = SignedIn {
            username: owner.username.clone(),
            display_name: owner.display_name.clone(),
            email: owner.email.clone(),
            groups: Vec::new(),
            identity,
            id_token: String::new(),
            signed_in_at: now,
            checked_at: now,
        };
        // The owner's roles as Identity Center gives them now; the token's scopes limit which
        // /api/v1 routes it may call (each route names its scope).
        let mut caller = self.auth.caller_of(&person);
        caller.role_note = None;
        caller.token = Some(owner.token_name.clone());
        Ok(Some(caller))
    }
}

/// The session of the request being served (the session layer puts it in the request's
/// extensions; Leptos hands server functions the request parts).
fn current_session() -> Option<Session> {
    leptos::prelude::use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<Session>().cloned())
}

impl AuthService {
    /// The signed-in person of `session`, after the absolute session limit and with the
    /// Identity Center mapping re-read when older than the cache time. A person whose
    /// session ran out, or who is no longer known to Identity Center, is signed out.
    pub async fn signed_in(&self, session: &Session) -> Result<Option<SignedIn>, AppError> {
        let Some(mut person) = session.get::<SignedIn>(USER_KEY).await? else {
            return Ok(None);
        };
        let now = Utc::now().timestamp();
        if now - person.signed_in_at > self.session_max_secs {
            session.flush().await?;
            return Ok(None);
        }
        if now - person.checked_at >= self.identity_ttl_secs {
            let Some(identity) = self.aws.find_identity(&person.username, person.email.as_deref()).await? else {
                session.flush().await?;
                return Ok(None);
            };
            person.identity = identity;
            person.checked_at = now;
            session.insert(USER_KEY, &person).await?;
        }
        Ok(Some(person))
    }

    pub fn caller_of(&self, person: &SignedIn) -> Caller {
        Caller {
            username: person.username.clone(),
            display_name: person.display_name.clone(),
            email: person.email.clone(),
            roles: self.roles.roles_of(person),
            user_id: person.identity.datazone_user_id.clone(),
            group_ids: person.identity.group_ids.clone(),
            steward_units: self.roles.steward_units_of(person),
            publishing_projects: person.identity.publishing_projects.clone(),
            member_projects: person.identity.member_projects.clone(),
            role_note: self.roles.fewer_roles_note(person),
            unread_notifications: 0,
            token: None,
        }
    }

    /// Appends an audit event about a person; `actor` is who acted.
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target_id: &str,
        after: serde_json::Value,
        request_id: Option<&str>,
    ) -> Result<(), AppError> {
        audit::record(
            &self.pool,
            &audit::NewEvent {
                actor,
                action,
                target_kind: "person",
                target_id,
                before: None,
                after: Some(after),
                request_id,
            },
        )
        .await?;
        Ok(())
    }
}

impl Guard {
    /// The ids of the units `steward_groups` names (ids, names or paths), as DataZone's unit
    /// tree has them now (cached a minute): scopes follow a unit through renames, and a
    /// name two sibling trees share governs neither. Unresolvable names give no scope.
    async fn unit_ids(&self, references: &[String]) -> Vec<String> {
        if references.is_empty() {
            return Vec::new();
        }
        let index = match self.access.index(None).await {
            Ok(index) => index,
            Err(error) => {
                tracing::warn!(%error, "unit tree unavailable: steward scopes empty for this request");
                return Vec::new();
            }
        };
        references
            .iter()
            .filter_map(|reference| {
                let id = index.unit_id_of(reference);
                if id.is_none() {
                    tracing::warn!(unit = %reference, "steward_groups names a unit DataZone has none or several of");
                }
                id
            })
            .collect()
    }
}

#[async_trait]
impl Auth for Guard {
    async fn caller(&self) -> Result<Option<Caller>, ApiError> {
        let parts = leptos::prelude::use_context::<http::request::Parts>();
        // Only the /api/v1 layer puts a token's owner here, after checking the token.
        if let Some(owner) = parts.as_ref().and_then(|p| p.extensions.get::<TokenOwner>()) {
            let Some(mut caller) = self.token_caller(owner).await? else { return Ok(None) };
            caller.steward_units = self.unit_ids(&caller.steward_units).await;
            return Ok(Some(caller));
        }
        let Some(session) = current_session() else { return Ok(None) };
        let person = self.auth.signed_in(&session).await?;
        let Some(person) = person else { return Ok(None) };
        let mut caller = self.auth.caller_of(&person);
        caller.steward_units = self.unit_ids(&caller.steward_units).await;
        Ok(Some(caller))
    }

    async fn take_turn(&self, caller: &Caller) -> Result<(), ApiError> {
        let rate = self.auth.person_calls_per_second;
        let name = format!("person:{}", caller.username);
        let taken = crate::jobs::rate::take(&self.auth.pool, &name, rate, rate * 4.0).await.map_err(AppError::from)?;
        if taken.is_err() {
            tracing::warn!(username = %caller.username, "server-function calls refused: past the person's rate limit");
            return Err(ApiError::TooManyRequests);
        }
        Ok(())
    }

    /// A signed-in person's refusal is an audit event each time. Anonymous refusals are
    /// counted per hour and path; only the first of each is an audit event, so anonymous
    /// traffic cannot grow the audit trail without bound.
    async fn refused(&self, caller: Option<&Caller>, role: Role) {
        let actor = caller.map_or("anonymous", |c| c.username.as_str());
        let path =
            leptos::prelude::use_context::<http::request::Parts>().map(|p| p.uri.path().to_owned()).unwrap_or_default();
        let mut after = serde_json::json!({ "needed": role.label(), "path": path });
        if caller.is_none() {
            match audit::count_anonymous(&self.auth.pool, "refusal", "hour", &path).await {
                Ok(1) => {
                    after["aggregated"] = "further anonymous refusals of this path this hour are counted only".into();
                }
                Ok(_) => return,
                Err(error) => {
                    tracing::warn!(%error, "could not count an anonymous refusal");
                    return;
                }
            }
        }
        let request_id = current_request_id();
        let recorded = self.auth.audit(actor, "access.refused", actor, after, request_id.as_deref()).await;
        if let Err(error) = recorded {
            tracing::warn!(%error, "could not record a refused access");
        }
    }
}
