// Folds a run's etlProgress events into what the panel shows: one line per source table, one
// per transform step, and the run's state.

import type { EtlProgressSubscription } from './generated/graphql';

export type ProgressEvent = EtlProgressSubscription['etlProgress'];

export interface ProgressLine {
  readonly name: string;
  /** `pending`, `running`, `retrying`, or the finished status (`success`, `skipped`, `failed`, …). */
  readonly state: string;
  readonly mode: string | null;
  /** Rows loaded so far (or in total, once finished). */
  readonly rows: number | null;
  /** Rows read from the source so far. */
  readonly extracted: number;
  readonly rowsPerSecond: number | null;
  readonly durationSeconds: number | null;
  readonly attempt: number | null;
  readonly error: string | null;
}

export interface RunProgress {
  readonly runId: string;
  /** `starting`, `running`, or the run's final status (`success`, `partial_success`, `failed`, `cancelled`). */
  readonly state: string;
  readonly finished: boolean;
  readonly durationSeconds: number | null;
  readonly tables: readonly ProgressLine[];
  readonly stages: readonly ProgressLine[];
  /** Events missed because the client fell behind (a snapshot resynchronised them). */
  readonly missed: number;
  readonly error: string | null;
}

export function startRun(runId: string): RunProgress {
  return {
    runId,
    state: 'starting',
    finished: false,
    durationSeconds: null,
    tables: [],
    stages: [],
    missed: 0,
    error: null,
  };
}

function blank(name: string): ProgressLine {
  return {
    name,
    state: 'pending',
    mode: null,
    rows: null,
    extracted: 0,
    rowsPerSecond: null,
    durationSeconds: null,
    attempt: null,
    error: null,
  };
}

function upsert(
  lines: readonly ProgressLine[],
  name: string,
  change: (line: ProgressLine) => ProgressLine,
): readonly ProgressLine[] {
  const index = lines.findIndex((line) => line.name === name);
  if (index < 0) {
    return [...lines, change(blank(name))];
  }
  return lines.map((line, i) => (i === index ? change(line) : line));
}

const RAW_PIPELINE = 'raw_extraction';
const RUN_PIPELINE = 'etl_run';

/** The run after one more event. */
export function applyEvent(run: RunProgress, event: ProgressEvent): RunProgress {
  const table = event.table;
  switch (event.kind) {
    case 'snapshot': {
      if (event.stage === RUN_PIPELINE && table == null) {
        const state = event.status ?? run.state;
        return { ...run, state: state === 'running' ? 'running' : run.state, durationSeconds: event.durationSeconds };
      }
      if (table == null) {
        return run;
      }
      const recorded = (line: ProgressLine): ProgressLine => ({
        ...line,
        state: event.status ?? line.state,
        mode: event.mode ?? line.mode,
        rows: event.rowsTotal ?? event.inserted ?? line.rows,
        durationSeconds: event.durationSeconds ?? line.durationSeconds,
        error: event.error ?? line.error,
      });
      if (event.stage === RAW_PIPELINE) {
        return { ...run, state: runningUnlessFinished(run), tables: upsert(run.tables, table, recorded) };
      }
      return { ...run, stages: upsert(run.stages, `transform:${table}`, recorded) };
    }
    case 'run_started':
      return {
        ...run,
        state: runningUnlessFinished(run),
        tables: (event.tables ?? []).reduce((lines, name) => upsert(lines, name, (line) => line), run.tables),
      };
    case 'table_started':
      return table == null
        ? run
        : {
            ...run,
            state: runningUnlessFinished(run),
            tables: upsert(run.tables, table, (line) => ({ ...line, state: 'running', mode: event.mode ?? line.mode })),
          };
    case 'page_extracted':
      return table == null
        ? run
        : {
            ...run,
            tables: upsert(run.tables, table, (line) => ({
              ...line,
              state: line.state === 'pending' ? 'running' : line.state,
              extracted: line.extracted + (event.rows ?? 0),
            })),
          };
    case 'batch_loaded':
      return table == null
        ? run
        : {
            ...run,
            tables: upsert(run.tables, table, (line) => ({
              ...line,
              state: line.state === 'pending' || line.state === 'retrying' ? 'running' : line.state,
              rows: event.rowsTotal ?? line.rows,
              rowsPerSecond: event.rowsPerSecond ?? line.rowsPerSecond,
            })),
          };
    case 'retrying':
      return table == null
        ? run
        : {
            ...run,
            tables: upsert(run.tables, table, (line) => ({
              ...line,
              state: 'retrying',
              attempt: event.attempt ?? line.attempt,
              error: event.error ?? line.error,
            })),
          };
    case 'table_finished':
    case 'table_failed':
      return table == null
        ? run
        : {
            ...run,
            tables: upsert(run.tables, table, (line) => {
              const rows = event.rowsTotal ?? line.rows;
              const duration = event.durationSeconds ?? line.durationSeconds;
              return {
                ...line,
                state: event.status ?? (event.kind === 'table_failed' ? 'failed' : 'success'),
                rows,
                durationSeconds: duration,
                rowsPerSecond: rows != null && duration ? rows / duration : line.rowsPerSecond,
                error: event.error ?? line.error,
              };
            }),
          };
    case 'stage_finished':
    case 'stage_failed': {
      const name = event.stage ?? 'transform';
      return {
        ...run,
        stages: upsert(run.stages, name, (line) => ({
          ...line,
          state: event.status ?? (event.kind === 'stage_failed' ? 'failed' : 'success'),
          rows: event.rowsTotal ?? line.rows,
          durationSeconds: event.durationSeconds ?? line.durationSeconds,
          error: event.error ?? line.error,
        })),
      };
    }
    case 'lagged':
      return { ...run, missed: run.missed + (event.missed ?? 0) };
    case 'run_finished':
      return {
        ...run,
        state: event.status ?? 'finished',
        finished: true,
        durationSeconds: event.durationSeconds ?? run.durationSeconds,
      };
    default:
      return run;
  }
}

function runningUnlessFinished(run: RunProgress): string {
  return run.finished ? run.state : 'running';
}
