//! The event datasets: `web` (page and product views) and `commerce` (purchases), spread over the 120 days before the reference date.

use super::people::Person;
use super::rng::{Rng, Stream};
use super::writer::{push_json_str, rfc3339, DatasetWriter};
use super::{Error, REFERENCE_SECS};
use std::fmt::Write as _;

/// Events fall in `[REFERENCE − WINDOW_SECS, REFERENCE)`.
pub const WINDOW_SECS: i64 = 120 * 86_400;

const PAGES: &[&str] =
    &["home", "running-shoes", "hiking-boots", "jackets", "sale", "checkout", "account", "store-locator"];

/// (SKU, name, category, price in cents): prices are multiples of 0.25, exact in binary
/// floating point, so sums agree bit for bit whatever order an engine adds them in.
pub const PRODUCTS: &[(&str, &str, &str, i64)] = &[
    ("sku-101", "Trail Runner", "shoes", 129_900),
    ("sku-102", "Road Runner", "shoes", 99_900),
    ("sku-201", "Rain Jacket", "jackets", 189_900),
    ("sku-202", "Fleece", "jackets", 59_900),
    ("sku-301", "Yoga Mat", "yoga", 34_900),
    ("sku-302", "Water Bottle", "accessories", 12_950),
    ("sku-401", "Bike Helmet", "cycling", 89_900),
    ("sku-501", "Wool Socks", "accessories", 8_900),
    ("sku-502", "Sport Gel", "accessories", 4_975),
];

pub const WEB_BAD: &[&str] = &[
    r#"{"_id": "w-bad", "timestamp": "2026-10-01T10:00:00Z", "eventType": "web.webpage"#,
    r#"{"_id": "w-bad-noid", "timestamp": "2026-10-01T10:00:00Z", "eventType": "web.webpagedetails.pageViews"}"#,
    r#"{"_id": "w-bad-nots", "eventType": "web.webpagedetails.pageViews", "identityMap": {"ECID": [{"id": "00000000000000000000000000000000000001", "primary": true}]}}"#,
];
pub const COMMERCE_BAD: &[&str] = &[
    r#"{"_id": "o-bad-nots", "eventType": "commerce.purchases", "identityMap": {"ECID": [{"id": "00000000000000000000000000000000000001", "primary": true}]}, "commerce": {"order": {"priceTotal": 10.0, "currencyCode": "SEK"}}}"#,
    "not json at all",
    r#"{"_id": "o-bad-ts", "timestamp": "last tuesday", "eventType": "commerce.purchases", "identityMap": {"ECID": [{"id": "00000000000000000000000000000000000001", "primary": true}]}}"#,
];

/// How a person's events split: one in eight is a purchase.
pub fn split(p: &Person, seed: u64) -> (u64, u64) {
    let mut r = Rng::keyed(seed, Stream::Commerce, p.index, u64::MAX);
    let purchases = p.events / 8 + u64::from(r.below(8) < p.events % 8);
    (p.events - purchases, purchases)
}

/// The batch file of an event at `t` when the window is cut into `files` equal parts.
pub fn file_of(t: i64, files: usize) -> usize {
    let offset = t - (REFERENCE_SECS - WINDOW_SECS);
    let i = (offset as i128 * files as i128 / WINDOW_SECS as i128) as usize;
    i.min(files.saturating_sub(1))
}

fn random_time(r: &mut Rng) -> i64 {
    REFERENCE_SECS - WINDOW_SECS + r.below(WINDOW_SECS as u64) as i64
}

