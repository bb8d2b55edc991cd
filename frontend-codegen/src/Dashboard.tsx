import { useEffect, useState } from 'react';

import { ApiError, execute } from './api';
import {
  DashboardDocument,
  FilterOptionsDocument,
  type DashboardQuery,
  type DashboardQueryVariables,
  type DashboardRowFragment,
  type DashboardTotalFragment,
  type Dimension,
  type FilterOptionsQuery,
  type IconStatus,
} from './generated/graphql';
import { formatDecimal, formatInt, formatMoney, formatPct, statusClass } from './format';

// The grouping dimensions, checked against the generated Dimension type.
const DIMENSIONS: readonly Dimension[] = ['cartera', 'negocio', 'periodo', 'vencimiento'];
// TODAS / TODOS mean no filter (DOMAIN §10).
const ALL = new Set(['TODAS', 'TODOS']);

type Row = DashboardRowFragment | DashboardTotalFragment;

interface Props {
  token: string;
  /** Changes when the data may have changed (a run finished): reload. */
  generation: number;
  onApiError: (error: ApiError) => void;
}

export function Dashboard({ token, generation, onApiError }: Props) {
  // Empty: the server's default, today.
  const [fechaCorte, setFechaCorte] = useState('');
  const [dimension, setDimension] = useState<Dimension>('cartera');
  const [cartera, setCartera] = useState('TODAS');
  const [options, setOptions] = useState<FilterOptionsQuery['filterOptions'] | null>(null);
  const [data, setData] = useState<DashboardQuery['dashboard'] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    execute(FilterOptionsDocument, {}, token, abort.signal)
      .then((result) => setOptions(result.filterOptions))
      .catch((e: unknown) => {
        if (e instanceof ApiError) onApiError(e);
      });
    return () => abort.abort();
  }, [token, onApiError]);

  useEffect(() => {
    const abort = new AbortController();
    const variables: DashboardQueryVariables = {
      dimensions: [dimension],
      ...(fechaCorte ? { fechaCorte } : {}),
      ...(ALL.has(cartera) ? {} : { filters: { cartera: [cartera] } }),
    };
    setLoading(true);
    execute(DashboardDocument, variables, token, abort.signal)
      .then((result) => {
        setData(result.dashboard);
        setError(null);
      })
      .catch((e: unknown) => {
        if (abort.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
        if (e instanceof ApiError) onApiError(e);
      })
      .finally(() => {
        if (!abort.signal.aborted) setLoading(false);
      });
    return () => abort.abort();
  }, [token, generation, fechaCorte, dimension, cartera, onApiError]);

  return (
    <section className="card">
      <div className="card-title">
        <h2>Dashboard</h2>
        <form className="filters" onSubmit={(event) => event.preventDefault()}>
          <label>
            Fecha de corte
            <input
              type="date"
              value={fechaCorte}
              onChange={(event) => setFechaCorte(event.target.value)}
              title="Empty: today"
            />
          </label>
          <label>
            Agrupar por
            <select value={dimension} onChange={(event) => setDimension(event.target.value as Dimension)}>
              {DIMENSIONS.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          </label>
          <label>
            Cartera
            <select value={cartera} onChange={(event) => setCartera(event.target.value)}>
              {(options?.cartera ?? [{ value: 'TODAS', label: 'Todas las Carteras' }]).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
          {loading && <span className="muted">loading…</span>}
        </form>
      </div>
      {error && (
        <p className="error" data-testid="dashboard-error">
          {error}
        </p>
      )}
      {data && <DashboardTable data={data} />}
    </section>
  );
}

function DashboardTable({ data }: { data: DashboardQuery['dashboard'] }) {
  if (data.segmentoData.length === 0) {
    return (
      <p className="muted" data-testid="dashboard-empty">
        No rows for this cut-off day yet. If the first load is still running, the table fills in when it finishes.
      </p>
    );
  }
  return (
    <div className="table-wrap">
      <table className="dashboard" data-testid="dashboard-table">
        <thead>
          <tr>
            <th className="text">Grupo</th>
            <th>Cuentas</th>
            <th>% Cuentas</th>
            <th>Deuda asig.</th>
            <th>Deuda act.</th>
            <th>Cobertura</th>
            <th>Contacto</th>
            <th>CD</th>
            <th>CI</th>
            <th>SC</th>
            <th>Cierre</th>
            <th>Inten.</th>
            <th>PDP</th>
            <th>Días gestión</th>
          </tr>
        </thead>
        <tbody>
          {data.segmentoData.map((row) => (
            <DataRowView key={row.id} row={row} testId="dashboard-row" />
          ))}
        </tbody>
        <tfoot>
          <DataRowView row={data.total} testId="dashboard-total" />
        </tfoot>
      </table>
    </div>
  );
}

function DataRowView({ row, testId }: { row: Row; testId: string }) {
  return (
    <tr data-testid={testId} data-id={row.id}>
      <th scope="row" className="text">
        {row.name}
      </th>
      <td>{formatInt(row.cuentas)}</td>
      <td>{formatPct(row.porcentajeCuentas)}</td>
      <td>{formatMoney(row.deudaAsig)}</td>
      <td>{formatMoney(row.deudaAct)}</td>
      <td>{formatPct(row.cobertura)}</td>
      <Kpi value={formatPct(row.contacto)} status={row.contactoStatus} />
      <td>{formatPct(row.cd)}</td>
      <td>{formatPct(row.ci)}</td>
      <td>{formatPct(row.sc)}</td>
      <Kpi value={formatPct(row.cierre)} status={row.cierreStatus} />
      <Kpi value={formatDecimal(row.inten)} status={row.intenStatus} />
      <td>{formatInt(row.pdpCount)}</td>
      <td>{formatInt(row.diasGestion)}</td>
    </tr>
  );
}

function Kpi({ value, status }: { value: string; status: IconStatus }) {
  return (
    <td className={statusClass(status)} title={status}>
      {value}
    </td>
  );
}
