#!/usr/bin/env python3
"""Writes the data files of examples/retail (deterministic: same script, same bytes).

Usage: python3 scripts/gen-retail-example.py [examples/retail]

The data is small (a few hundred records) but holds every case the README walks through:
a shared device, a CRM replace, loyalty upserts with an explicit null, duplicate event ids,
a guest checkout, an anonymous visitor, and bad lines of every kind.
"""
import json
import os
import random
import sys
import zlib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "examples", "retail")
rng = random.Random(20261101)
UTC = timezone.utc

FIRST = ["Anna", "Erik", "Maja", "Lars", "Elsa", "Johan", "Ingrid", "Nils", "Astrid", "Olof",
         "Freja", "Karl", "Sofia", "Mikael", "Linnea", "Per", "Ebba", "Anders", "Tove", "Gustav",
         "Sigrid", "Henrik", "Saga", "Viktor"]
LAST = ["Berg", "Lind", "Holm", "Nyström", "Ek", "Sandberg", "Dahl", "Strand", "Lund", "Falk",
        "Björk", "Wik", "Söderberg", "Forsberg", "Hedlund", "Åberg", "Mattsson", "Blom", "Sjöberg",
        "Norén", "Eklund", "Hansen", "Nielsen", "Virtanen"]
DOMAINS = ["gmail.com", "outlook.com", "telia.se", "hotmail.se", "GMail.com"]
CITIES = {"SE": ["Stockholm", "Göteborg", "Malmö", "Uppsala"], "NO": ["Oslo"], "DK": ["København"],
          "FI": ["Helsinki"]}
INTERESTS = ["running", "hiking", "yoga", "cycling", "skiing", "swimming"]
PAGES = ["home", "running-shoes", "hiking-boots", "jackets", "sale", "checkout", "account",
         "store-locator"]
PRODUCTS = [("sku-101", "Trail Runner", "shoes", 1299.0), ("sku-102", "Road Runner", "shoes", 999.0),
            ("sku-201", "Rain Jacket", "jackets", 1899.0), ("sku-202", "Fleece", "jackets", 599.0),
            ("sku-301", "Yoga Mat", "yoga", 349.0), ("sku-302", "Water Bottle", "accessories", 129.5),
            ("sku-401", "Bike Helmet", "cycling", 899.0), ("sku-501", "Wool Socks", "accessories", 89.0)]
