//! aux_gestiones (one homologated row per interaction, DOMAIN §4, §7.4) and aux_gestion_cuenta
//! (the fan-out of each gestión to the accounts of its client in every campaign whose window
//! contains its Lima date).

use migration::{
    account_milestones::{COLUMNS as MILESTONES, TABLE as MILESTONES_TABLE, milestones_of},
    gestion_counts::{COLUMNS as COUNTS, TABLE as COUNTS_TABLE, counting_accounts, counts_of},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use super::{
    Step,
    campaigns::camp_cte,
    context::{Ctx, in_list, normalised_text},
    rewrite::{Afterwards, CHANGED, Diff, FEW_CHANGES, SIGN, added_to},
};

/// Contactabilidad from a homologated text (§4): case-insensitive, `_` ≡ space; anything else,
/// or no homologation match, is SIN_CLASIFICAR.
fn contactabilidad(expr: &str) -> String {
    let t = normalised_text(expr);
    format!(
        "CASE {t} WHEN 'CONTACTO EFECTIVO' THEN 'CONTACTO_EFECTIVO' \
         WHEN 'CONTACTO NO EFECTIVO' THEN 'CONTACTO_NO_EFECTIVO' \
         WHEN 'NO CONTACTO' THEN 'NO_CONTACTO' ELSE 'SIN_CLASIFICAR' END"
    )
}

/// Homologation key part of a gestión: trimmed, NULL read as '' (§4).
fn key(expr: &str) -> String {
    format!("COALESCE(TRIM({expr}), '')")
}

pub fn gestiones(ctx: &Ctx) -> Step {
    let d = ctx.d;
    let camp = camp_cte(ctx);
    let f = ctx.bool(false);
    // The scope's rows and the rows built for it are the same (client, day) groups.
    let in_groups = |cod_luna: &str, day: &str| {
        ctx.gestion_groups_rebuilt(cod_luna, day)
            .map_or_else(String::new, |groups| format!(" AND {groups}"))
    };
    // A raw gestión table `t`'s rows of the days and groups rebuilt.
    let raw_days = |t: &str| {
        let ts = format!("{t}.date");
        let groups = in_groups(&format!("{t}.document"), &d.lima_date(&ts));
        format!("{}{groups}", ctx.in_gestion_days_ts(&ts))
    };
    let (vb_days, ma_days) = (raw_days("v"), raw_days("m"));
    let scope_groups = in_groups("cod_luna", "fecha_gestion");
    // The clients whose campaigns are read for archivo_principal: for a load's groups, those of
    // the gestiones built (a day that arrives: a few thousand of 60,000), which has `g` stored
    // to be read twice (a few hundred rows). Whole days read every client of the campaigns
    // whose windows meet them, and `g` is streamed once: stored, a month's 414,000 wide rows
    // spilled to disk.
    let clients = if scope_groups.is_empty() {
        String::new()
    } else {
        " AND a.cod_luna IN (SELECT cod_luna FROM g)".to_string()
    };
    // Human PDP (§4): UPPER(TRIM(pdp)) ∈ {SI, SÍ, 1, TRUE}. SQLite's UPPER leaves non-ASCII
    // letters alone, hence the 'Sí' spelling too.
    let human_pdp = "(pdp IS NOT NULL AND UPPER(TRIM(pdp)) IN ('SI', 'SÍ', 'Sí', '1', 'TRUE'))";
    Step::compared(
        "aux_gestiones",
        Diff {
            scope: format!("{}{scope_groups}", ctx.in_gestion_days("fecha_gestion")),
            reach: None,
            columns: "canal, gestion_uid, timestamp_gestion, fecha_gestion, hora, cod_luna, \
                campaign_name, correo_agente, nombre_agente, documento_agente, nivel_1, \
                nivel_2, nivel_3, contactabilidad, peso, es_contacto_efectivo, es_compromiso, \
                monto_compromiso, fecha_compromiso, duracion, intento, archivo_principal",
            key: "canal, gestion_uid",
            in_key_order: true,
            rows: format!(
                r"WITH {camp},
-- ejecutivos keyed by the lower-cased login, one row per key.
ejec AS (
    SELECT * FROM (
        SELECT LOWER(correo_name) AS correo_key, correo_name, document, nombre,
            ROW_NUMBER() OVER (PARTITION BY LOWER(correo_name) ORDER BY correo_name) AS rn
        FROM raw_ejecutivos
    ) e
    WHERE rn = 1
),
-- The homologation tables with their keys trimmed and their texts already read, once per code
-- (a few dozen rows). Joined as they are, the engine normalised them once per gestión: reading
-- a month's 414,000 gestiones took 1.19 s instead of 0.94 s.
hv AS MATERIALIZED (
    SELECT TRIM(bot_management) AS k1, TRIM(bot_sub_management) AS k2,
        TRIM(bot_compromiso) AS k3, n1_homologado, n2_homologado, n3_homologado,
        {vb_contact} AS contactabilidad, peso_homologado, es_pdp_homologado
    FROM raw_homologacion_voicebot
),
hm AS MATERIALIZED (
    SELECT TRIM(n_1) AS k1, TRIM(n_2) AS k2, TRIM(n_3) AS k3,
        {ma_contact} AS contactabilidad, peso, {human_pdp} AS es_pdp
    FROM raw_homologacion_mibotair
),
g AS (
    SELECT 'VOICEBOT' AS canal, v.uid AS gestion_uid, v.date AS ts,
        {vb_fecha} AS fecha_gestion, {vb_hora} AS hora,
        v.document AS cod_luna, v.campaign_name,
        CAST(NULL AS TEXT) AS correo_agente, 'VOICEBOT' AS nombre_agente, '999' AS documento_agente,
        h.n1_homologado AS nivel_1, h.n2_homologado AS nivel_2, h.n3_homologado AS nivel_3,
        -- No homologation match: SIN_CLASIFICAR, peso 1, not PDP (§12).
        COALESCE(h.contactabilidad, 'SIN_CLASIFICAR') AS contactabilidad,
        COALESCE(h.peso_homologado, 1) AS peso,
        COALESCE(h.es_pdp_homologado, {f}) AS es_compromiso,
        -- §7.4: NULL for bot rows.
        CAST(NULL AS NUMERIC) AS monto_compromiso,
        {vb_compromiso} AS fecha_compromiso,
        v.duracion
    FROM raw_voicebot_gestiones v
    LEFT JOIN hv h ON h.k1 = {vb_k1} AND h.k2 = {vb_k2} AND h.k3 = {vb_k3}
    -- An interaction without a timestamp has no Lima day or hour and is skipped.
    WHERE v.date IS NOT NULL AND {vb_days}
    UNION ALL
    SELECT 'CALL', m.uid, m.date,
        {ma_fecha}, {ma_hora},
        m.document, m.campaign_name,
        -- The login as ejecutivos spells it; an unmatched one lower-cased so that case variants
        -- are one agent; none at all: 'UNKNOWN' (§7.4, §12).
        COALESCE(e.correo_name, LOWER(m.correo_agente), 'UNKNOWN'),
        COALESCE(e.nombre, m.nombre_agente, 'UNKNOWN'),
        COALESCE(e.document, 'SIN_DNI'),
        m.n1, m.n2, m.n3,
        COALESCE(h.contactabilidad, 'SIN_CLASIFICAR'),
        COALESCE(h.peso, 1),
        COALESCE(h.es_pdp, {f}),
        CASE WHEN h.es_pdp THEN COALESCE(m.monto_compromiso, 0) ELSE 0 END,
        m.fecha_compromiso,
        m.duracion
    FROM raw_mibotair_gestiones m
    LEFT JOIN hm h ON h.k1 = {ma_k1} AND h.k2 = {ma_k2} AND h.k3 = {ma_k3}
    LEFT JOIN ejec e ON e.correo_key = LOWER(m.correo_agente)
    WHERE m.date IS NOT NULL AND {ma_days}
),
-- The campaigns holding each client, with their windows.
client_campaign AS (
    SELECT DISTINCT a.cod_luna, c.archivo, c.fecha_apertura, c.fin
    FROM aux_cuenta_campana a
    JOIN camp c ON c.archivo = a.archivo
    WHERE {meets_days}{clients}
),
-- Each gestión once per campaign holding its client whose window contains its day (once, with
-- none, when there is no such campaign). Both of its numbers are read off one order of these
-- rows: intento (§7.4), its ordinal among the client's gestiones of both channels that Lima
-- day, and archivo_principal (§7.4), the campaign with the latest fecha_apertura (ties: the
-- smallest archivo). Ranked apart, the (client, day) pairs were sorted once more to rank their
-- campaigns, and joined back (a month: 4.73 s instead of 5.02 s). Texts are compared byte by
-- byte, as SQLite does: the same ties broken the same way, and sorted faster than under a
-- linguistic collation.
ranked AS (
    SELECT g.*,
        DENSE_RANK() OVER (
            PARTITION BY {client}, g.fecha_gestion
            ORDER BY {ts_order}, {canal}, {uid}
        ) AS intento,
        ROW_NUMBER() OVER (
            PARTITION BY {client}, g.fecha_gestion, {ts_order}, {canal}, {uid}
            ORDER BY cc.fecha_apertura DESC, {archivo}
        ) AS campaign_rank,
        COALESCE(cc.archivo, 'GENERAL') AS archivo_principal
    FROM g
    LEFT JOIN client_campaign cc ON cc.cod_luna = g.cod_luna
        AND g.fecha_gestion BETWEEN cc.fecha_apertura AND cc.fin
)
SELECT canal, gestion_uid, ts, fecha_gestion, hora, cod_luna, campaign_name, correo_agente,
    nombre_agente, documento_agente, nivel_1, nivel_2, nivel_3, contactabilidad, peso,
    (contactabilidad = 'CONTACTO_EFECTIVO'), es_compromiso, monto_compromiso, fecha_compromiso,
    duracion, intento, archivo_principal
FROM ranked
WHERE campaign_rank = 1",
                vb_fecha = d.lima_date("v.date"),
                vb_hora = d.lima_hour("v.date"),
                vb_contact = contactabilidad("contactabilidad_homologada"),
                vb_compromiso = d.lima_date("v.fecha_compromiso"),
                vb_k1 = key("v.management"),
                vb_k2 = key("v.sub_management"),
                vb_k3 = key("v.compromiso"),
                ma_fecha = d.lima_date("m.date"),
                ma_hora = d.lima_hour("m.date"),
                ma_contact = contactabilidad("contactabilidad"),
                ma_k1 = key("m.n1"),
                ma_k2 = key("m.n2"),
                ma_k3 = key("m.n3"),
                ts_order = d.timestamp_order("g.ts"),
                client = d.bytewise("g.cod_luna"),
                canal = d.bytewise("g.canal"),
                uid = d.bytewise("g.gestion_uid"),
                archivo = d.bytewise("cc.archivo"),
                meets_days = ctx.meets_gestion_days("c.fecha_apertura", "c.fin"),
            ),
            afterwards: Vec::new(),
        },
    )
}

/// Which of the scope's campaigns a fan-out step builds. The fan-out is built in two steps, each
/// for a share of the campaigns (their rows, accounts' milestones and gestión counts are all
/// per campaign), so that it runs on both cores: it starts after the gestiones, while the daily
/// state still holds the other core, and the share that starts first, the larger, runs beside
/// it.
#[derive(Clone, Copy)]
enum Share {
    /// The campaigns of [`Ctx::first_fan_out_share`].
    First,
    /// Every other campaign.
    Second,
}

impl Share {
    /// `col` names a campaign of this share.
    fn holds(self, ctx: &Ctx, col: &str) -> String {
        let first = in_list(col, &ctx.first_fan_out_share);
        match self {
            Self::First => first,
            Self::Second => format!("NOT ({first})"),
        }
    }
}

/// How much more the fan-out's first [`Share`] weighs than the second. The first starts once the
/// gestiones are built, the second only when the daily state frees the other core (a month:
/// 1.5 s later, of 3.9 s of fan-out), so the first takes the larger part and the two end about
/// together.
const FIRST_SHARE_RATIO: i64 = 2;

/// The campaigns of the fan-out's first [`Share`]: of the scope's campaigns with days to rebuild,
/// weighed by accounts × days as last built, heaviest first, each goes to the first share while
/// it weighs at most [`FIRST_SHARE_RATIO`] times the second, otherwise to the second. Read
/// before the build writes: a campaign new to it falls to the second share, which changes the
/// balance, not the rows. None when a load calls for the build: it rebuilds a few hundred
/// fan-out rows, for which a second step costs more than it saves (the first share's step then
/// writes nothing).
pub async fn first_fan_out_share(db: &DatabaseConnection, ctx: &Ctx) -> Result<Vec<String>, DbErr> {
    if ctx.touched.is_some() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT cd.archivo AS archivo, COUNT(*) * ( \
            SELECT COUNT(*) FROM aux_cuenta_campana a WHERE a.archivo = cd.archivo \
         ) AS weight \
         FROM aux_campana_dia cd WHERE {in_campaigns} AND {in_days} \
         GROUP BY cd.archivo ORDER BY weight DESC, archivo",
        in_campaigns = ctx.in_campaigns("cd.archivo"),
        in_days = ctx.in_days("cd.archivo", "cd.fecha"),
    );
    let rows = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    let (mut first, mut weights) = (Vec::new(), [0_i64; 2]);
    for row in rows {
        let weight: i64 = row.try_get("", "weight")?;
        if weights[0] <= FIRST_SHARE_RATIO * weights[1] {
            first.push(row.try_get("", "archivo")?);
            weights[0] += weight;
        } else {
            weights[1] += weight;
        }
    }
    Ok(first)
}

