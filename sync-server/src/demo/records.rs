//! The demo community's records, generated from `assets/demo/community.json`
//! with a fixed-seed generator: each grid's doors are occupied or not, each
//! household gets members (names, relations, valid-looking phones and ID
//! numbers that belong to no one), care tags where they fit, visits over the
//! last weeks by the grid's worker, and the needs those visits raised —
//! some accepted, some resolved, most still open.
//!
//! Ids come from the door and never change, and a record already stored is
//! skipped, so seeding again stores nothing new. Times are counted back
//! from the first seeding, so a new demo always looks recent.

use gridwalk_domain::calendar::{CivilDate, parse_rfc3339_ms};
use gridwalk_domain::catalog::builtin_catalog;
use gridwalk_domain::household::{Address, HEAD, Household, Member};
use gridwalk_domain::id_number::IdNumber;
use gridwalk_domain::need::{Need, NeedEvent, NeedEventKind};
use gridwalk_domain::phone::Phone;
use gridwalk_domain::record::Record;
use gridwalk_domain::sync::WireChange;
use gridwalk_domain::visit::Visit;
use gridwalk_domain::{
    CategoryCode, Coordinates, DeviceId, DocId, GridId, HazardReport, Location, LocationSource,
    MemberId, PhotoRef, UserId,
};
use gridwalk_records::Author;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::config_error;
use super::data::{Archive, Community, Estate, Grid};
use crate::ServerError;
use crate::api::AppState;
use crate::storage::{CheckedChange, DocFacts};

/// The demo's own actor: never a real device.
const DEMO_DEVICE: [u8; 16] = *b"gridwalk-demo-01";
const DAY_MS: i64 = 86_400_000;
/// The district code in the demo's ID numbers (上海浦东).
const REGION: &str = "310115";

/// A small fixed-seed generator (xorshift64*), seeded per door.
struct Rng(u64);

impl Rng {
    fn from_label(label: &str) -> Self {
        // FNV-1a: stable across Rust versions, unlike the std hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in label.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self(h | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn doc_id(&mut self) -> DocId {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        DocId::from_random_bytes(b)
    }

    fn member_id(&mut self) -> MemberId {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        MemberId::from_random_bytes(b)
    }
}

/// The changes of the demo's records and their facts, built once.
struct Batch {
    device: DeviceId,
    existing: HashSet<DocId>,
    changes: Vec<CheckedChange>,
    facts: HashMap<DocId, DocFacts>,
}

impl Batch {
    fn add<K: Record>(
        &mut self,
        body: &K,
        owner: &UserId,
        author: &Author,
        at_ms: i64,
    ) -> Result<(), ServerError> {
        if self.existing.contains(&body.id()) {
            return Ok(());
        }
        let (_, change) = gridwalk_records::create(&self.device, body, Some(author), at_ms)
            .map_err(config_error)?;
        self.facts.insert(
            body.id(),
            DocFacts {
                scope: body.scope().clone(),
                kind: K::KIND,
                owner: owner.to_string(),
                wish: false,
            },
        );
        self.changes.push(CheckedChange {
            hash: change.hash().to_string(),
            wire: WireChange {
                doc: body.id(),
                scope: body.scope().clone(),
                bytes: change.raw_bytes().to_vec(),
            },
            change,
        });
        Ok(())
    }
}

/// Stores every demo record not stored yet; returns how many changes were new.
pub fn seed(state: &AppState, c: &Community, now_ms: i64) -> Result<usize, ServerError> {
    let s = &state.storage;
    let mut existing = HashSet::new();
    for kind in [
        gridwalk_domain::DocKind::Report,
        gridwalk_domain::DocKind::Household,
        gridwalk_domain::DocKind::Visit,
        gridwalk_domain::DocKind::Need,
    ] {
        existing.extend(s.doc_ids(kind, None)?);
    }
    let mut batch = Batch {
        device: DeviceId::from_random_bytes(DEMO_DEVICE),
        existing,
        changes: Vec::new(),
        facts: HashMap::new(),
    };
    reports(state, c, &mut batch)?;
    let names: BTreeMap<UserId, String> = c.users.iter().map(|u| (u.id, u.name.clone())).collect();
    for grid in &c.grids {
        let author = Author {
            user: grid.worker,
            name: names.get(&grid.worker).cloned().unwrap_or_default(),
        };
        for estate in &grid.estates {
            archive(&c.archive, grid, estate, &author, now_ms, &mut batch)?;
        }
    }
    let outcome = s.append(
        "demo",
        &batch.changes,
        &batch.facts,
        &HashMap::new(),
        // Checked by replay the first time a device pushes to one.
        &HashMap::new(),
        now_ms,
    )?;
    Ok(outcome.inserted)
}