START = datetime(2026, 7, 15, tzinfo=UTC)
END = datetime(2026, 10, 31, 22, 0, tzinfo=UTC)


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def local_style(ev):
    """Some web events carry local time with an offset, some milliseconds: both are RFC 3339.

    Chosen by a checksum of the id (not the shared random stream), so the rest stays as it is."""
    h = zlib.crc32(ev["_id"].encode())
    t = datetime.strptime(ev["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    if h % 10 == 0:
        ev["timestamp"] = t.astimezone(ZoneInfo("Europe/Stockholm")).isoformat()
    elif h % 10 == 1:
        ev["timestamp"] = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{h % 1000:03d}Z"
    return ev


def ecid():
    return "".join(str(rng.randrange(10)) for _ in range(38))


def rand_time(a=START, b=END):
    return a + timedelta(seconds=rng.randrange(int((b - a).total_seconds())))


TABLET = "".join(str(rng.randrange(10)) for _ in range(38))


def make_people():
    people = []
    for i, (first, last) in enumerate(zip(FIRST, LAST), start=1):
        country = "SE" if i % 5 else ["NO", "DK", "FI"][i % 3]
        ascii_last = last.lower().translate(str.maketrans("öåäé", "oaae"))
        people.append({
            "n": i, "crm": f"c-{100 + i}", "first": first, "last": last, "country": country,
            "city": rng.choice(CITIES[country]),
            "email": f"{first.lower()}.{ascii_last}@{DOMAINS[i % len(DOMAINS)]}",
            "phone": f"+4670{rng.randrange(1000000, 9999999)}",
            "ecids": [ecid() for _ in range(1 + (i % 3 == 0))],
            "loyalty": f"L{200000 + i}" if i % 3 != 2 else None,
            "birth": f"{rng.randrange(1955, 2004)}-{1 + (i * 7) % 12:02d}-{1 + rng.randrange(28):02d}",
            "interests": sorted(rng.sample(INTERESTS, 2)),
        })
    return people


def write_jsonl(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False))
            f.write("\n")


def write_csv(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")


def crm_record(p, when, city=None, interests=True):
    rec = {"crmId": p["crm"], "person": {"name": {"firstName": p["first"], "lastName": p["last"]}},
           "personalEmail": {"address": p["email"]}, "mobilePhone": {"number": p["phone"]},
           "homeAddress": {"city": city or p["city"], "countryCode": p["country"]},
           "birthDate": p["birth"], "extSourceSystemAudit": {"lastUpdatedDate": ts(when)}}
    if interests:
        rec["interests"] = p["interests"]
    return rec


def gen_crm(people):
    first = []
    for p in people:
        rec = crm_record(p, datetime(2026, 9, 1, 6, 0, tzinfo=UTC) + timedelta(minutes=p["n"]))
        if p["n"] == 5:
            rec["crmId"] = "  C-105 "  # normalized to c-105 by trim + lowercase
        if p["n"] == 9:
            rec["personalEmail"]["address"] = " " + p["email"].capitalize()  # identity normalized to lowercase
        first.append(rec)
    # A newsletter sign-up for Erik (email only): its interests are unioned into his profile.
    first.append({"personalEmail": {"address": people[1]["email"]}, "interests": ["skiing", "running"],
                  "extSourceSystemAudit": {"lastUpdatedDate": "2026-09-01T07:00:00Z"}})
    # A sign-up from someone who is not a customer yet: a profile keyed by Email.
    first.append({"personalEmail": {"address": "nora.quist@telia.se"}, "interests": ["yoga"],
                  "person": {"name": {"firstName": "Nora"}},
                  "extSourceSystemAudit": {"lastUpdatedDate": "2026-09-01T07:05:00Z"}})
    first.append('{"crmId": "c-999", "person": {"name": {"firstName": "Broken"}')  # invalid JSON
    first.append({"crmId": "anonymous", "person": {"name": {"firstName": "Nobody"}},
                  "extSourceSystemAudit": {"lastUpdatedDate": "2026-09-01T08:00:00Z"}})  # no identity
    write_jsonl(f"{ROOT}/data/crm/2026-09-01.jsonl", first)
    # Second batch: full records replace the fragment. Maja moved (and this record has no
    # interests, so hers disappear: crm is not an upsert dataset).
    second = [crm_record(people[2], datetime(2026, 10, 15, 9, tzinfo=UTC), city="Uppsala", interests=False),
              crm_record(people[6], datetime(2026, 10, 15, 9, 30, tzinfo=UTC), city="Malmö")]
    write_jsonl(f"{ROOT}/data/crm/2026-10-15.jsonl", second)


def gen_loyalty(people):
    members = [p for p in people if p["loyalty"]]
    rows = []
    for p in members:
        tier = ["bronze", "silver", "gold", "platinum"][p["n"] % 4]
        promo = f"WELCOME{p['n']}" if p["n"] % 2 else ""
        rows.append([p["loyalty"], p["crm"], tier, str(100 * p["n"]), f"2025-{1 + p['n'] % 12:02d}-15",
                     promo, ts(datetime(2026, 9, 1, 5, tzinfo=UTC))])
    rows.append(["X12", "", "gold", "10", "2025-01-01", "", "2026-09-01T05:00:00Z"])  # no valid identity
    write_csv(f"{ROOT}/data/loyalty/2026-09-01.csv",
              ["loyaltyId", "crmId", "loyalty.tier", "loyalty.points", "loyalty.joinDate",
               "loyalty.promoCode", "extSourceSystemAudit.lastUpdatedDate"], rows)
    # Points patches: only the columns in this file change.
    rows = [[p["loyalty"], str(100 * p["n"] + 35 * (p["n"] % 5)), "2026-10-10T05:00:00Z"]
            for p in members if p["n"] % 2 == 0]
    write_csv(f"{ROOT}/data/loyalty/2026-10-10.csv",
              ["loyaltyId", "loyalty.points", "extSourceSystemAudit.lastUpdatedDate"], rows)
    # Tier changes; `null` removes the promo code (an explicit null in an upsert).
    rows = [[people[0]["loyalty"], "platinum", "null", "2026-10-25T05:00:00Z"],
            [people[3]["loyalty"], "gold", "null", "2026-10-25T05:00:00Z"],
            [people[6]["loyalty"], "gold", "AUTUMN26", "2026-10-25T05:00:00Z"]]
    write_csv(f"{ROOT}/data/loyalty/2026-10-25.csv",
              ["loyaltyId", "loyalty.tier", "loyalty.promoCode", "extSourceSystemAudit.lastUpdatedDate"], rows)


def identity_map(ecid_value, email=None, crm=None):
    m = {"ECID": [{"id": ecid_value, "primary": True}]}
    if email:
        m["Email"] = [{"id": email, "authenticatedState": "authenticated"}]
    if crm:
        m["CRMID"] = [{"id": crm, "authenticatedState": "authenticated"}]
    return m


def web_event(eid, t, device, email, kind):
    ev = {"_id": eid, "timestamp": ts(t), "identityMap": identity_map(device, email)}
    if kind == "page":
        page = rng.choice(PAGES)
        ev["eventType"] = "web.webpagedetails.pageViews"
        ev["web"] = {"webPageDetails": {"name": page, "URL": f"https://shop.example.se/{page}",
                                        "pageViews": {"value": 1}}}
    else:
        sku, name, cat, price = rng.choice(PRODUCTS)
        ev["eventType"] = "commerce.productViews" if kind == "view" else "commerce.productListAdds"
        ev["productListItems"] = [{"SKU": sku, "name": name, "priceTotal": price, "quantity": 1}]
        ev["_retail"] = {"category": cat}
    return ev


def gen_web(people):
    events = []
    n = 0
    # An anonymous visitor who never logs in, and the shop tablet between customers.
    visitors = [(p, d) for p in people for d in p["ecids"]] + [(None, ecid()), (None, TABLET)]
    for p, device in visitors:
        for _ in range(rng.randrange(4, 16)):
            n += 1
            kind = rng.choices(["page", "view", "add"], [6, 3, 1])[0]
            email = p["email"] if p and rng.random() < 0.3 else None
            events.append(web_event(f"w-{n:05d}", rand_time(), device, email, kind))
    anna = people[0]
    for i, day in enumerate([27, 29, 30]):  # Anna browses this week: the vip audience needs it
        events.append(web_event(f"w-anna-{i}", datetime(2026, 10, day, 18, tzinfo=UTC), anna["ecids"][0],
                                anna["email"], "page"))
    # Karl (c-111) bought once in July and still reads the site: the lapsedCustomers audience.
    # Built by hand (not with web_event) so that the shared random stream is not consumed.
    karl = people[10]
    events.append({"_id": "w-karl-1", "timestamp": "2026-10-12T19:30:00Z", "identityMap": identity_map(karl["ecids"][0], karl["email"]),
                   "eventType": "web.webpagedetails.pageViews",
                   "web": {"webPageDetails": {"name": "sale", "URL": "https://shop.example.se/sale", "pageViews": {"value": 1}}}})
    # Seen after the as-of instant: ingested, but outside every window.
    events.append(web_event("w-future", datetime(2026, 11, 2, 9, tzinfo=UTC), anna["ecids"][0], None, "page"))
    events.sort(key=lambda e: e["timestamp"])
    batches = {}
    for ev in events:
        t = datetime.strptime(ev["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        key = f"2026-{t.month:02d}-{1 if t.day < 16 else 16:02d}"
        batches.setdefault(key, []).append(ev)
    names = sorted(batches)
    # A re-sent event: the same _id arrives again in the next batch (the last ingested wins).
    resent = dict(batches[names[-3]][0])
    batches[names[-2]].append(resent)
    bad = {names[1]: ['{"_id": "w-bad-1", "timestamp": "2026-08-02T10:00:00Z", "eventType": "web.'],
           names[3]: [{"_id": "w-bad-2", "timestamp": "2026-09-03T10:00:00Z",
                       "eventType": "web.webpagedetails.pageViews"}],  # no identity
           names[5]: [{"_id": "w-bad-3", "eventType": "web.webpagedetails.pageViews",
                       "identityMap": identity_map(people[4]["ecids"][0])},  # no timestamp
                      {"_id": "w-bad-4", "timestamp": "last tuesday", "eventType": "web.webpagedetails.pageViews",
                       "identityMap": identity_map(people[4]["ecids"][0])}]}  # invalid timestamp
    for name in names:
        write_jsonl(f"{ROOT}/data/web/{name}.jsonl", [local_style(dict(e)) for e in batches[name]] + bad.get(name, []))


def purchase(oid, t, device, email, crm, items, currency="SEK"):
    lines = [{"SKU": s, "name": nm, "quantity": q, "priceTotal": round(pr * q, 2)} for s, nm, _, pr, q in items]
    total = round(sum(li["priceTotal"] for li in lines), 2)
    return {"_id": oid, "timestamp": ts(t), "eventType": "commerce.purchases",
            "identityMap": identity_map(device, email, crm),
            "commerce": {"order": {"priceTotal": total, "currencyCode": currency, "purchaseID": oid}},
            "productListItems": lines, "_retail": {"basketSize": sum(li["quantity"] for li in lines)}}


def basket():
    picks = rng.sample(PRODUCTS, rng.randrange(1, 4))
    return [(s, nm, c, pr, rng.randrange(1, 3)) for s, nm, c, pr in picks]


def gen_commerce(people):
    orders = []
    n = 0
    for p in people:
        if p["n"] % 4 == 3:
            continue  # browsers only
        for _ in range(rng.randrange(1, 5)):
            n += 1
            currency = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "FI": "EUR"}[p["country"]]
            orders.append(purchase(f"o-{n:05d}", rand_time(), rng.choice(p["ecids"]), p["email"], p["crm"],
                                   basket(), currency))
    a, b, c = people[0], people[2], people[3]
    orders.append(purchase("o-anna-1", datetime(2026, 10, 20, 12, tzinfo=UTC), a["ecids"][0], a["email"], a["crm"],
                           [("sku-201", "Rain Jacket", "jackets", 1899.0, 1)]))
    # A guest checkout (no CRMID): linked to Maja through her email.
    orders.append(purchase("o-guest-1", datetime(2026, 10, 3, 15, tzinfo=UTC), ecid(), b["email"],
                           None, [("sku-301", "Yoga Mat", "yoga", 349.0, 1)]))
    # The shared device: a shop-floor tablet where Lars logs in, and later Ingrid; CRMID is
    # unique, so the newest link (tablet ↔ c-107) wins and the older one (tablet ↔ c-104) is refused.
    tablet = TABLET
    orders.append(purchase("o-shared-1", datetime(2026, 10, 5, 19, tzinfo=UTC), tablet, None, c["crm"],
                           [("sku-501", "Wool Socks", "accessories", 89.0, 3)]))
    orders.append(purchase("o-shared-2", datetime(2026, 10, 21, 20, tzinfo=UTC), tablet, None, people[6]["crm"],
                           [("sku-202", "Fleece", "jackets", 599.0, 1)]))
    karl = people[10]
    orders.append(purchase("o-karl-1", datetime(2026, 7, 22, 11, tzinfo=UTC), karl["ecids"][0], karl["email"], karl["crm"],
                           [("sku-101", "Trail Runner", "shoes", 1299.0, 1)]))
    orders.sort(key=lambda e: e["timestamp"])
    batches = {}
    for ev in orders:
        batches.setdefault(ev["timestamp"][:7], []).append(ev)
    names = sorted(batches)
    # A corrected order re-sent with the same _id: the later batch's copy wins.
    fixed = json.loads(json.dumps(batches[names[-2]][0]))
    fixed["commerce"]["order"]["priceTotal"] = round(fixed["commerce"]["order"]["priceTotal"] - 50, 2)
    batches[names[-1]].insert(0, fixed)
    bad = {names[-1]: [{"_id": "o-bad-1", "eventType": "commerce.purchases",
                        "identityMap": identity_map(a["ecids"][0]),
                        "commerce": {"order": {"priceTotal": 10.0, "currencyCode": "SEK"}}},  # no timestamp
                       "not json at all"]}
    for name in names:
        write_jsonl(f"{ROOT}/data/commerce/{name}.jsonl", batches[name] + bad.get(name, []))


def main():
    people = make_people()
    gen_crm(people)
    gen_loyalty(people)
    gen_web(people)
    gen_commerce(people)


if __name__ == "__main__":
    main()