/// The fan-out of the first [`Share`] of the scope's campaigns.
pub fn gestion_cuenta_first_share(ctx: &Ctx) -> Step {
    gestion_cuenta(ctx, Share::First)
}

/// The fan-out of the second [`Share`] of the scope's campaigns.
pub fn gestion_cuenta_second_share(ctx: &Ctx) -> Step {
    gestion_cuenta(ctx, Share::Second)
}

/// The fan-out: one row per gestión × account of its client in every campaign of the scope
/// (of `share`) whose window contains the gestión's day.
fn gestion_cuenta(ctx: &Ctx, share: Share) -> Step {
    let camp = camp_cte(ctx);
    // The scope's campaigns of the share.
    let campaigns = |col: &str| format!("{} AND {}", ctx.in_campaigns(col), share.holds(ctx, col));
    // The scope's rows and the rows built for it are the same.
    let rebuilt = |archivo: &str, gestion: (&str, &str), cod_luna: &str, day: &str| {
        ctx.fan_out_rebuilt(archivo, gestion, cod_luna, day)
            .map_or_else(String::new, |rows| format!(" AND {rows}"))
    };
    Step::compared(
        "aux_gestion_cuenta",
        Diff {
            scope: format!(
                "{} AND {}{}",
                campaigns("archivo"),
                ctx.in_days("archivo", "fecha_gestion"),
                rebuilt(
                    "archivo",
                    ("canal", "gestion_uid"),
                    "cod_luna",
                    "fecha_gestion"
                )
            ),
            reach: None,
            columns: "archivo, cuenta, canal, gestion_uid, cod_luna, fecha_gestion, \
                contactabilidad, es_compromiso",
            key: "archivo, cuenta, canal, gestion_uid",
            in_key_order: true,
            rows: format!(
                r"WITH {camp}
SELECT a.archivo, a.cuenta, g.canal, g.gestion_uid, a.cod_luna, g.fecha_gestion,
    g.contactabilidad, g.es_compromiso
FROM camp c
JOIN aux_cuenta_campana a ON a.archivo = c.archivo
JOIN aux_gestiones g ON g.cod_luna = a.cod_luna
    AND g.fecha_gestion BETWEEN c.fecha_apertura AND c.fin
WHERE {in_campaigns} AND {in_days}{rebuilt}",
                in_campaigns = campaigns("c.archivo"),
                in_days = ctx.in_days("c.archivo", "g.fecha_gestion"),
                rebuilt = rebuilt(
                    "c.archivo",
                    ("g.canal", "g.gestion_uid"),
                    "g.cod_luna",
                    "g.fecha_gestion"
                ),
            ),
            afterwards: vec![
                milestones_kept(ctx, &campaigns),
                counts_kept(ctx, &|col: &str| share.holds(ctx, col)),
            ],
        },
    )
}

