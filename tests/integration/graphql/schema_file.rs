//! `schema.graphql` is what the code serves: regenerate it with `pulso schema -o schema.graphql`.

#[test]
fn schema_graphql_matches_the_live_schema() {
    let checked_in =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
            .expect("schema.graphql at the repository root");
    assert!(
        checked_in == pulso::serve::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- schema -o schema.graphql`"
    );
}
