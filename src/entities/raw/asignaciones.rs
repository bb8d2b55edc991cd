//! `raw_asignaciones`: One row per account per campaign file (DOMAIN §5 asignaciones).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_asignaciones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cod_luna: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cuenta: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_asignacion: Date,
    pub creado_el: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub cliente: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub telefono: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub dni: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub negocio: Option<String>,
    pub cod_sistema: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub tramo_gestion: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub zona: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub campania_act: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub dias_sin_trafico: Option<String>,
    pub min_vto: Option<Date>,
    pub fecha_corte: Option<Date>,
    pub decil_contacto: Option<i32>,
    pub decil_pago: Option<i32>,
    pub rango_renta: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub fraccionamiento: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub cuota_fracc_act: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub priorizado: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub inscripcion: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub incrementa_velocidad: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub detalle_dscto_futuro: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub cargo_fijo: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub estado_pc: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub tipo_linea: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub tipo_alta: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub motivo_rechazo: Option<String>,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