/// Keeps aux_cuenta_hitos (each account's first day of each gestión class, which the dashboard
/// counts) in step with the fan-out: the accounts among the fan-out rows the step removed or
/// added get theirs again from all their fan-out rows, wherever the rows went (a gestión moved
/// to another client leaves its old accounts among the removed rows); after a large rewrite,
/// every account of the step's `campaigns` (a predicate over a column) does.
fn milestones_kept(ctx: &Ctx, campaigns: &dyn Fn(&str) -> String) -> Afterwards {
    let d = ctx.d;
    // The key's columns as lists first, so that the primary key reaches the accounts' rows: the
    // step plans without nested loops (see `Dialect::build_settings`), and the pairs alone
    // were joined by hashing the open campaigns' whole fan-out.
    let changed_accounts = format!(
        "{} AND {} AND (archivo, cuenta) IN (SELECT archivo, cuenta FROM {CHANGED})",
        d.in_values_of("archivo", &format!("SELECT archivo FROM {CHANGED}")),
        d.in_values_of("cuenta", &format!("SELECT cuenta FROM {CHANGED}")),
    );
    let rebuilt = |accounts: &str| {
        vec![
            format!("DELETE FROM {MILESTONES_TABLE} WHERE {accounts}"),
            format!(
                "INSERT INTO {MILESTONES_TABLE} ({MILESTONES}) {}",
                milestones_of(accounts)
            ),
        ]
    };
    Afterwards {
        table: MILESTONES_TABLE,
        from_changes: rebuilt(&changed_accounts),
        few_changes: FEW_CHANGES,
        from_scope: rebuilt(&campaigns("archivo")),
    }
}

