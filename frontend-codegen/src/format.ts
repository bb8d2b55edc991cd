import type { IconStatus } from './generated/graphql';

const integer = new Intl.NumberFormat('es-PE', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('es-PE', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const money = new Intl.NumberFormat('es-PE', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatInt = (n: number | null | undefined): string => (n == null ? '—' : integer.format(n));
export const formatPct = (n: number | null | undefined): string => (n == null ? '—' : `${decimal.format(n)} %`);
export const formatDecimal = (n: number | null | undefined): string => (n == null ? '—' : decimal.format(n));
export const formatMoney = (n: number | null | undefined): string => (n == null ? '—' : `S/ ${money.format(n)}`);
export const formatRate = (n: number | null | undefined): string => (n == null ? '—' : `${integer.format(n)} rows/s`);
export const formatSeconds = (n: number | null | undefined): string => (n == null ? '' : `${decimal.format(n)} s`);

/** A CSS class for an IconStatus (`ok`, `warning`, …). */
export const statusClass = (status: IconStatus): string => `status-${status}`;