fn reports(state: &AppState, c: &Community, batch: &mut Batch) -> Result<(), ServerError> {
    // Filed as the rider's phone files them: by the grid outline that holds
    // the point, else in the community's own file.
    let tree = state.storage.nodes()?;
    let outlines = || {
        tree.iter()
            .filter_map(|n| n.boundary.as_ref().map(|b| (n, b)))
    };
    let author = Author {
        user: c.reports_owner,
        name: "骑手 李师傅".into(),
    };
    for r in &c.reports {
        let picture = gridwalk_photo::sample_picture(r.color).map_err(config_error)?;
        let photo = gridwalk_photo::process_photo(&picture).map_err(config_error)?;
        let location = match (r.lat, r.lon, &r.address) {
            (Some(lat), Some(lon), _) => Location::Point {
                coords: Coordinates::parse(lat, lon).map_err(config_error)?,
                source: LocationSource::Device,
                note: r.note.clone(),
            },
            (_, _, Some(a)) => Location::address(a).map_err(config_error)?,
            _ => return Err(config_error(format!("report {} has no place", r.id))),
        };
        let scope = match &location {
            Location::Point { coords, .. } => gridwalk_core::routing::grid_at(outlines(), *coords),
            Location::Address { .. } => None,
        }
        .cloned()
        .unwrap_or_else(|| c.community.code.clone());
        let at =
            parse_rfc3339_ms(&r.at).ok_or_else(|| config_error(format!("bad time {}", r.at)))?;
        let report = HazardReport {
            id: DocId::parse(&r.id).map_err(config_error)?,
            scope,
            category: builtin_catalog()
                .get(&r.category)
                .map_err(config_error)?
                .code
                .clone(),
            description: r.description.clone(),
            location,
            photos: vec![PhotoRef {
                hash: photo.full_hash.clone(),
                thumb: photo.thumb_hash.clone(),
                bytes: photo.full.len() as u64,
                mime: "image/jpeg".into(),
                width: photo.width,
                height: photo.height,
            }],
            reporter: r.reporter.clone(),
            reporter_device: batch.device,
            created_at_ms: at,
            progress: Default::default(),
            seconds: None,
        };
        for (hash, bytes) in [
            (&photo.full_hash, &photo.full),
            (&photo.thumb_hash, &photo.thumb),
        ] {
            // The demo is seeded on a blocking thread of the server's runtime.
            tokio::runtime::Handle::current()
                .block_on(state.blobs.put(hash, bytes.clone().into()))?;
        }
        batch.add(&report, &c.reports_owner, &author, at)?;
    }
    Ok(())
}

/// Every occupied door of `estate`, with its visits and needs.
fn archive(
    a: &Archive,
    grid: &Grid,
    estate: &Estate,
    author: &Author,
    now_ms: i64,
    batch: &mut Batch,
) -> Result<(), ServerError> {
    let units: Vec<String> = if estate.units == 0 {
        vec![String::new()]
    } else {
        (1..=estate.units).map(|u| u.to_string()).collect()
    };
    for b in 1..=estate.buildings {
        for unit in &units {
            for floor in 1..=estate.floors {
                for r in 1..=estate.rooms {
                    let room = (floor * 100 + r).to_string();
                    let door = if unit.is_empty() {
                        format!("{b}-{room}")
                    } else {
                        format!("{b}-{unit}-{room}")
                    };
                    let mut rng = Rng::from_label(&format!("{}:{door}", estate.code));
                    if !rng.chance(u64::from(a.occupancy_percent)) {
                        continue;
                    }
                    let address = Address::parse(&estate.name, &door).map_err(config_error)?;
                    let h = household(a, &grid.code, address, author, now_ms, &mut rng)?;
                    batch.add(&h, &author.user, author, h.created_at_ms)?;
                    visits(a, &h, author, now_ms, &mut rng, batch)?;
                }
            }
        }
    }
    Ok(())
}

