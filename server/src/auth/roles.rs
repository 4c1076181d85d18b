//! The one place roles are decided, from Identity Center groups and DataZone ownership,
//! per request.

use app::model::Role;

use super::SignedIn;
use crate::config::Config;

pub struct RoleRules {
    admin_groups: Vec<String>,
    /// Steward group name → the domain units (by name) it governs.
    steward_groups: Vec<(String, Vec<String>)>,
}

impl RoleRules {
    pub fn from_config(config: &Config) -> Self {
        Self {
            admin_groups: config.admin_group_names(),
            steward_groups: config.steward_group_units().unwrap_or_default(),
        }
    }

    /// Team lead: everyone signed in and known to Identity Center. Data steward: member of
    /// a steward group, owner of a project that owns assets, or platform admin (who may
    /// decide for every asset). Platform admin: member of an admin group. Group membership
    /// is Identity Center's, as last re-read (`identity_cache_seconds`), never the ID
    /// token's from sign-in.
    pub fn roles_of(&self, person: &SignedIn) -> Vec<Role> {
        let mut roles = vec![Role::TeamLead];
        let admin = self.is_admin(&person.identity.group_names);
        if admin || !self.steward_units_of(person).is_empty() || !person.identity.publishing_projects.is_empty() {
            roles.push(Role::Steward);
        }
        if admin {
            roles.push(Role::Admin);
        }
        roles
    }

    fn is_admin(&self, groups: &[String]) -> bool {
        groups.iter().any(|g| self.admin_groups.contains(g))
    }

    /// Groups that would give a role which the ID token names but Identity Center does not
    /// list for the person: they get fewer roles than their IdP suggests, and the log says
    /// why.
    pub fn unconfirmed_role_groups<'a>(&self, token_groups: &'a [String], person: &SignedIn) -> Vec<&'a str> {
        token_groups
            .iter()
            .filter(|g| self.admin_groups.contains(g) || self.steward_groups.iter().any(|(s, _)| s == *g))
            .filter(|g| !person.identity.group_names.contains(g))
            .map(String::as_str)
            .collect()
    }

    /// Why the person has fewer roles than their ID token suggests, in words for them; `None`
    /// when every role group the token names is confirmed by Identity Center.
    pub fn fewer_roles_note(&self, person: &SignedIn) -> Option<String> {
        let unconfirmed = self.unconfirmed_role_groups(&person.groups, person);
        (!unconfirmed.is_empty()).then(|| {
            format!(
                "Your sign-in names {} {}, but IAM Identity Center does not list you in {}, so you have no role from {} here. \
                 Roles follow Identity Center, which SageMaker Unified Studio also uses: ask your platform team to add you there.",
                if unconfirmed.len() == 1 { "the group" } else { "the groups" },
                unconfirmed.join(", "),
                if unconfirmed.len() == 1 { "it" } else { "them" },
                if unconfirmed.len() == 1 { "it" } else { "them" },
            )
        })
    }

    /// The domain units (by name) the person's steward groups govern.
    pub fn steward_units_of(&self, person: &SignedIn) -> Vec<String> {
        self.steward_groups
            .iter()
            .filter(|(group, _)| person.identity.group_names.contains(group))
            .flat_map(|(_, units)| units.iter().cloned())
            .collect()
    }
}
