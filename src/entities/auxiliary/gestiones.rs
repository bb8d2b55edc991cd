//! `aux_gestiones`: Unified, homologated interactions (DOMAIN §7.4).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_gestiones")]
pub struct Model {
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub canal: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub gestion_uid: String,
    pub timestamp_gestion: DateTimeUtc,
    pub fecha_gestion: Date,
    pub hora: i32,
    #[sea_orm(column_type = "Text")]
    pub cod_luna: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub campaign_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub correo_agente: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub nombre_agente: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub documento_agente: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub nivel_1: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub nivel_2: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub nivel_3: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(30))")]
    pub contactabilidad: String,
    pub peso: i32,
    pub es_contacto_efectivo: bool,
    pub es_compromiso: bool,
    #[sea_orm(column_type = "Decimal(Some((15, 2)))")]
    pub monto_compromiso: Option<Decimal>,
    pub fecha_compromiso: Option<Date>,
    pub duracion: Option<i32>,
    pub intento: i32,
    #[sea_orm(column_type = "Text")]
    pub archivo_principal: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
