//! The profile datasets: `crm` (JSONL, replaced per record) and `loyalty` (CSV, upsert patches with explicit nulls).

use super::people::Person;
use super::rng::{Rng, Stream};
use super::writer::{push_json_str, rfc3339};
use super::REFERENCE_SECS;
use std::fmt::Write as _;

pub const CRM_BAD: &[&str] = &[
    r#"{"crmId": "c-broken", "person": {"name": {"firstName": "Broken"}"#,
    r#"{"crmId": "anonymous", "person": {"name": {"firstName": "Nobody"}}, "extSourceSystemAudit": {"lastUpdatedDate": "2026-09-01T08:00:00Z"}}"#,
];
pub const LOYALTY_BAD: &[&str] = &["X12,,gold,10,2025-01-01,WELCOME,2026-09-01T05:00:00Z"];

pub const LOYALTY_HEADER: &str = "loyaltyId,crmId,loyalty.tier,loyalty.points,loyalty.joinDate,loyalty.promoCode,extSourceSystemAudit.lastUpdatedDate";
pub const LOYALTY_PATCH_HEADER: &str =
    "loyaltyId,loyalty.points,loyalty.promoCode,extSourceSystemAudit.lastUpdatedDate";

const DAY: i64 = 86_400;
const TIERS: &[&str] = &["bronze", "silver", "gold", "platinum"];

/// People whose CRM record is replaced by a later batch (one in fifty).
pub fn crm_updated(p: &Person) -> bool {
    p.index % 50 == 7
}

/// Loyalty members whose points are patched later (a quarter of the members).
pub fn loyalty_patched(p: &Person) -> bool {
    p.loyalty_id.is_some() && p.index.is_multiple_of(10)
}

/// One CRM record; `update` writes the later replacing version (a move, and no interests).
pub fn crm_line(seed: u64, p: &Person, update: bool) -> String {
    let mut r = Rng::keyed(seed, Stream::Crm, p.index, u64::from(update));
    let time = if update {
        REFERENCE_SECS - 15 * DAY
    } else {
        REFERENCE_SECS - 130 * DAY - r.below(270 * DAY as u64) as i64
    };
    let mut line = String::with_capacity(400);
    line.push_str(r#"{"crmId": "#);
    push_json_str(&mut line, &p.crm_id);
    line.push_str(r#", "person": {"name": {"firstName": "#);
    push_json_str(&mut line, p.first);
    line.push_str(r#", "lastName": "#);
    push_json_str(&mut line, p.last);
    line.push_str(r#"}}, "personalEmail": {"address": "#);
    push_json_str(&mut line, &p.email);
    line.push('}');
    if let Some(phone) = &p.phone {
        let _ = write!(line, r#", "mobilePhone": {{"number": "{phone}"}}"#);
    }
    // A move within the country (Swedes to Stockholm; others keep the city, a new phone aside).
    let city = if update && p.country == "SE" { "Stockholm" } else { p.city };
    line.push_str(r#", "homeAddress": {"city": "#);
    push_json_str(&mut line, city);
    let _ = write!(line, r#", "countryCode": "{}"}}, "birthDate": "{}""#, p.country, p.birth_date);
    if !update {
        let _ = write!(line, r#", "interests": ["{}", "{}"]"#, p.interests[0], p.interests[1]);
    }
    let _ = write!(line, r#", "extSourceSystemAudit": {{"lastUpdatedDate": "{}"}}}}"#, rfc3339(time));
    line
}

/// The full loyalty row of a member (`None` for non-members).
pub fn loyalty_row(seed: u64, p: &Person) -> Option<String> {
    let id = p.loyalty_id.as_ref()?;
    let mut r = Rng::keyed(seed, Stream::Loyalty, p.index, 0);
    let tier = r.pick(TIERS);
    let points = r.below(5000);
    let joined = format!("{}-{:02}-{:02}", r.range(2019, 2025), r.range(1, 12), r.range(1, 28));
    let time = REFERENCE_SECS - 125 * DAY - r.below(200 * DAY as u64) as i64;
    Some(format!("{id},{},{tier},{points},{joined},WELCOME{},{}", p.crm_id, p.index % 100, rfc3339(time)))
}

/// A later points patch; half of them remove the promo code with an explicit `null`.
pub fn loyalty_patch_row(seed: u64, p: &Person) -> Option<String> {
    let id = p.loyalty_id.as_ref()?;
    let mut r = Rng::keyed(seed, Stream::Loyalty, p.index, 1);
    let points = r.below(8000);
    let promo = if r.chance(500) { "null" } else { "AUTUMN26" };
    Some(format!("{id},{points},{promo},{}", rfc3339(REFERENCE_SECS - 10 * DAY)))
}