fn household(
    a: &Archive,
    grid: &GridId,
    address: Address,
    author: &Author,
    now_ms: i64,
    rng: &mut Rng,
) -> Result<Household, ServerError> {
    let year = CivilDate::beijing(now_ms).year;
    let id = rng.doc_id();
    let surname = rng.pick(&a.surnames).clone();
    let size = match rng.below(100) {
        0..20 => 1,
        20..50 => 2,
        50..75 => 3,
        75..90 => 4,
        _ => 5,
    };
    let head_age = 28 + rng.below(64) as i64;
    let mut people: Vec<(String, &str, i64)> = vec![(surname.clone(), HEAD, head_age)];
    if size >= 2 {
        people.push((
            rng.pick(&a.surnames).clone(),
            "spouse",
            head_age - 3 + rng.below(7) as i64,
        ));
    }
    for _ in 2..size {
        if head_age > 55 && rng.chance(30) {
            people.push((
                surname.clone(),
                "grandchild",
                head_age - 50 - rng.below(10) as i64,
            ));
        } else {
            people.push((
                surname.clone(),
                "child",
                (head_age - 24 - rng.below(12) as i64).max(1),
            ));
        }
    }
    let mut members = BTreeMap::new();
    for (family, relation, age) in &people {
        let name = format!("{family}{}", rng.pick(&a.given_names));
        let birth = CivilDate::new(
            year - age,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .ok_or_else(|| config_error("birth date"))?;
        let phone = (*age >= 16 && rng.chance(if *age > 80 { 40 } else { 85 }))
            .then(|| {
                Phone::parse(&format!(
                    "1{}{:09}",
                    3 + rng.below(7),
                    rng.below(1_000_000_000)
                ))
            })
            .transpose()
            .map_err(config_error)?;
        let id_number = rng
            .chance(60)
            .then(|| {
                IdNumber::complete(&format!(
                    "{REGION}{:04}{:02}{:02}{:03}",
                    birth.year,
                    birth.month,
                    birth.day,
                    rng.below(1000)
                ))
            })
            .transpose()
            .map_err(config_error)?;
        members.insert(
            rng.member_id(),
            Member {
                name,
                relation: code(relation)?,
                phone,
                id_number,
                birth_year: Some(birth.year),
                notes: String::new(),
                removed: false,
            },
        );
    }
    let mut tags = BTreeSet::new();
    if size == 1 && head_age >= 70 {
        tags.insert(code("living_alone_elder")?);
    }
    if size == 2 && head_age >= 65 && rng.chance(70) {
        tags.insert(code("empty_nest_elder")?);
    }
    if people.iter().any(|p| p.2 < 14) && rng.chance(8) {
        tags.insert(code("left_behind_child")?);
    }
    for (tag, percent) in [
        ("subsistence", 6),
        ("disability", 4),
        ("veteran", 4),
        ("party_member", 9),
        ("serious_illness", 3),
    ] {
        if rng.chance(percent) {
            tags.insert(code(tag)?);
        }
    }
    Ok(Household {
        id,
        scope: grid.clone(),
        address,
        members,
        tags,
        notes: rng.pick(&a.household_notes).clone(),
        created_at_ms: now_ms - (a.visit_weeks * 7 + 30) * DAY_MS,
        created_by: author.name.clone(),
        import_key: None,
    })
}

fn visits(
    a: &Archive,
    h: &Household,
    author: &Author,
    now_ms: i64,
    rng: &mut Rng,
    batch: &mut Batch,
) -> Result<(), ServerError> {
    const METHODS: [&str; 7] = [
        "home",
        "phone",
        "wechat",
        "red_letter",
        "service_list",
        "chat",
        "door_qr",
    ];
    for _ in 0..rng.below(3) {
        // A few visits happen today, so the office's 日汇总 has something.
        let at = if rng.chance(5) {
            now_ms - rng.below(4 * 3_600_000) as i64
        } else {
            now_ms - rng.below((a.visit_weeks * 7 * DAY_MS) as u64) as i64
        };
        let first: &&str = rng.pick(&METHODS);
        let mut methods = BTreeSet::from([code(first)?]);
        if rng.chance(40) {
            let second: &&str = rng.pick(&METHODS);
            methods.insert(code(second)?);
        }
        let visit_id = rng.doc_id();
        let mut needs = Vec::new();
        if rng.chance(22) {
            let n = rng.pick(&a.needs);
            let mut events = Vec::new();
            let step = |event, at_ms| NeedEvent {
                event,
                by: author.name.clone(),
                by_user: Some(author.user),
                at_ms,
                note: String::new(),
            };
            if rng.chance(35) {
                events.push(step(NeedEventKind::Accepted, at + 3_600_000));
                if rng.chance(50) {
                    events.push(step(NeedEventKind::Resolved, at + 2 * DAY_MS));
                }
            }
            let need = Need {
                id: rng.doc_id(),
                scope: h.scope.clone(),
                household: Some(h.id),
                visit: Some(visit_id),
                place: h.address.line(),
                category: code(&n.category)?,
                description: n.description.clone(),
                raised_by: author.name.clone(),
                raised_by_user: Some(author.user),
                raised_at_ms: at,
                events,
            };
            batch.add(&need, &author.user, author, at)?;
            needs.push(need.id);
        }
        let visit = Visit {
            id: visit_id,
            scope: h.scope.clone(),
            household: h.id,
            at_ms: at,
            by: author.name.clone(),
            by_user: Some(author.user),
            methods,
            notes: rng.pick(&a.visit_notes).clone(),
            photos: Vec::new(),
            needs,
        };
        batch.add(&visit, &author.user, author, at)?;
    }
    Ok(())
}

fn code(s: &str) -> Result<CategoryCode, ServerError> {
    CategoryCode::parse(s).map_err(config_error)
}
