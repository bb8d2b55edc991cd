//! `pulso_scheduler`: the scheduler's shared state — the leader lease and the last slot of each
//! periodic job.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pulso_scheduler")]
pub struct Model {
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub name: String,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub holder: Option<String>,
    pub expires_at: Option<DateTimeUtc>,
    pub last_run_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
