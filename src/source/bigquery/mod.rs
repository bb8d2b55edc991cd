//! BigQuery through `gcp-bigquery-client`: one standard-SQL query per read, every result page
//! fetched in turn and decoded by the catalogue's column types. The incremental predicate is a
//! typed literal rendered from the engine's own instant, never from user text (DOMAIN §6).

mod decode;
mod query;

use std::{sync::Arc, time::Duration};

use gcp_bigquery_client::{
    Client,
    auth::Authenticator,
    client_builder::ClientBuilder,
    error::BQError,
    model::{
        get_query_results_parameters::GetQueryResultsParameters, query_request::QueryRequest,
        table_row::TableRow,
    },
};
use tokio::sync::mpsc;

use super::{Pages, ReadRange, Row, Source, SourceError};
use crate::{config::BigQueryConfig, tables::TableSpec};

pub struct BigQuerySource {
    client: Arc<Client>,
    config: BigQueryConfig,
}

impl BigQuerySource {
    /// Authenticates with the service-account key (configured, or `GOOGLE_APPLICATION_CREDENTIALS`);
    /// against an emulator (`base_url` set and no key) a static token is used.
    pub async fn connect(config: &BigQueryConfig) -> Result<Self, SourceError> {
        let mut builder = ClientBuilder::new();
        if let Some(base_url) = &config.base_url {
            builder.with_v2_base_url(base_url.trim_end_matches('/').to_owned());
        }
        let key_path = config
            .credentials_path
            .clone()
            .or_else(|| std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").map(Into::into));
        let client = match (key_path, &config.base_url) {
            (Some(path), _) => builder
                .build_from_service_account_key_file(&path.to_string_lossy())
                .await
                .map_err(|e| {
                    SourceError::Permanent(format!(
                        "BigQuery credentials from {} are not usable ({}); check that the file is a \
                         service-account JSON key",
                        path.display(),
                        short(&e)
                    ))
                })?,
            (None, Some(_)) => builder
                .build_from_authenticator(Arc::new(EmulatorToken))
                .await
                .map_err(|e| SourceError::Permanent(format!("BigQuery client: {}", short(&e))))?,
            (None, None) => {
                return Err(SourceError::Permanent(
                    "the BigQuery source needs a service-account key: set GOOGLE_APPLICATION_CREDENTIALS \
                     or source.bigquery.credentials_path (or source.bigquery.base_url for an emulator)"
                        .into(),
                ));
            }
        };
        Ok(Self {
            client: Arc::new(client),
            config: config.clone(),
        })
    }
}

/// Emulators accept any bearer token.
#[derive(Clone)]
struct EmulatorToken;

#[async_trait::async_trait]
impl Authenticator for EmulatorToken {
    async fn access_token(&self) -> Result<String, BQError> {
        Ok("emulator".into())
    }
}

#[async_trait::async_trait]
impl Source for BigQuerySource {
    fn kind(&self) -> &'static str {
        "bigquery"
    }

    async fn read(
        &self,
        table: &'static TableSpec,
        range: ReadRange,
        page_size: usize,
    ) -> Result<Pages, SourceError> {
        let sql = query::select(&self.config, table, range);
        let (sender, pages) = Pages::channel();
        let reader = PageReader {
            client: Arc::clone(&self.client),
            project: self.config.project.clone(),
            table,
            page_size: i32::try_from(page_size).unwrap_or(i32::MAX),
            timeout: Duration::from_secs(self.config.query_timeout_secs),
            maximum_bytes_billed: self.config.maximum_bytes_billed,
        };
        tokio::spawn(async move {
            if let Err(error) = reader.run(sql, &sender).await {
                let _ = sender.send(Err(error)).await;
            }
        });
        Ok(pages)
    }

    fn describe(&self, table: &'static TableSpec, range: ReadRange) -> String {
        query::select(&self.config, table, range)
    }
}

/// Runs one query and forwards its result pages.
struct PageReader {
    client: Arc<Client>,
    project: String,
    table: &'static TableSpec,
    page_size: i32,
    timeout: Duration,
    maximum_bytes_billed: u64,
}

