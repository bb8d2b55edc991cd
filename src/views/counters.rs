//! The additive counters of dashboard_data / evolution_data rows, summed in the database per
//! group, and the KPIs recomputed from them (DOMAIN §8, §10) — never averaged percentages.

use sea_orm::{DbErr, QueryResult};

use super::kpi::{pct, ratio, round2};
use super::sql::{sum_float, sum_int};

/// INT counters, by mart column name (also the result alias).
const INT_COLUMNS: [&str; 9] = [
    "cuentas",
    "cuentas_gestionadas",
    "cuentas_cd",
    "cuentas_ci",
    "cuentas_sc",
    "cuentas_sg",
    "cuentas_pdp",
    "cuentas_pagadoras",
    "total_gestiones",
];
const FLOAT_COLUMNS: [&str; 3] = ["deuda_asig", "deuda_act", "recupero"];

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Counters {
    pub cuentas: i64,
    pub gestionadas: i64,
    pub cd: i64,
    pub ci: i64,
    pub sc: i64,
    pub sg: i64,
    pub pdp: i64,
    pub pagadoras: i64,
    pub gestiones: i64,
    pub deuda_asig: f64,
    pub deuda_act: f64,
    pub recupero: f64,
}

impl Counters {
    /// The SELECT items summing every counter of the mart alias `m`.
    pub(crate) fn select_sums() -> String {
        let ints = INT_COLUMNS.iter().map(|c| sum_int(&format!("m.{c}"), c));
        let floats = FLOAT_COLUMNS
            .iter()
            .map(|c| sum_float(&format!("m.{c}"), c));
        ints.chain(floats).collect::<Vec<_>>().join(", ")
    }

    pub(crate) fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        let int = |c: &str| row.try_get::<i64>("", c);
        let float = |c: &str| row.try_get::<f64>("", c);
        Ok(Self {
            cuentas: int("cuentas")?,
            gestionadas: int("cuentas_gestionadas")?,
            cd: int("cuentas_cd")?,
            ci: int("cuentas_ci")?,
            sc: int("cuentas_sc")?,
            sg: int("cuentas_sg")?,
            pdp: int("cuentas_pdp")?,
            pagadoras: int("cuentas_pagadoras")?,
            gestiones: int("total_gestiones")?,
            deuda_asig: float("deuda_asig")?,
            deuda_act: float("deuda_act")?,
            recupero: float("recupero")?,
        })
    }

    pub(crate) fn add(&mut self, other: &Self) {
        self.cuentas += other.cuentas;
        self.gestionadas += other.gestionadas;
        self.cd += other.cd;
        self.ci += other.ci;
        self.sc += other.sc;
        self.sg += other.sg;
        self.pdp += other.pdp;
        self.pagadoras += other.pagadoras;
        self.gestiones += other.gestiones;
        self.deuda_asig += other.deuda_asig;
        self.deuda_act += other.deuda_act;
        self.recupero += other.recupero;
    }

    /// 100 · cuentas_gestionadas / cuentas.
    pub(crate) fn cobertura(&self) -> f64 {
        pct(self.gestionadas as f64, self.cuentas as f64)
    }

    /// 100 · (cd + ci) / cuentas (the UI's contacto, not the mart's gestión-level pct_contac).
    pub(crate) fn contacto(&self) -> f64 {
        pct((self.cd + self.ci) as f64, self.cuentas as f64)
    }

    pub(crate) fn cd_pct(&self) -> f64 {
        pct(self.cd as f64, self.cuentas as f64)
    }

    pub(crate) fn ci_pct(&self) -> f64 {
        pct(self.ci as f64, self.cuentas as f64)
    }

    pub(crate) fn sc_pct(&self) -> f64 {
        pct(self.sc as f64, self.cuentas as f64)
    }

    /// The UI's account-based cierre, 100 · cuentas_pagadoras / cuentas — never the mart's
    /// monetary pct_cierre (§13.18).
    pub(crate) fn cierre(&self) -> f64 {
        pct(self.pagadoras as f64, self.cuentas as f64)
    }

    /// 100 · cuentas_pdp / cuentas_gestionadas (pct_efectividad).
    pub(crate) fn efectividad(&self) -> f64 {
        pct(self.pdp as f64, self.gestionadas as f64)
    }

    /// 100 · cuentas_pdp / cuentas_cd (pct_conversion), clamped to 100 like the stored value
    /// (§13.17: a PDP need not be a direct contact).
    pub(crate) fn conversion(&self) -> f64 {
        pct(self.pdp as f64, self.cd as f64).min(100.0)
    }

    /// total_gestiones / cuentas_gestionadas.
    pub(crate) fn inten(&self) -> f64 {
        ratio(self.gestiones as f64, self.gestionadas as f64)
    }

    pub(crate) fn recupero_money(&self) -> f64 {
        round2(self.recupero)
    }
}
