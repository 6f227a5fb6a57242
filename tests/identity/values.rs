//! Identity values (SPEC 1.2, 1.4): normalization, junk values and the primary identity.

use super::*;

#[test]
fn normalize_applies_the_namespace_steps_before_matching() {
    let mut email = ns("Email", NamespaceType::Email, false, None);
    email.normalize = vec![Normalize::Trim, Normalize::Lowercase];
    assert_eq!(&*normalize_identity(&email, "  Ann@Example.COM ").unwrap(), "ann@example.com");
    let mut up = ns("CODE", NamespaceType::Partner, false, None);
    up.normalize = vec![Normalize::Uppercase];
    assert_eq!(&*normalize_identity(&up, "ab-1").unwrap(), "AB-1");
    let plain = ns("ECID", NamespaceType::Cookie, false, None);
    assert_eq!(&*normalize_identity(&plain, " Keep ").unwrap(), " Keep ");
}

#[test]
fn normalize_drops_empty_blank_and_over_long_values() {
    let plain = ns("ECID", NamespaceType::Cookie, false, None);
    assert_eq!(normalize_identity(&plain, ""), Err(Rejection::Empty));
    assert_eq!(normalize_identity(&plain, "   "), Err(Rejection::Empty));
    assert!(normalize_identity(&plain, &"é".repeat(1024)).is_ok(), "1024 characters are allowed");
    assert_eq!(normalize_identity(&plain, &"x".repeat(1025)), Err(Rejection::TooLong));
}

#[test]
fn normalize_drops_junk_values_whatever_their_case() {
    let plain = ns("ECID", NamespaceType::Cookie, false, None);
    for junk in ["null", "NULL", "Anonymous", " invalid "] {
        assert!(matches!(normalize_identity(&plain, junk), Err(Rejection::Junk(_))), "{junk}");
    }
    assert!(normalize_identity(&plain, "nullable").is_ok());
}

#[test]
fn normalize_checks_the_pattern_on_the_normalized_value() {
    let mut crm = ns("CRMID", NamespaceType::CrossDevice, true, Some(1));
    crm.normalize = vec![Normalize::Trim, Normalize::Lowercase];
    crm.pattern = Some(regex::Regex::new("^c-[0-9]+$").unwrap());
    assert_eq!(&*normalize_identity(&crm, " C-12 ").unwrap(), "c-12");
    assert_eq!(normalize_identity(&crm, "x-12"), Err(Rejection::Pattern("CRMID".into())));
    assert_eq!(Rejection::Pattern("CRMID".into()).reason(), "pattern");
}

fn cand(s: &str, map_primary: bool, field_primary: bool) -> Candidate {
    Candidate { identity: id(s), map_primary, field_primary }
}

#[test]
fn event_primary_is_the_highest_priority_namespace_present() {
    let s = settings(50);
    let c = [cand("ECID:e", true, false), cand("IDFA:i", false, false), cand("CRMID:c", false, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("CRMID:c")));
    let c = [cand("ECID:e", true, false), cand("IDFA:i", false, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("IDFA:i")));
}

#[test]
fn event_primary_without_priorities_is_the_marked_then_the_first() {
    let s = settings(50);
    let c = [cand("Phone:1", false, false), cand("Phone:2", true, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("Phone:2")));
    let c = [cand("Phone:1", false, false), cand("Phone:2", false, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("Phone:1")));
    assert_eq!(primary_of_event(&[], &s), None);
}

#[test]
fn event_primary_within_the_best_namespace_prefers_the_marked_identity() {
    let s = settings(50);
    let c = [cand("ECID:a", false, false), cand("ECID:b", false, true), cand("Phone:p", true, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("ECID:b")));
}

#[test]
fn record_primary_ignores_priorities() {
    let c = [cand("CRMID:c", false, false), cand("ECID:e", true, false), cand("Email:x", false, true)];
    assert_eq!(primary_of_record(&c), Some(&id("Email:x")));
    let c = [cand("CRMID:c", false, false), cand("ECID:e", true, false)];
    assert_eq!(primary_of_record(&c), Some(&id("ECID:e")));
    let c = [cand("ECID:e", false, false), cand("CRMID:c", false, false)];
    assert_eq!(primary_of_record(&c), Some(&id("ECID:e")));
}
