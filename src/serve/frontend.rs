//! The React dashboard and GraphiQL, from frontend-codegen's build (`npm run build` writes
//! `frontend-codegen/dist`). They are served from our own files so that exploring the API works
//! on an air-gapped network. Without a build, `/` says how to make one and `GET /graphql` falls
//! back to async-graphql's GraphiQL page, which loads its scripts from a CDN.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    Router,
    response::Html,
    routing::{MethodRouter, get, get_service},
};
use tower_http::services::{ServeDir, ServeFile};

use super::{AppState, graphql};

/// What `npm run build` left in the app directory.
#[derive(Clone, Debug)]
pub struct Frontend {
    dir: PathBuf,
    app: bool,
    graphiql: bool,
}

impl Frontend {
    pub fn find(dir: &Path) -> Self {
        let frontend = Self {
            dir: dir.to_owned(),
            app: dir.join("index.html").is_file(),
            graphiql: dir.join("graphiql.html").is_file(),
        };
        if !frontend.graphiql {
            tracing::warn!(
                app_dir = %dir.display(),
                "the frontend is not built: GraphiQL loads its scripts from a CDN and / shows \
                 build instructions (cd frontend-codegen && npm ci && npm run build)"
            );
        }
        frontend
    }

    pub fn has_app(&self) -> bool {
        self.app
    }

    /// `GET /graphql`: our GraphiQL build, or the CDN page.
    pub fn graphiql(&self) -> MethodRouter<Arc<AppState>> {
        if self.graphiql {
            get_service(ServeFile::new(self.dir.join("graphiql.html")))
        } else {
            get(graphql::graphiql)
        }
    }

    /// `/` and `/assets/*`: the dashboard app.
    pub fn routes(&self) -> Router<Arc<AppState>> {
        if self.app {
            Router::new()
                .route_service("/", ServeFile::new(self.dir.join("index.html")))
                .nest_service("/assets", ServeDir::new(self.dir.join("assets")))
        } else {
            Router::new().route("/", get(not_built))
        }
    }
}

async fn not_built() -> Html<&'static str> {
    Html(
        "<!doctype html><title>Pulso</title><h1>Pulso</h1>\
         <p>The API is up: explore it in <a href=\"/graphql\">GraphiQL</a>.</p>\
         <p>The dashboard app is not built. Build it with \
         <code>cd frontend-codegen &amp;&amp; npm ci &amp;&amp; npm run build</code> and restart.</p>",
    )
}