/// Writes the web events of one person.
pub fn write_web(
    out: &mut DatasetWriter,
    files: usize,
    seed: u64,
    p: &Person,
    count: u64,
) -> Result<(), Error> {
    let mut line = String::with_capacity(512);
    for k in 0..count {
        let mut r = Rng::keyed(seed, Stream::Web, p.index, k);
        let t = random_time(&mut r);
        let device = r.pick(&p.devices);
        let email = r.chance(300).then_some(p.email.as_str());
        line.clear();
        let _ = write!(line, r#"{{"_id": "w-{}-{}", "timestamp": "{}", "#, p.index + 1, k, rfc3339(t));
        let kind = r.below(100);
        let event_type = match kind {
            0..65 => "web.webpagedetails.pageViews",
            65..95 => "commerce.productViews",
            _ => "commerce.productListAdds",
        };
        let _ = write!(line, r#""eventType": "{event_type}", "#);
        push_identity_map(&mut line, device, email, None);
        if kind < 65 {
            let page = r.pick(PAGES);
            let _ = write!(
                line,
                r#", "web": {{"webPageDetails": {{"name": "{page}", "URL": "https://shop.example.se/{page}", "pageViews": {{"value": 1}}}}}}"#
            );
        } else {
            let (sku, name, category, cents) = r.pick(PRODUCTS);
            let _ = write!(
                line,
                r#", "productListItems": [{{"SKU": "{sku}", "name": "{name}", "quantity": 1, "priceTotal": {:?}}}], "_retail": {{"category": "{category}"}}"#,
                *cents as f64 / 100.0
            );
        }
        line.push('}');
        out.write(file_of(t, files), &line)?;
    }
    Ok(())
}

/// Writes the purchases of one person.
pub fn write_commerce(
    out: &mut DatasetWriter,
    files: usize,
    seed: u64,
    p: &Person,
    count: u64,
) -> Result<(), Error> {
    let mut line = String::with_capacity(768);
    let currency = match p.country {
        "NO" => "NOK",
        "DK" => "DKK",
        "FI" => "EUR",
        _ => "SEK",
    };
    for k in 0..count {
        let mut r = Rng::keyed(seed, Stream::Commerce, p.index, k);
        let t = random_time(&mut r);
        let device = r.pick(&p.devices);
        // Most buyers are logged in; a guest checkout carries only the device and the email.
        let crm = r.chance(850).then_some(p.crm_id.as_str());
        let n_items = r.range(1, 3);
        let mut items = String::new();
        let (mut total, mut basket) = (0i64, 0u64);
        for i in 0..n_items {
            let (sku, name, _, cents) = r.pick(PRODUCTS);
            let qty = r.range(1, 2);
            let line_total = cents * qty as i64;
            total += line_total;
            basket += qty;
            if i > 0 {
                items.push_str(", ");
            }
            let _ = write!(
                items,
                r#"{{"SKU": "{sku}", "name": "{name}", "quantity": {qty}, "priceTotal": {:?}}}"#,
                line_total as f64 / 100.0
            );
        }
        line.clear();
        let _ = write!(
            line,
            r#"{{"_id": "o-{}-{}", "timestamp": "{}", "eventType": "commerce.purchases", "#,
            p.index + 1,
            k,
            rfc3339(t)
        );
        push_identity_map(&mut line, device, Some(&p.email), crm);
        let _ = write!(
            line,
            r#", "commerce": {{"order": {{"priceTotal": {:?}, "currencyCode": "{currency}", "purchaseID": "o-{}-{}"}}}}, "productListItems": [{items}], "_retail": {{"basketSize": {basket}}}}}"#,
            total as f64 / 100.0,
            p.index + 1,
            k
        );
        out.write(file_of(t, files), &line)?;
    }
    Ok(())
}

fn push_identity_map(line: &mut String, ecid: &str, email: Option<&str>, crm: Option<&str>) {
    line.push_str(r#""identityMap": {"ECID": [{"id": "#);
    push_json_str(line, ecid);
    line.push_str(r#", "primary": true}]"#);
    if let Some(e) = email {
        line.push_str(r#", "Email": [{"id": "#);
        push_json_str(line, e);
        line.push_str(r#", "authenticatedState": "authenticated"}]"#);
    }
    if let Some(c) = crm {
        line.push_str(r#", "CRMID": [{"id": "#);
        push_json_str(line, c);
        line.push_str(r#", "authenticatedState": "authenticated"}]"#);
    }
    line.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_maps_to_files_in_order() {
        let start = REFERENCE_SECS - WINDOW_SECS;
        assert_eq!(file_of(start, 4), 0);
        assert_eq!(file_of(start + WINDOW_SECS / 4, 4), 1);
        assert_eq!(file_of(REFERENCE_SECS - 1, 4), 3);
        assert_eq!(file_of(REFERENCE_SECS + 10, 4), 3);
    }

    #[test]
    fn prices_are_exact_binary_fractions() {
        for (_, _, _, cents) in PRODUCTS {
            assert_eq!(cents % 25, 0);
        }
    }
}