/// Keeps aux_gestiones_servicio_dia (the distinct gestiones per campaign × servicio × day, which
/// the dashboard adds up) in step with the fan-out: the fan-out rows the step removed or added
/// on a counting account take their gestión off or put it on their day's counts. A campaign
/// whose accounts changed may count on other accounts now, so it is counted again whole, as is
/// every campaign of the scope after a large rewrite: those of the step's `share` (a predicate
/// over a column), since the other share's step counts its own.
fn counts_kept(ctx: &Ctx, share: &dyn Fn(&str) -> String) -> Afterwards {
    let recount = |campaigns: &dyn Fn(&str) -> String| {
        let campaigns = |col: &str| format!("{} AND {}", campaigns(col), share(col));
        let delete = format!("DELETE FROM {COUNTS_TABLE} WHERE {}", campaigns("archivo"));
        let insert = format!(
            "INSERT INTO {COUNTS_TABLE} ({COUNTS}) {}",
            counts_of(&campaigns("gc.archivo"), &campaigns("archivo"))
        );
        let settings = ctx.d.hash_grouping_settings().iter().map(|s| s.to_string());
        settings.chain([delete, insert]).collect::<Vec<_>>()
    };
    let mut from_changes = if ctx.recounts_any() {
        recount(&|col: &str| ctx.recounted_in(col))
    } else {
        Vec::new()
    };
    let counted = |condition: &str| format!("SUM(CASE WHEN {condition} THEN {SIGN} ELSE 0 END)");
    let added = |col: &str| added_to(COUNTS_TABLE, col);
    from_changes.push(format!(
        "INSERT INTO {COUNTS_TABLE} ({COUNTS})
        SELECT x.archivo, a.servicio, x.fecha_gestion, SUM({SIGN}), {voicebot}, {llamadas},
            {efectivas}
        FROM {CHANGED} x
        JOIN ({accounts}) a ON a.archivo = x.archivo AND a.cuenta = x.cuenta
        WHERE NOT ({recounted})
        GROUP BY x.archivo, a.servicio, x.fecha_gestion
        ON CONFLICT (archivo, servicio, fecha_gestion) DO UPDATE SET {total}, {voicebot_set},
            {llamadas_set}, {efectivas_set}",
        voicebot = counted("x.canal = 'VOICEBOT'"),
        llamadas = counted("x.canal = 'CALL'"),
        efectivas = counted("x.contactabilidad = 'CONTACTO_EFECTIVO'"),
        // The changed rows' clients' accounts: every account of a client and servicio, to find
        // the one that counts.
        accounts = counting_accounts(&format!(
            "archivo IN (SELECT archivo FROM {CHANGED}) \
             AND cod_luna IN (SELECT cod_luna FROM {CHANGED})"
        )),
        recounted = ctx.recounted_in("x.archivo"),
        total = added("total"),
        voicebot_set = added("voicebot"),
        llamadas_set = added("llamadas"),
        efectivas_set = added("efectivas"),
    ));
    // A day whose last gestión went has no row, as in a full build.
    from_changes.push(format!(
        "DELETE FROM {COUNTS_TABLE} WHERE total = 0 \
         AND archivo IN (SELECT archivo FROM {CHANGED})"
    ));
    Afterwards {
        table: COUNTS_TABLE,
        from_changes,
        few_changes: FEW_CHANGES,
        from_scope: recount(&|col: &str| ctx.in_campaigns(col)),
    }
}
