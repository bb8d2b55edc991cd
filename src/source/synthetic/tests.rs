//! Properties of the generated data: determinism, read order, types, arrival, calendar rules,
//! the DOMAIN §11 profile, and the paging of `SyntheticSource`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};

use super::calendar::{days, is_business_day};
use super::order::is_sorted;
use super::{Generator, SyntheticProfile, SyntheticSource};
use crate::lima;
use crate::source::{Cell, ReadRange, Row, Source};
use crate::tables::{
    ASIGNACIONES, CALENDARIO, EJECUTIVOS, HOMOLOGACION_MIBOTAIR, HOMOLOGACION_VOICEBOT,
    MIBOTAIR_GESTIONES, PAGOS, Rule, SourceType, TRANDEUDA, TableSpec, VOICEBOT_GESTIONES,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn small_profile(seed: u64) -> SyntheticProfile {
    SyntheticProfile {
        seed,
        start: date(2025, 6, 1),
        months: 1,
        accounts_per_month: 1_500,
        ..SyntheticProfile::default()
    }
}

static SMALL: LazyLock<Generator> = LazyLock::new(|| Generator::new(small_profile(7)));

/// Long after every row of the small profile has arrived.
fn the_end() -> DateTime<Utc> {
    lima::start_of_day(date(2025, 12, 1))
}

const INCREMENTAL: [&TableSpec; 6] = [
    &CALENDARIO,
    &ASIGNACIONES,
    &TRANDEUDA,
    &PAGOS,
    &VOICEBOT_GESTIONES,
    &MIBOTAIR_GESTIONES,
];

fn data_days(generator: &Generator) -> impl Iterator<Item = NaiveDate> {
    days(generator.first_day(), generator.last_day())
}

/// Every row of a table, day by day, as of `as_of`.
fn all_rows(generator: &Generator, table: &TableSpec, as_of: DateTime<Utc>) -> Vec<Row> {
    data_days(generator)
        .flat_map(|day| generator.rows_on(table, day, as_of))
        .collect()
}

fn column(table: &TableSpec, name: &str) -> usize {
    table.columns.iter().position(|c| c.name == name).unwrap()
}

fn text(cell: &Cell) -> Option<&str> {
    match cell {
        Cell::Text(value) => Some(value),
        _ => None,
    }
}

fn int(cell: &Cell) -> i64 {
    match cell {
        Cell::Int(value) => *value,
        _ => panic!("not an INT64: {cell:?}"),
    }
}

fn type_matches(source_type: SourceType, cell: &Cell) -> bool {
    matches!(
        (source_type, cell),
        (_, Cell::Null)
            | (SourceType::Int64, Cell::Int(_))
            | (SourceType::Float64, Cell::Float(_))
            | (SourceType::Numeric, Cell::Numeric(_))
            | (SourceType::String, Cell::Text(_))
            | (SourceType::Bool, Cell::Bool(_))
            | (SourceType::Date, Cell::Date(_))
            | (SourceType::DateTime, Cell::DateTime(_))
            | (SourceType::Timestamp, Cell::Timestamp(_))
    )
}

/// The one deliberately bad row kind: a payment copy without nro_documento.
fn deliberately_null(table: &TableSpec, column: &str) -> bool {
    table.name == PAGOS.name && column == "nro_documento"
}

fn check_shape(table: &TableSpec, rows: &[Row]) {
    assert!(is_sorted(table, rows), "{} not in read order", table.name);
    for row in rows {
        assert_eq!(row.len(), table.columns.len(), "{}", table.name);
        for (spec, cell) in table.columns.iter().zip(row) {
            assert!(
                type_matches(spec.source_type, cell),
                "{}.{}: {cell:?}",
                table.name,
                spec.name
            );
            // Homologation key parts may be NULL: the loader reads them as ''.
            let may_be_null =
                spec.rule == Rule::HomologationKey || deliberately_null(table, spec.name);
            assert!(
                !spec.required || may_be_null || *cell != Cell::Null,
                "{}.{} is NULL",
                table.name,
                spec.name
            );
        }
    }
}

#[test]
fn synthetic_same_profile_same_rows() {
    let again = Generator::new(small_profile(7));
    let other = Generator::new(small_profile(8));
    let as_of = the_end();
    let day = date(2025, 6, 18);
    for table in INCREMENTAL {
        let apertura = SMALL.campaigns[0].apertura;
        for day in [apertura, day, day + Days::new(1)] {
            assert_eq!(
                SMALL.rows_on(table, day, as_of),
                again.rows_on(table, day, as_of),
                "{}",
                table.name
            );
        }
    }
    for table in [&HOMOLOGACION_VOICEBOT, &HOMOLOGACION_MIBOTAIR, &EJECUTIVOS] {
        assert_eq!(SMALL.dimension_rows(table), again.dimension_rows(table));
    }
    assert_eq!(SMALL.sys_user_rows(), again.sys_user_rows());
    for table in [&TRANDEUDA, &PAGOS, &VOICEBOT_GESTIONES] {
        assert_ne!(
            SMALL.rows_on(table, day, as_of),
            other.rows_on(table, day, as_of),
            "{}",
            table.name
        );
    }
}

/// The data set never changes silently: a change here changes every test database built on the
/// synthetic source. Update the pins only for a deliberate change of the generator.
#[test]
fn synthetic_output_is_pinned() {
    let totals: Vec<usize> = INCREMENTAL
        .iter()
        .map(|table| all_rows(&SMALL, table, the_end()).len())
        .collect();
    assert_eq!(totals, [19, 1_557, 38_287, 2_602, 17_049, 9_263]);
    let day = date(2025, 6, 18);
    let civil = |h, m, s| day.and_hms_opt(h, m, s).unwrap();
    assert_eq!(
        SMALL.rows_on(&TRANDEUDA, day, the_end())[0],
        vec![
            Cell::Int(500_008_725),
            Cell::Text("S026-00000898".into()),
            Cell::Text("TRAN_DEUDA_1806_1.txt".into()),
            Cell::DateTime(civil(5, 0, 5)),
            Cell::Date(date(2025, 5, 5)),
            Cell::Float(3.05),
            Cell::Null,
        ]
    );
    assert_eq!(
        SMALL.rows_on(&PAGOS, day, the_end())[0],
        vec![
            Cell::Text("S036-00001975".into()),
            Cell::Date(date(2025, 6, 17)),
            Cell::Float(95.01),
            Cell::Text("2".into()),
            Cell::Text("PAGOS_2025-06-18.txt".into()),
            Cell::DateTime(civil(6, 0, 41)),
            Cell::Null,
        ]
    );
}

#[test]
fn synthetic_rows_are_sorted_and_typed() {
    for table in INCREMENTAL {
        let rows = all_rows(&SMALL, table, the_end());
        assert!(!rows.is_empty(), "{}", table.name);
        for day in data_days(&SMALL) {
            check_shape(table, &SMALL.rows_on(table, day, the_end()));
        }
    }
    for table in [&HOMOLOGACION_VOICEBOT, &HOMOLOGACION_MIBOTAIR, &EJECUTIVOS] {
        let rows = SMALL.dimension_rows(table);
        assert!((1..=100).contains(&rows.len()), "{}", table.name);
        check_shape(table, &rows);
    }
}

#[test]
fn synthetic_rows_fall_on_their_day() {
    for table in INCREMENTAL {
        let index = column(table, table.incremental.unwrap());
        for day in data_days(&SMALL) {
            for row in SMALL.rows_on(table, day, the_end()) {
                let instant = row[index].instant().unwrap();
                assert_eq!(lima::to_civil(instant).date(), day, "{}", table.name);
            }
        }
    }
}

#[test]
fn synthetic_no_future_rows_and_late_rows_arrive_later() {
    let as_of = lima::civil_to_utc(date(2025, 6, 18).and_hms_opt(10, 30, 0).unwrap());
    for table in INCREMENTAL {
        let index = column(table, table.incremental.unwrap());
        for day in days(date(2025, 6, 17), date(2025, 6, 21)) {
            for row in SMALL.rows_on(table, day, as_of) {
                assert!(row[index].instant().unwrap() <= as_of, "{}", table.name);
            }
        }
    }
    for table in [&ASIGNACIONES, &TRANDEUDA, &PAGOS, &VOICEBOT_GESTIONES] {
        let mut late = 0;
        for day in data_days(&SMALL) {
            let that_evening = lima::start_of_day(day + Days::new(1));
            let on_time = SMALL.rows_on(table, day, that_evening);
            let eventually = SMALL.rows_on(table, day, the_end());
            assert!(on_time.iter().all(|row| eventually.contains(row)));
            late += eventually.len() - on_time.len();
        }
        let total = all_rows(&SMALL, table, the_end()).len();
        let share = late as f64 / total as f64;
        assert!((0.003..0.03).contains(&share), "{}: {share}", table.name);
    }
}

#[test]
fn synthetic_no_snapshot_on_weekends_or_holidays() {
    let as_of = the_end();
    // 2025-06-29 (Sunday) and 2025-07-28/29 are holidays; both inside the small profile.
    for day in data_days(&SMALL) {
        let rows = SMALL.rows_on(&TRANDEUDA, day, as_of);
        let open = SMALL.campaigns.iter().any(|c| c.contains(day));
        assert_eq!(!rows.is_empty(), is_business_day(day) && open, "{day}");
        let gestiones = SMALL.rows_on(&VOICEBOT_GESTIONES, day, as_of);
        assert_eq!(!gestiones.is_empty(), is_business_day(day) && open, "{day}");
    }
}

#[test]
fn synthetic_campaign_closes_once_as_of_passes_its_planned_close() {
    let fecha_cierre = column(&CALENDARIO, "fecha_cierre");
    let estado = column(&CALENDARIO, "estado_cartera");
    for campaign in &SMALL.campaigns {
        let seen_on = |day: NaiveDate| {
            let rows = SMALL.rows_on(&CALENDARIO, campaign.apertura, lima::start_of_day(day));
            let row = rows
                .into_iter()
                .find(|r| {
                    text(&r[0]) == Some(&campaign.archivo)
                        && r[column(&CALENDARIO, "periodo_date")]
                            == Cell::Date(campaign.apertura.with_day0(0).unwrap())
                })
                .unwrap();
            (row[fecha_cierre].clone(), row[estado].clone())
        };
        assert_eq!(seen_on(campaign.close).0, Cell::Null);
        assert_eq!(
            seen_on(campaign.close + Days::new(1)).0,
            Cell::Date(campaign.close)
        );
        assert_eq!(
            seen_on(campaign.close + Days::new(1)).1,
            Cell::Text("CERRADA".into())
        );
        assert!(campaign.close - campaign.apertura < TimeDelta::days(32));
    }
    let first = SMALL.campaigns[0].apertura;
    let the_eve = lima::start_of_day(first) - TimeDelta::seconds(1);
    assert!(SMALL.rows_on(&CALENDARIO, first, the_eve).is_empty());
}

#[test]
fn synthetic_profile_matches_domain() {
    let as_of = the_end();
    // ~12–20 campaigns a month with DOMAIN §4's archivo rules.
    let archivos: Vec<&str> = SMALL.campaigns.iter().map(|c| c.archivo.as_str()).collect();
    assert!((12..=20).contains(&archivos.len()), "{archivos:?}");
    assert_eq!(
        archivos.iter().filter(|a| a.contains("_Temprana_")).count(),
        7
    );
    assert!(archivos.iter().any(|a| a.contains("_AN_")));
    assert!(archivos.iter().any(|a| a.contains("_CF_ANN_")));

    // Accounts per month and per client.
    let asignaciones = all_rows(&SMALL, &ASIGNACIONES, as_of);
    let accounts: BTreeSet<(i64, &str)> = asignaciones
        .iter()
        .map(|r| (int(&r[1]), text(&r[2]).unwrap()))
        .collect();
    let clients: BTreeSet<i64> = asignaciones.iter().map(|r| int(&r[0])).collect();
    assert!(
        (1_500..1_520).contains(&accounts.len()),
        "{}",
        accounts.len()
    );
    let per_client = accounts.len() as f64 / clients.len() as f64;
    assert!((1.12..1.28).contains(&per_client), "{per_client}");
    assert!(asignaciones.len() > accounts.len(), "re-deliveries");
    let movil = asignaciones.iter().filter(|r| int(&r[8]) == 4).count();
    let movil_share = movil as f64 / asignaciones.len() as f64;
    assert!((0.5..0.6).contains(&movil_share), "{movil_share}");

    // Channel mix, unmatched codes, agents.
    let voicebot = all_rows(&SMALL, &VOICEBOT_GESTIONES, as_of);
    let mibotair = all_rows(&SMALL, &MIBOTAIR_GESTIONES, as_of);
    let share = voicebot.len() as f64 / (voicebot.len() + mibotair.len()) as f64;
    assert!((0.6..0.7).contains(&share), "{share}");
    let homologated: BTreeSet<[String; 3]> = SMALL
        .dimension_rows(&HOMOLOGACION_VOICEBOT)
        .iter()
        .map(|r| bot_key(&r[0], &r[1], &r[2]))
        .collect();
    let unmatched = voicebot
        .iter()
        .filter(|r| !homologated.contains(&bot_key(&r[6], &r[7], &r[10])))
        .count();
    let unmatched_share = unmatched as f64 / voicebot.len() as f64;
    assert!((0.01..0.06).contains(&unmatched_share), "{unmatched_share}");
    check_outcomes(&voicebot);
    let document = column(&VOICEBOT_GESTIONES, "document");
    let unassigned = voicebot
        .iter()
        .chain(&mibotair)
        .filter(|r| canonical(&r[document]).is_none_or(|id| !clients.contains(&id)))
        .count();
    let unassigned_share = unassigned as f64 / (voicebot.len() + mibotair.len()) as f64;
    assert!(
        (0.015..0.05).contains(&unassigned_share),
        "{unassigned_share}"
    );
    let listed: BTreeSet<String> = SMALL
        .dimension_rows(&EJECUTIVOS)
        .iter()
        .map(|r| text(&r[0]).unwrap().to_lowercase())
        .collect();
    let correo = column(&MIBOTAIR_GESTIONES, "correo_agente");
    let calling: BTreeSet<String> = mibotair
        .iter()
        .filter_map(|r| text(&r[correo]))
        .map(str::to_lowercase)
        .collect();
    assert!(calling.iter().any(|c| !listed.contains(c)));
    assert!(mibotair.iter().any(|r| r[correo] == Cell::Null));

    // Payments re-delivered: the same primary key on several days.
    let pagos = all_rows(&SMALL, &PAGOS, as_of);
    let mut copies: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for row in &pagos {
        *copies
            .entry((
                format!("{:?}", row[0]),
                format!("{:?}", row[1]),
                format!("{:?}", row[2]),
            ))
            .or_default() += 1;
    }
    assert!(copies.values().any(|&n| n == 3));
    assert!(copies.len() < pagos.len() * 3 / 4);
}

/// A digits-only document in canonical form (DOMAIN §13.14).
fn canonical(cell: &Cell) -> Option<i64> {
    let value = text(cell)?;
    value.strip_suffix(".0").unwrap_or(value).parse().ok()
}

/// No contact 60–75 % and PDP 25–40 % of the effective contacts, through the homologation.
fn check_outcomes(voicebot: &[Row]) {
    let homologation: BTreeMap<[String; 3], (String, Cell)> = SMALL
        .dimension_rows(&HOMOLOGACION_VOICEBOT)
        .into_iter()
        .map(|r| {
            (
                bot_key(&r[0], &r[1], &r[2]),
                (text(&r[6]).unwrap().to_lowercase(), r[7].clone()),
            )
        })
        .collect();
    let (mut no_contact, mut effective, mut pdp) = (0, 0, 0);
    for row in voicebot {
        match homologation.get(&bot_key(&row[6], &row[7], &row[10])) {
            Some((contact, _)) if contact == "no contacto" => no_contact += 1,
            Some((contact, is_pdp)) if contact == "contacto efectivo" => {
                effective += 1;
                pdp += usize::from(*is_pdp == Cell::Int(1));
            }
            _ => {}
        }
    }
    let no_contact_share = no_contact as f64 / voicebot.len() as f64;
    assert!(
        (0.6..0.75).contains(&no_contact_share),
        "{no_contact_share}"
    );
    let pdp_share = pdp as f64 / effective as f64;
    assert!((0.25..0.4).contains(&pdp_share), "{pdp_share}");
}

/// A homologation key as the loader compares it: trimmed, NULL as ''.
fn bot_key(management: &Cell, sub: &Cell, compromiso: &Cell) -> [String; 3] {
    [management, sub, compromiso].map(|c| text(c).unwrap_or("").trim().to_owned())
}

#[test]
fn synthetic_sys_user_query_gives_ejecutivos() {
    // SELECT DISTINCT correo_name, TRIM(nombre), document … WHERE id_cliente = 145
    let queried: BTreeSet<(String, String, String)> = SMALL
        .sys_user_rows()
        .into_iter()
        .filter(|(_, _, _, id_cliente)| *id_cliente == 145)
        .map(|(correo, nombre, document, _)| (correo, nombre.trim().to_owned(), document))
        .collect();
    let ejecutivos = SMALL.dimension_rows(&EJECUTIVOS);
    let queried: Vec<Row> = queried
        .into_iter()
        .map(|(correo, nombre, document)| {
            vec![Cell::Text(correo), Cell::Text(nombre), Cell::Text(document)]
        })
        .collect();
    assert_eq!(queried, ejecutivos);
    let users = SMALL.sys_user_rows();
    assert!(users.iter().any(|u| u.3 != 145));
    assert!(users.iter().any(|u| u.1 != u.1.trim()));
    assert!(users.len() > ejecutivos.len() + 1);
}

async fn read_all(
    source: &SyntheticSource,
    table: &'static TableSpec,
    range: ReadRange,
    page_size: usize,
) -> (Vec<Row>, Vec<usize>) {
    let mut pages = source.read(table, range, page_size).await.unwrap();
    let (mut rows, mut sizes) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next().await {
        let page = page.unwrap();
        sizes.push(page.len());
        rows.extend(page);
    }
    (rows, sizes)
}

#[tokio::test]
async fn synthetic_source_pages_are_rows_on_filtered_by_range() {
    let as_of = lima::civil_to_utc(date(2025, 6, 25).and_hms_opt(9, 0, 0).unwrap());
    let source = SyntheticSource::new(small_profile(7), Some(as_of));
    let range = ReadRange {
        from: Some(lima::civil_to_utc(
            date(2025, 6, 10).and_hms_opt(7, 0, 0).unwrap(),
        )),
        until: Some(lima::start_of_day(date(2025, 6, 20))),
    };
    for table in [
        &CALENDARIO,
        &ASIGNACIONES,
        &TRANDEUDA,
        &PAGOS,
        &MIBOTAIR_GESTIONES,
    ] {
        let index = column(table, table.incremental.unwrap());
        let expected: Vec<Row> = days(source.generator().first_day(), date(2025, 6, 25))
            .flat_map(|day| source.generator().rows_on(table, day, as_of))
            .filter(|row| range.contains(row[index].instant().unwrap()))
            .collect();
        let (rows, sizes) = read_all(&source, table, range, 100).await;
        assert_eq!(rows, expected, "{}", table.name);
        let (last, full) = sizes.split_last().unwrap();
        assert!(full.iter().all(|&size| size == 100), "{}", table.name);
        assert!((1..=100).contains(last), "{}", table.name);
    }
    // Open ranges stop at as_of; full-refresh tables ignore the range.
    let (rows, _) = read_all(&source, &VOICEBOT_GESTIONES, ReadRange::default(), 1_000).await;
    let expected: Vec<Row> = days(source.generator().first_day(), date(2025, 6, 25))
        .flat_map(|day| source.generator().rows_on(&VOICEBOT_GESTIONES, day, as_of))
        .collect();
    assert_eq!(rows, expected);
    let (rows, sizes) = read_all(&source, &EJECUTIVOS, range, 3).await;
    assert_eq!(rows, source.generator().dimension_rows(&EJECUTIVOS));
    assert!(sizes.iter().all(|&size| size <= 3));
}

#[tokio::test]
async fn synthetic_source_stops_when_the_reader_is_dropped() {
    let source = SyntheticSource::new(small_profile(7), Some(the_end()));
    let mut pages = source
        .read(&TRANDEUDA, ReadRange::default(), 10)
        .await
        .unwrap();
    assert_eq!(pages.next().await.unwrap().unwrap().len(), 10);
    drop(pages);
    // The producer holds the generator until it notices the reader is gone.
    let released = async {
        while Arc::strong_count(&source.generator) > 1 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), released)
        .await
        .expect("the producer stops");
}

#[test]
fn synthetic_source_describes_its_read() {
    let source = SyntheticSource::new(small_profile(7), None);
    let from = Some(lima::start_of_day(date(2025, 6, 1)));
    let range = ReadRange { from, until: None };
    assert_eq!(source.kind(), "synthetic");
    assert_eq!(
        source.describe(&PAGOS, range),
        "synthetic:pagos[2025-06-01T05:00:00Z..)"
    );
    assert_eq!(source.describe(&EJECUTIVOS, range), "synthetic:ejecutivos");
}
