//! `raw_calendario`: One row per campaign (DOMAIN §5 calendario).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_calendario")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(column_type = "Text")]
    pub tipo_cartera: Option<String>,
    pub fecha_apertura: Date,
    pub fecha_cierre: Option<Date>,
    pub fecha_trandeuda: Option<Date>,
    pub fecha_cierre_planificada: Option<Date>,
    pub duracion_campana_dias_habiles: Option<i32>,
    pub anno_asignacion: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub periodo_asignacion: Option<String>,
    pub es_cartera_abierta: Option<bool>,
    #[sea_orm(column_type = "Text")]
    pub estado_cartera: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub rango_vencimiento: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub periodo_mes: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub tipo_ciclo_campana: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub categoria_duracion: Option<String>,
    #[sea_orm(primary_key, auto_increment = false)]
    pub periodo_date: Date,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
