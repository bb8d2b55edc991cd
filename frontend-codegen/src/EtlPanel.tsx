import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from 'graphql-ws';

import { ApiError, execute, subscribe } from './api';
import {
  EtlProgressDocument,
  EtlStatusDocument,
  RefreshDashboardDocument,
  type EtlStatusQuery,
} from './generated/graphql';
import { formatInt, formatRate, formatSeconds } from './format';
import { applyEvent, startRun, type ProgressLine, type RunProgress } from './progress';

interface Props {
  token: string;
  client: Client;
  onApiError: (error: ApiError) => void;
  onRunFinished: () => void;
}

export function EtlPanel({ token, client, onApiError, onRunFinished }: Props) {
  const [status, setStatus] = useState<EtlStatusQuery['etlStatus'] | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const [run, setRun] = useState<RunProgress | null>(null);
  const [force, setForce] = useState(false);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const finishedRef = useRef(onRunFinished);
  finishedRef.current = onRunFinished;

  const loadStatus = useCallback(
    (signal?: AbortSignal) =>
      execute(EtlStatusDocument, {}, token, signal)
        .then((result) => {
          setStatus(result.etlStatus);
          return result.etlStatus;
        })
        .catch((e: unknown) => {
          if (e instanceof ApiError) onApiError(e);
          return null;
        }),
    [token, onApiError],
  );

  // On load, follow the run already going (e.g. the first load after the server started).
  // If instead a run ended while the page was loading, the dashboard may hold data from before
  // it: reload it.
  useEffect(() => {
    const abort = new AbortController();
    void loadStatus(abort.signal).then((current) => {
      if (abort.signal.aborted || !current) return;
      if (current.activeRunId) {
        setRunId((followed) => followed ?? current.activeRunId ?? null);
      } else if (current.lastRun?.completedAt && Date.parse(current.lastRun.completedAt) >= performance.timeOrigin - 1000) {
        finishedRef.current();
      }
    });
    return () => abort.abort();
  }, [loadStatus]);

  // Follow `runId` over the websocket until its run_finished.
  useEffect(() => {
    if (!runId) return;
    setRun(startRun(runId));
    let finished = false;
    const unsubscribe = subscribe(client, EtlProgressDocument, { runId }, {
      next(data) {
        const event = data.etlProgress;
        setRun((current) => applyEvent(current ?? startRun(runId), event));
        if (event.kind === 'run_finished' && !finished) {
          finished = true;
          finishedRef.current();
          void loadStatus();
        }
      },
      error(e) {
        setRun((current) => current && { ...current, error: e.message });
        if (e.unauthenticated) onApiError(e);
      },
      complete() {
        if (!finished) {
          setRun((current) => current && { ...current, error: 'the subscription ended before the run finished' });
        }
      },
    });
    return unsubscribe;
  }, [runId, client, loadStatus, onApiError]);

  const refresh = async () => {
    setStarting(true);
    setError(null);
    try {
      const result = await execute(RefreshDashboardDocument, { force }, token);
      const started = result.refreshDashboard;
      // A new run id starts a new subscription; the same one (already running) keeps it.
      setRunId(started.runId);
      if (started.alreadyRunning) {
        setError(`A run was already going (${short(started.runId)}): following it.`);
      }
    } catch (e: unknown) {
      setError(e instanceof Error ? e.message : String(e));
      if (e instanceof ApiError) onApiError(e);
    } finally {
      setStarting(false);
    }
  };

  const running = run != null && !run.finished;
  return (
    <section className="card etl">
      <div className="card-title">
        <h2>ETL</h2>
        <div className="etl-actions">
          <label title="Load tables even if they were refreshed recently">
            <input
              type="checkbox"
              data-testid="refresh-force"
              checked={force}
              onChange={(event) => setForce(event.target.checked)}
            />
            Force
          </label>
          <button type="button" data-testid="refresh-button" onClick={refresh} disabled={starting || running}>
            {running ? 'Refreshing…' : 'Refresh'}
          </button>
        </div>
      </div>
      {error && <p className="error">{error}</p>}
      {status?.lastRun && status.lastRun.runId !== run?.runId && (
        <p className="muted" data-testid="last-run">
          Last run {short(status.lastRun.runId)}: {status.lastRun.status}
          {status.lastRun.completedAt ? `, ended ${new Date(status.lastRun.completedAt).toLocaleString('es-PE')}` : ''}
          {status.lastRun.errorMessage ? ` — ${status.lastRun.errorMessage}` : ''}
        </p>
      )}
      {run && <RunView run={run} order={status?.tables.map((t) => t.tableName) ?? []} />}
    </section>
  );
}

function RunView({ run, order }: { run: RunProgress; order: readonly string[] }) {
  // Tables in catalogue order (as etlStatus lists them), whatever order their events came in.
  const rank = (name: string) => {
    const index = order.indexOf(name);
    return index < 0 ? order.length : index;
  };
  const tables = [...run.tables].sort((a, b) => rank(a.name) - rank(b.name));
  return (
    <div className="run">
      <p className={`run-state state-${run.state}`} data-testid="run-state" data-status={run.state} data-finished={run.finished}>
        Run {short(run.runId)}: <strong>{run.state}</strong>
        {run.finished && run.durationSeconds != null ? ` in ${formatSeconds(run.durationSeconds)}` : ''}
        {run.missed > 0 ? ` (resynchronised after missing ${run.missed} events)` : ''}
      </p>
      {run.error && <p className="error">{run.error}</p>}
      <ul className="progress">
        {tables.map((line) => (
          <Line key={line.name} line={line} testId="progress-line" />
        ))}
      </ul>
      {run.stages.length > 0 && (
        <details className="stages">
          <summary>Transform steps ({run.stages.length})</summary>
          <ul className="progress">
            {run.stages.map((line) => (
              <Line key={line.name} line={line} testId="stage-line" />
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function Line({ line, testId }: { line: ProgressLine; testId: string }) {
  return (
    <li className={`state-${line.state}`} data-testid={testId} data-table={line.name} data-state={line.state}>
      <span className="name">{line.name}</span>
      <span className="rows">
        {line.rows != null ? `${formatInt(line.rows)} rows` : line.extracted > 0 ? `${formatInt(line.extracted)} read` : '—'}
      </span>
      <span className="rate">{line.rowsPerSecond == null ? '' : formatRate(line.rowsPerSecond)}</span>
      <span className="state">
        {line.state}
        {line.attempt != null && line.state === 'retrying' ? ` (attempt ${line.attempt})` : ''}
        {line.durationSeconds != null ? ` · ${formatSeconds(line.durationSeconds)}` : ''}
      </span>
      {line.error && <span className="line-error">{line.error}</span>}
    </li>
  );
}

function short(runId: string): string {
  return runId.slice(0, 8);
}
