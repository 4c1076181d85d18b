//! Identifiers shaped like AWS's: deterministic for seeded entities, random for new ones.

/// A small splitmix64 generator; seeded from a name it yields the same ids on every start.
pub struct IdGen(u64);

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const MIXED_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

impl IdGen {
    /// Deterministic ids for a seeded entity, keyed by its kind and natural name.
    pub fn seeded(key: &str) -> Self {
        // FNV-1a: stable across builds and platforms, unlike the std hasher.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Self(hash)
    }

    pub fn random() -> Self {
        Self(fastrand::u64(..))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                let n = u64::try_from(alphabet.len()).unwrap_or(1);
                let index = usize::try_from(self.next() % n).unwrap_or(0);
                char::from(alphabet[index])
            })
            .collect()
    }

    /// Project, unit, asset, listing and subscription ids: 14 lowercase alphanumerics.
    pub fn resource(&mut self) -> String {
        self.pick(LOWER_ALNUM, 14)
    }

    /// Domain ids: `dzd_` and 14 lowercase alphanumerics.
    pub fn domain(&mut self) -> String {
        format!("dzd_{}", self.pick(LOWER_ALNUM, 14))
    }

    /// Policy grant ids, pattern `[A-Za-z0-9+/]{10}`.
    pub fn grant(&mut self) -> String {
        self.pick(MIXED_ALNUM, 10)
    }

    /// Identity store ids: `d-` and 10 hex digits.
    pub fn identity_store(&mut self) -> String {
        format!("d-{}", self.pick(HEX, 10))
    }

    /// Identity Center user, group and membership ids: 10 hex digits, a dash and a UUID.
    pub fn identity_center(&mut self) -> String {
        format!("{}-{}", self.pick(HEX, 10), self.uuid())
    }

    pub fn uuid(&mut self) -> String {
        let hex = self.pick(HEX, 32);
        format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }

    /// The 16-character suffix of an sso-admin instance ARN.
    pub fn instance_suffix(&mut self) -> String {
        self.pick(HEX, 16)
    }
}

/// One resource id, random.
pub fn new_resource_id() -> String {
    IdGen::random().resource()
}

/// One resource id derived from a seed key.
pub fn seeded_resource_id(key: &str) -> String {
    IdGen::seeded(key).resource()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{DOMAIN_ID, DOMAIN_UNIT_ID, IDENTITY_RESOURCE_ID, IDENTITY_STORE_ID, RESOURCE_ID};

    #[test]
    fn seeded_ids_are_stable_and_match_the_model_patterns() {
        assert_eq!(seeded_resource_id("project:a"), seeded_resource_id("project:a"));
        assert_ne!(seeded_resource_id("project:a"), seeded_resource_id("project:b"));
        let mut g = IdGen::seeded("x");
        assert!(DOMAIN_ID.is_match(&g.domain()));
        let id = g.resource();
        assert!(RESOURCE_ID.is_match(&id) && DOMAIN_UNIT_ID.is_match(&id));
        assert!(IDENTITY_STORE_ID.is_match(&g.identity_store()));
        assert!(IDENTITY_RESOURCE_ID.is_match(&g.identity_center()));
    }
}
