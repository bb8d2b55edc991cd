//! `aux_cuenta_hitos`: Per campaign account, the first day of each gestión class in its fan-out
//! (aux_gestion_cuenta), kept in step with it by the fan-out's build; the dashboard counts these
//! against each day (DOMAIN §8).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_cuenta_hitos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cuenta: String,
    /// The first gestión of any class.
    pub primera_gestion: Date,
    /// The first CONTACTO_EFECTIVO.
    pub primera_cd: Option<Date>,
    /// The first CONTACTO_EFECTIVO or CONTACTO_NO_EFECTIVO.
    pub primera_cd_ci: Option<Date>,
    /// The first promise to pay.
    pub primera_pdp: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
