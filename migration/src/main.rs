//! The migrator binary driven by `sea-orm-cli migrate …` and `cargo run -p migration -- …`.
//! It reads `DATABASE_URL` (or `-u URL`), like every SeaORM migrator.

use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli(migration::Migrator).await;
}
