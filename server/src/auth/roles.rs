//! The one place roles are decided, from IdP groups and DataZone ownership, per request.

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
    /// decide for every asset). Platform admin: member of an admin group.
    pub fn roles_of(&self, person: &SignedIn) -> Vec<Role> {
        let mut roles = vec![Role::TeamLead];
        let admin = person.groups.iter().any(|g| self.admin_groups.contains(g));
        if admin || !self.steward_units_of(person).is_empty() || !person.identity.publishing_projects.is_empty() {
            roles.push(Role::Steward);
        }
        if admin {
            roles.push(Role::Admin);
        }
        roles
    }

    /// The domain units (by name) the person's steward groups govern.
    pub fn steward_units_of(&self, person: &SignedIn) -> Vec<String> {
        self.steward_groups
            .iter()
            .filter(|(group, _)| person.groups.contains(group))
            .flat_map(|(_, units)| units.iter().cloned())
            .collect()
    }
}
