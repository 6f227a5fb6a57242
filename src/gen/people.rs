//! Synthetic people, derived from (seed, index) alone so that every dataset can regenerate them without storing them.

use super::rng::{Rng, Stream};

const FIRST: &[&str] = &[
    "Anna", "Erik", "Maja", "Lars", "Elsa", "Johan", "Ingrid", "Nils", "Astrid", "Olof", "Freja", "Karl",
    "Sofia", "Mikael", "Linnea", "Per", "Ebba", "Anders", "Tove", "Gustav", "Sigrid", "Henrik", "Saga",
    "Viktor", "Ida", "Oskar", "Alva", "Hugo",
];
const LAST: &[&str] = &[
    "Berg",
    "Lind",
    "Holm",
    "Nyström",
    "Ek",
    "Sandberg",
    "Dahl",
    "Strand",
    "Lund",
    "Falk",
    "Björk",
    "Wik",
    "Söderberg",
    "Forsberg",
    "Hedlund",
    "Åberg",
    "Mattsson",
    "Blom",
    "Sjöberg",
    "Norén",
    "Eklund",
    "Hansen",
    "Nielsen",
    "Virtanen",
];
const DOMAINS: &[&str] = &["gmail.com", "outlook.com", "telia.se", "hotmail.se", "yahoo.com"];
const PLACES: &[(&str, &str)] = &[
    ("SE", "Stockholm"),
    ("SE", "Stockholm"),
    ("SE", "Göteborg"),
    ("SE", "Malmö"),
    ("SE", "Uppsala"),
    ("SE", "Umeå"),
    ("NO", "Oslo"),
    ("DK", "København"),
    ("FI", "Helsinki"),
];
pub const INTERESTS: &[&str] = &["running", "hiking", "yoga", "cycling", "skiing", "swimming"];

/// One synthetic customer; its ids count from 1 (`c-1`, `L000001`).
#[derive(Debug, Clone)]
pub struct Person {
    pub index: u64,
    pub crm_id: String,
    pub first: &'static str,
    pub last: &'static str,
    pub email: String,
    pub phone: Option<String>,
    pub country: &'static str,
    pub city: &'static str,
    pub birth_date: String,
    pub interests: Vec<&'static str>,
    /// Browser ids (ECID); the first may be shared with the previous person (a family device).
    pub devices: Vec<String>,
    pub loyalty_id: Option<String>,
    /// How many events this person produces in total (web and commerce).
    pub events: u64,
}

/// The person with this index; `events_per_profile` is the mean number of events.
pub fn person(seed: u64, index: u64, events_per_profile: u64) -> Person {
    let mut r = Rng::keyed(seed, Stream::Person, index, 0);
    let first = *r.pick(FIRST);
    let last = *r.pick(LAST);
    let (country, city) = *r.pick(PLACES);
    let domain = *r.pick(DOMAINS);
    let email = format!("{}.{}{}@{}", ascii(first), ascii(last), index + 1, domain);
    let phone = r.chance(600).then(|| format!("+4670{:07}", r.below(10_000_000)));
    let birth_date = format!("{}-{:02}-{:02}", r.range(1950, 2006), r.range(1, 12), r.range(1, 28));
    let a = r.below(INTERESTS.len() as u64) as usize;
    let b = (a + 1 + r.below(INTERESTS.len() as u64 - 1) as usize) % INTERESTS.len();
    let mut interests = vec![INTERESTS[a], INTERESTS[b]];
    interests.sort_unstable();
    let n_devices = 1 + u64::from(r.chance(300)) + u64::from(r.chance(100));
    let mut devices: Vec<String> = (0..n_devices).map(|d| ecid(seed, index, d)).collect();
    // About 0.5% of people share their main device with the previous person.
    if index > 0 && r.chance(5) {
        devices[0] = ecid(seed, index - 1, 0);
    }
    let loyalty_id = (index % 5 < 2).then(|| format!("L{:06}", index + 1));
    let events = if events_per_profile == 0 {
        0
    } else {
        r.range(events_per_profile / 2, events_per_profile.saturating_add(events_per_profile / 2))
    };
    Person {
        index,
        crm_id: format!("c-{}", index + 1),
        first,
        last,
        email,
        phone,
        country,
        city,
        birth_date,
        interests,
        devices,
        loyalty_id,
        events,
    }
}

/// An ECID: 38 decimal digits, like Adobe's.
pub fn ecid(seed: u64, index: u64, device: u64) -> String {
    let mut r = Rng::keyed(seed, Stream::Device, index, device);
    let a = r.next_u64() % 10_000_000_000_000_000_000;
    let b = r.next_u64() % 10_000_000_000_000_000_000;
    format!("{a:019}{b:019}")
}

/// Email local parts stay ASCII and lowercase, as normalized emails are.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'å' | 'ä' | 'Å' | 'Ä' => 'a',
            'ö' | 'Ö' => 'o',
            'é' => 'e',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_deterministic_and_distinct() {
        let a = person(1, 5, 20);
        let b = person(1, 5, 20);
        assert_eq!(a.email, b.email);
        assert_eq!(a.devices, b.devices);
        assert_ne!(person(1, 6, 20).email, a.email);
        assert!((10..=30).contains(&a.events));
        assert_eq!(ascii("Nyström"), "nystrom");
    }
}
