//! The domain's projects and units as the portal names them: read from DataZone in batches
//! and cached by [`super::Access::index`].

use std::collections::HashMap;

/// The domain's projects and units, for names and unit paths.
#[derive(Default)]
pub struct MeshIndex {
    /// id → (name, unit id)
    pub projects: HashMap<String, (String, Option<String>)>,
    /// id → (name, parent id)
    pub units: HashMap<String, (String, Option<String>)>,
}

impl MeshIndex {
    /// The unit of a project and its ancestors below the root, root side first: (ids, names).
    pub fn unit_path(&self, project: &str) -> (Vec<String>, Vec<String>) {
        let mut ids = Vec::new();
        let mut at = self.projects.get(project).and_then(|(_, unit)| unit.as_ref());
        // DataZone nests units at most five deep; the bound also stops a malformed cycle.
        while let Some(id) = at.filter(|_| ids.len() < 8) {
            let Some((_, parent)) = self.units.get(id) else { break };
            ids.push(id.clone());
            at = parent.as_ref();
        }
        ids.reverse();
        let names = ids.iter().filter_map(|id| self.units.get(id).map(|(n, _)| n.clone())).collect();
        (ids, names)
    }

    pub fn project_name(&self, id: &str) -> Option<&str> {
        self.projects.get(id).map(|(name, _)| name.as_str())
    }

    pub fn unit_name(&self, id: &str) -> Option<&str> {
        self.units.get(id).map(|(name, _)| name.as_str())
    }

    /// A unit's names from the top-level unit down, for people (`Parent / Child`). The
    /// domain's root unit is not in the index, so it is not in the label.
    pub fn unit_label(&self, id: &str) -> String {
        let mut names = Vec::new();
        let mut at = Some(id);
        while let Some(unit) = at.filter(|_| names.len() < 8) {
            let Some((name, parent)) = self.units.get(unit) else { break };
            names.push(name.clone());
            at = parent.as_deref();
        }
        names.reverse();
        names.join(" / ")
    }

    /// The id of the unit a configuration names: its id, or a name or `Parent/Child` path
    /// that only one unit has (names are unique only among siblings). `None` when no unit,
    /// or more than one, answers to it.
    pub fn unit_id_of(&self, reference: &str) -> Option<String> {
        let reference = reference.trim();
        if self.units.contains_key(reference) {
            return Some(reference.to_owned());
        }
        let wanted: Vec<&str> = reference.split('/').map(str::trim).collect();
        let matches: Vec<&String> = self
            .units
            .keys()
            .filter(|id| {
                let mut at = Some(id.as_str());
                wanted.iter().rev().all(|name| {
                    let Some((unit_name, parent)) = at.and_then(|u| self.units.get(u)) else { return false };
                    at = parent.as_deref();
                    unit_name.eq_ignore_ascii_case(name)
                })
            })
            .collect();
        match matches.as_slice() {
            [only] => Some((*only).clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MeshIndex;

    fn index() -> MeshIndex {
        let mut index = MeshIndex::default();
        // As `Access::index` builds it: top-level units have no parent (the root is left out).
        for (id, name, parent) in [
            ("mkt", "Marketing", None),
            ("sales", "Sales", None),
            ("mkt-fin", "Finance", Some("mkt")),
            ("sales-fin", "Finance", Some("sales")),
            ("mkt-web", "Web", Some("mkt")),
        ] {
            index.units.insert(id.into(), (name.into(), parent.map(Into::into)));
        }
        index
    }

    #[test]
    fn a_unit_is_found_by_id_unique_name_or_path_never_by_a_shared_name() {
        let index = index();
        assert_eq!(index.unit_id_of("mkt-web").as_deref(), Some("mkt-web"), "by id");
        assert_eq!(index.unit_id_of("web").as_deref(), Some("mkt-web"), "a name only one unit has");
        assert_eq!(index.unit_id_of("Finance"), None, "two siblings' trees share the name: neither");
        assert_eq!(index.unit_id_of("Sales/Finance").as_deref(), Some("sales-fin"), "a path tells them apart");
        assert_eq!(index.unit_id_of("Nowhere"), None);
    }

    #[test]
    fn a_label_is_the_path_below_the_domain() {
        assert_eq!(index().unit_label("sales-fin"), "Sales / Finance");
        assert_eq!(index().unit_label("mkt"), "Marketing");
    }
}