impl PageReader {
    async fn run(
        self,
        sql: String,
        sender: &mpsc::Sender<Result<Vec<Row>, SourceError>>,
    ) -> Result<(), SourceError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut request = QueryRequest::new(sql);
        request.use_legacy_sql = false;
        request.max_results = Some(self.page_size);
        request.timeout_ms = Some(self.wait_ms(deadline));
        request.maximum_bytes_billed = Some(self.maximum_bytes_billed.to_string());
        let first = self
            .client
            .job()
            .query(&self.project, request)
            .await
            .map_err(classify)?;
        let job = first
            .job_reference
            .ok_or_else(|| SourceError::Transient("BigQuery returned no job reference".into()))?;
        let job_id = job
            .job_id
            .ok_or_else(|| SourceError::Transient("BigQuery returned no job id".into()))?;

        let (mut complete, mut rows, mut token) = (
            first.job_complete.unwrap_or(true),
            first.rows,
            first.page_token,
        );
        loop {
            if complete {
                let page = decode::rows(self.table, rows.take().unwrap_or_default())?;
                if !page.is_empty() && sender.send(Ok(page)).await.is_err() {
                    return Ok(()); // the reader went away
                }
                if token.is_none() {
                    return Ok(());
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SourceError::Transient(format!(
                    "BigQuery query timed out after {} s",
                    self.timeout.as_secs()
                )));
            }
            let next = self
                .client
                .job()
                .get_query_results(
                    &self.project,
                    &job_id,
                    GetQueryResultsParameters {
                        page_token: token.take(),
                        max_results: Some(self.page_size),
                        location: job.location.clone(),
                        timeout_ms: Some(self.wait_ms(deadline)),
                        ..Default::default()
                    },
                )
                .await
                .map_err(classify)?;
            complete = next.job_complete.unwrap_or(true);
            rows = next.rows;
            token = next.page_token;
            if !complete && token.is_none() {
                // Still running: ask again from the start of the results.
                rows = None;
            }
        }
    }

    fn wait_ms(&self, deadline: tokio::time::Instant) -> i32 {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        i32::try_from(left.as_millis().min(60_000)).unwrap_or(60_000)
    }
}

/// Transient (retry) or permanent (fail the table at once), by what BigQuery answered.
fn classify(error: BQError) -> SourceError {
    match &error {
        BQError::RequestError(e) => SourceError::Transient(format!("BigQuery unreachable: {e}")),
        BQError::ResponseError { error: response } => {
            let e = &response.error;
            let reason = e
                .errors
                .first()
                .and_then(|r| r.get("reason"))
                .cloned()
                .unwrap_or_default();
            let message = format!("BigQuery answered {} {}: {}", e.code, e.status, e.message);
            match (e.code, reason.as_str()) {
                (401, _) | (403, "accessDenied") | (403, "forbidden") => {
                    SourceError::Permanent(format!(
                        "{message}; check the service account's key and its BigQuery roles \
                     (bigquery.jobs.create on the project, bigquery.tables.getData on the dataset)"
                    ))
                }
                (429 | 500 | 502 | 503 | 504, _)
                | (_, "backendError" | "rateLimitExceeded" | "internalError") => {
                    SourceError::Transient(message)
                }
                _ => SourceError::Permanent(message),
            }
        }
        BQError::AuthError(_) | BQError::YupAuthError(_) | BQError::NoToken => {
            SourceError::Permanent(format!(
                "BigQuery authentication failed ({}); check GOOGLE_APPLICATION_CREDENTIALS",
                short(&error)
            ))
        }
        _ => SourceError::Permanent(format!("BigQuery: {}", short(&error))),
    }
}

/// An error's first line, so no key material or long payload reaches a log.
fn short(error: &dyn std::fmt::Display) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}

/// Cells of one result row, for decode.
fn cells(row: TableRow) -> Vec<Option<serde_json::Value>> {
    row.columns
        .unwrap_or_default()
        .into_iter()
        .map(|cell| cell.value)
        .collect()
}
