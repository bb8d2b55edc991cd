//! Every SeaORM entity agrees with the migrated schema: same tables, same columns, same
//! nullability, same primary key, and column types of the same family, on both engines.

use std::collections::{BTreeMap, BTreeSet};

use migration::{Migrator, MigratorTrait};
use pulso::entities::{auxiliary, control, mart, raw};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    IdenStatic, Iterable, PrimaryKeyToColumn, Statement, Value, sea_query::StringLen,
};

use crate::harness::{Engine, TestDb, on_both_engines, table_names};

/// A column as both sides describe it: (nullable, type family).
type Columns = BTreeMap<String, (bool, String)>;

struct Layout {
    table: String,
    columns: Columns,
    primary_key: BTreeSet<String>,
}

fn entity_layout<E: EntityTrait>(engine: Engine) -> Layout {
    let columns = E::Column::iter()
        .map(|column| {
            let def = column.def();
            (
                column.as_str().to_owned(),
                (def.is_null(), type_family(engine, def.get_column_type())),
            )
        })
        .collect();
    let primary_key = E::PrimaryKey::iter()
        .map(|key| key.into_column().as_str().to_owned())
        .collect();
    Layout {
        table: E::default().table_name().to_owned(),
        columns,
        primary_key,
    }
}

/// The type each engine reports for a SeaORM column type (SQLite: the declared name's family).
fn type_family(engine: Engine, column_type: &ColumnType) -> String {
    let (postgres, sqlite) = match column_type {
        ColumnType::Text => ("text", "text"),
        ColumnType::String(StringLen::N(_)) => ("character varying", "varchar"),
        ColumnType::Date => ("date", "date_text"),
        ColumnType::TimestampWithTimeZone => {
            ("timestamp with time zone", "timestamp_with_timezone_text")
        }
        ColumnType::Integer => ("integer", "integer"),
        ColumnType::BigInteger => ("bigint", "integer"),
        ColumnType::Double => ("double precision", "double"),
        ColumnType::Decimal(Some(_)) => ("numeric", "real"),
        ColumnType::Decimal(None) => ("numeric", "real_decimal"),
        ColumnType::Boolean => ("boolean", "boolean"),
        ColumnType::Uuid => ("uuid", "uuid_text"),
        ColumnType::JsonBinary => ("jsonb", "jsonb_text"),
        other => panic!("no mapping for {other:?}: add it here and to the migrations"),
    };
    match engine {
        Engine::Postgres => postgres.to_owned(),
        Engine::Sqlite => sqlite.to_owned(),
    }
}

fn entities(engine: Engine) -> Vec<Layout> {
    vec![
        entity_layout::<raw::calendario::Entity>(engine),
        entity_layout::<raw::asignaciones::Entity>(engine),
        entity_layout::<raw::trandeuda::Entity>(engine),
        entity_layout::<raw::pagos::Entity>(engine),
        entity_layout::<raw::voicebot_gestiones::Entity>(engine),
        entity_layout::<raw::mibotair_gestiones::Entity>(engine),
        entity_layout::<raw::homologacion_voicebot::Entity>(engine),
        entity_layout::<raw::homologacion_mibotair::Entity>(engine),
        entity_layout::<raw::ejecutivos::Entity>(engine),
        entity_layout::<auxiliary::feriados::Entity>(engine),
        entity_layout::<auxiliary::calendario_habiles::Entity>(engine),
        entity_layout::<auxiliary::campana_dia::Entity>(engine),
        entity_layout::<auxiliary::cuenta_campana::Entity>(engine),
        entity_layout::<auxiliary::cuenta_estado_diario::Entity>(engine),
        entity_layout::<auxiliary::cuenta_hitos::Entity>(engine),
        entity_layout::<auxiliary::deuda_servicio_dia::Entity>(engine),
        entity_layout::<auxiliary::documento_cuenta::Entity>(engine),
        entity_layout::<auxiliary::gestiones::Entity>(engine),
        entity_layout::<auxiliary::gestiones_servicio_dia::Entity>(engine),
        entity_layout::<auxiliary::gestion_cuenta::Entity>(engine),
        entity_layout::<auxiliary::pagos::Entity>(engine),
        entity_layout::<auxiliary::unlogged_marker::Entity>(engine),
        entity_layout::<mart::dashboard_data::Entity>(engine),
        entity_layout::<mart::evolution_data::Entity>(engine),
        entity_layout::<mart::assignment_data::Entity>(engine),
        entity_layout::<mart::operation_data::Entity>(engine),
        entity_layout::<mart::productivity_data::Entity>(engine),
        entity_layout::<control::etl_watermarks::Entity>(engine),
        entity_layout::<control::etl_execution_log::Entity>(engine),
        entity_layout::<control::settings::Entity>(engine),
        entity_layout::<control::scheduler::Entity>(engine),
    ]
}

async fn database_layout(db: &DatabaseConnection, table: &str) -> Layout {
    let backend = db.get_database_backend();
    let (columns_sql, key_sql) = match backend {
        DbBackend::Postgres => (
            "SELECT column_name AS name, is_nullable = 'YES' AS nullable, data_type AS type \
             FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            "SELECT a.attname::text AS name FROM pg_index i \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = $1::regclass AND i.indisprimary",
        ),
        _ => (
            "SELECT name, \"notnull\" = 0 AS nullable, lower(type) AS type FROM pragma_table_info(?)",
            "SELECT name FROM pragma_table_info(?) WHERE pk > 0",
        ),
    };
    let rows = |sql: &'static str| {
        db.query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(table)],
        ))
    };
    let columns = rows(columns_sql)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            let name: String = row.try_get("", "name").unwrap();
            let nullable: bool = row.try_get("", "nullable").unwrap();
            let declared: String = row.try_get("", "type").unwrap();
            // SQLite declares e.g. `varchar(20)` or `real(15, 2)`: compare the family.
            let family = declared
                .split('(')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            (name, (nullable, family))
        })
        .collect();
    let primary_key = rows(key_sql)
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect();
    Layout {
        table: table.to_owned(),
        columns,
        primary_key,
    }
}

on_both_engines!(entities_match_the_migrated_schema);

async fn entities_match_the_migrated_schema(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.expect("up");

    let entities = entities(engine);
    let entity_tables: BTreeSet<_> = entities.iter().map(|e| e.table.clone()).collect();
    let migrated: BTreeSet<_> = table_names(&db)
        .await
        .into_iter()
        .filter(|t| t != "seaql_migrations")
        .collect();
    assert_eq!(
        entity_tables, migrated,
        "every migrated table has exactly one entity"
    );

    for entity in entities {
        let migrated = database_layout(&db, &entity.table).await;
        assert_eq!(
            entity.columns, migrated.columns,
            "columns of {}",
            entity.table
        );
        let expected_key = match (engine, entity.table.as_str()) {
            // SQLite auto-increments only a lone INTEGER PRIMARY KEY (see the control migration).
            (Engine::Sqlite, "etl_execution_log") => BTreeSet::from(["id".to_owned()]),
            _ => entity.primary_key,
        };
        assert_eq!(
            expected_key, migrated.primary_key,
            "primary key of {}",
            entity.table
        );
    }
}
