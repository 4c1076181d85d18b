//! The one place roles are decided, from IdP groups and DataZone ownership, per request.

use app::model::Role;

use super::SignedIn;
use crate::config::Config;

pub struct RoleRules {
    admin_groups: Vec<String>,
    steward_groups: Vec<String>,
}

impl RoleRules {
    pub fn from_config(config: &Config) -> Self {
        Self {
            admin_groups: config.admin_group_names(),
            steward_groups: config
                .steward_group_units()
                .unwrap_or_default()
                .into_iter()
                .map(|(group, _)| group)
                .collect(),
        }
    }

    /// Team lead: everyone signed in and known to Identity Center. Data steward: member of
    /// a steward group, or owner of a project that owns assets. Platform admin: member of
    /// an admin group.
    pub fn roles_of(&self, person: &SignedIn) -> Vec<Role> {
        let in_any = |groups: &[String]| person.groups.iter().any(|g| groups.contains(g));
        let mut roles = vec![Role::TeamLead];
        if in_any(&self.steward_groups) || !person.identity.publishing_projects.is_empty() {
            roles.push(Role::Steward);
        }
        if in_any(&self.admin_groups) {
            roles.push(Role::Admin);
        }
        roles
    }
}
