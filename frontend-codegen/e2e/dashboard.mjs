#!/usr/bin/env node
// Browser end-to-end test of the built dashboard app and GraphiQL against a running
// `pulso serve` (e2e/run.sh starts one). With headless Debian Chromium through playwright-core:
//
//   1. `/?token=…`: the dashboard table shows at least one row and the totals row;
//   2. Refresh (forced): progress lines appear over the websocket and the run ends `success`;
//      the dashboard reloads;
//   3. `/graphql?token=…`: GraphiQL renders, runs a query and a subscription with the token;
//   4. no request, websocket included, left the machine's loopback addresses; no request
//      failed (4xx/5xx) and no page threw.
//
// Env: PULSO_E2E_URL (e.g. http://127.0.0.1:18080), PULSO_E2E_TOKEN (an admin token);
// optional PULSO_E2E_CHROMIUM (default /usr/bin/chromium), PULSO_E2E_OUT (screenshots;
// default <repo>/target/e2e), PULSO_E2E_RUN_TIMEOUT_SECS (default 120), PULSO_E2E_DEBUG=1.
// On a failure it saves failure.png of the page in use and exits 1.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const base = (process.env.PULSO_E2E_URL ?? '').replace(/\/+$/, '');
const token = process.env.PULSO_E2E_TOKEN ?? '';
const executablePath = process.env.PULSO_E2E_CHROMIUM ?? '/usr/bin/chromium';
const out = process.env.PULSO_E2E_OUT ?? fileURLToPath(new URL('../../target/e2e/', import.meta.url));
const runTimeout = Number(process.env.PULSO_E2E_RUN_TIMEOUT_SECS ?? 120) * 1000;

if (!base || !token) {
  console.error('e2e: set PULSO_E2E_URL (e.g. http://127.0.0.1:18080) and PULSO_E2E_TOKEN (an admin token)');
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const started = Date.now();
const log = (message) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

class Failure extends Error {}
function check(condition, message) {
  if (!condition) throw new Failure(message);
}

// Everything the pages request must stay on this machine.
const offHost = [];
function isLoopback(url) {
  let host;
  try {
    host = new URL(url).hostname;
  } catch {
    return true; // data:, blob: and the like
  }
  if (!host) return true;
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
function watch(page, label) {
  page.on('request', (request) => {
    const url = request.url();
    if (/^(data|blob|about|chrome|chrome-extension|devtools):/.test(url)) return;
    if (!isLoopback(url)) offHost.push(`${label}: ${request.method()} ${url}`);
  });
  page.on('websocket', (socket) => {
    if (!isLoopback(socket.url())) offHost.push(`${label}: websocket ${socket.url()}`);
  });
  page.on('pageerror', (error) => pageErrors.push(`${label}: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400) httpErrors.push(`${label}: ${response.status()} ${response.request().method()} ${response.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${label}: ${message.text()}`);
  });
}
const pageErrors = [];
const consoleErrors = [];
const httpErrors = [];

// The page in use, for a screenshot when a step fails.
let current = null;

async function dashboard(context) {
  const page = await context.newPage();
  current = page;
  watch(page, 'app');
  log(`open ${base}/?token=…`);
  await page.goto(`${base}/?token=${encodeURIComponent(token)}`, { waitUntil: 'domcontentloaded' });

  // The first load after a fresh start may still be running: the app follows it and reloads.
  const rows = page.getByTestId('dashboard-row');
  await rows.first().waitFor({ state: 'visible', timeout: 180_000 }).catch(async () => {
    const shown = await page.locator('main, form').first().innerText().catch(() => '(nothing)');
    throw new Failure(`the dashboard table never showed a row within 180 s; the page shows:\n${shown}`);
  });
  const total = page.getByTestId('dashboard-total');
  await total.waitFor({ state: 'visible', timeout: 10_000 });
  const rowCount = await rows.count();
  check(rowCount >= 1, 'no dashboard-row');
  check((await page.getByTestId('dashboard-table').locator('tfoot [data-testid=dashboard-total]').count()) === 1, 'the total row is not the table footer');
  log(`dashboard: ${rowCount} row(s) + total "${(await total.innerText()).replace(/\s+/g, ' ').slice(0, 80)}…"`);

  check(!new URL(page.url()).searchParams.has('token'), 'the token stayed in the address bar');
  check((await page.evaluate(() => window.localStorage.getItem('pulso.token'))) === token, 'the token was not kept in localStorage under pulso.token');

  // A forced refresh, followed live.
  await page.getByTestId('refresh-force').check();
  await page.getByTestId('refresh-button').click();
  log('refresh clicked');
  const lines = page.getByTestId('progress-line');
  await lines.first().waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {
    throw new Failure('no progress-line appeared within 30 s of clicking refresh');
  });
  log(`progress: ${await lines.count()} line(s), first: "${(await lines.first().innerText()).replace(/\s+/g, ' ')}"`);
  const runState = page.getByTestId('run-state');
  await page
    .locator('[data-testid=run-state][data-finished=true]')
    .waitFor({ state: 'attached', timeout: runTimeout })
    .catch(async () => {
      const state = await runState.innerText().catch(() => '(no run-state)');
      throw new Failure(`the run did not finish within ${runTimeout / 1000} s; run-state: ${state}`);
    });
  const status = await runState.getAttribute('data-status');
  const lineTexts = (await lines.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
  log(`run-state: "${(await runState.innerText()).replace(/\s+/g, ' ')}"`);
  for (const text of lineTexts) log(`  ${text}`);
  check(status === 'success', `the run finished "${status}", not "success"`);
  check((await runState.innerText()).includes('success'), 'run-state does not say success');
  check(lineTexts.length >= 1, 'no progress-line after the run');
  const loaded = lineTexts.filter((t) => /\bsuccess\b/.test(t));
  check(loaded.length >= 1, 'no table line ended success');

  // The dashboard reloads after the run; it must still show its rows.
  await page.waitForTimeout(500);
  await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
  await total.waitFor({ state: 'visible', timeout: 30_000 });
  log(`dashboard after the run: ${await rows.count()} row(s)`);

  await page.screenshot({ path: join(out, 'dashboard.png'), fullPage: true });
  log(`screenshot ${join(out, 'dashboard.png')}`);
  await page.close();
}

async function graphiql(context) {
  const page = await context.newPage();
  current = page;
  watch(page, 'graphiql');
  log(`open ${base}/graphql?token=…`);
  const introspection = page.waitForResponse(
    (response) => response.url().endsWith('/graphql') && response.request().method() === 'POST' && (response.request().postData() ?? '').includes('__schema'),
    { timeout: 60_000 },
  );
  await page.goto(`${base}/graphql?token=${encodeURIComponent(token)}`, { waitUntil: 'domcontentloaded' });
  await page.locator('.graphiql-container').waitFor({ state: 'visible', timeout: 60_000 }).catch(() => {
    throw new Failure('GraphiQL did not render (.graphiql-container) within 60 s');
  });
  const schema = await introspection.catch(() => null);
  check(schema !== null, 'GraphiQL sent no introspection query');
  const body = await schema.json();
  const introspectionError = JSON.stringify(body?.errors ?? body).slice(0, 300);
  check(
    body?.data?.__schema,
    /nested too deep/.test(introspectionError)
      ? `GraphiQL's introspection was refused: ${introspectionError}. GraphiQL sends graphql-js's standard introspection query, 15 levels deep: the server's api.max_depth must be at least 15 (or exempt introspection)`
      : `GraphiQL's introspection failed: ${introspectionError}`,
  );
  log('GraphiQL rendered and introspected the schema');

  // The headers editor is pre-filled with the page's token.
  await page.getByText('Headers', { exact: true }).first().click().catch(() => {});
  await page
    .waitForFunction(
      (prefix) => {
        const lines = document.querySelector('.monaco-editor[data-uri$="request-headers.json"] .view-lines');
        return (lines?.textContent ?? '').replace(/\u00a0/g, ' ').includes(prefix);
      },
      `"Authorization": "Bearer ${token.slice(0, 16)}`,
      { timeout: 15_000 },
    )
    .catch(() => {
      throw new Failure('the headers editor does not hold {"Authorization": "Bearer <the page\'s token>"}');
    });
  log('headers editor holds the bearer token');

  // Run a query, then a subscription over graphql-ws, through GraphiQL's own fetcher.
  // (Monaco renders spaces as U+00A0: normalise before matching.)
  const responseText = async () =>
    (await page.locator('.graphiql-response').innerText().catch(() => '')).replace(/\u00a0/g, ' ');
  const runQuery = async (text, expect, timeout) => {
    const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
    await editor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
    // GraphiQL takes the editor's text after a debounce: clicking at once would run the old one.
    await page.waitForTimeout(750);
    if (process.env.PULSO_E2E_DEBUG) log(`query editor: ${(await page.locator('.graphiql-query-editor .view-lines').innerText()).replace(/\u00a0/g, ' ')}`);
    await page.locator('.graphiql-execute-button').click();
    const deadline = Date.now() + timeout;
    let result = '';
    while (Date.now() < deadline) {
      result = await responseText();
      if (expect.test(result)) return result;
      await page.waitForTimeout(200);
    }
    throw new Failure(`GraphiQL: ${JSON.stringify(text)} did not answer ${expect} within ${timeout / 1000} s; response: ${result.slice(0, 400) || '(none)'}`);
  };
  const status = await runQuery('query { etlStatus { lastRun { runId status } } }', /"status": "success"/, 20_000);
  const runId = /"runId": "([0-9a-f-]{36})"/.exec(status)?.[1];
  check(runId, `no runId in GraphiQL's etlStatus response: ${status.slice(0, 300)}`);
  log(`GraphiQL query ok (last run ${runId})`);
  // A finished run's subscription replays its recorded state and ends with run_finished.
  await runQuery(`subscription { etlProgress(runId: "${runId}") { kind status } }`, /"kind": "run_finished"/, 20_000);
  log('GraphiQL subscription over graphql-ws ok');

  await page.screenshot({ path: join(out, 'graphiql.png') });
  log(`screenshot ${join(out, 'graphiql.png')}`);
  await page.close();
}

let browser;
let failed = null;
try {
  browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await dashboard(context);
  await graphiql(context);
  check(offHost.length === 0, `requests left the machine:\n  ${offHost.join('\n  ')}`);
  check(pageErrors.length === 0, `uncaught errors in the pages:\n  ${pageErrors.join('\n  ')}`);
  check(httpErrors.length === 0, `requests failed:\n  ${httpErrors.join('\n  ')}`);
} catch (error) {
  failed = error;
  if (current && !current.isClosed()) {
    const path = join(out, 'failure.png');
    await current.screenshot({ path, fullPage: true }).then(() => console.error(`e2e: screenshot of the failing page: ${path}`)).catch(() => {});
  }
} finally {
  await browser?.close().catch(() => {});
}

if (consoleErrors.length > 0) {
  log(`console errors (not fatal):\n  ${consoleErrors.join('\n  ')}`);
}
if (failed) {
  console.error(`e2e: FAILED: ${failed instanceof Failure ? failed.message : failed.stack ?? failed}`);
  console.error('e2e: 0 passed, 1 failed');
  process.exit(1);
}
log(`ok: dashboard, live refresh and GraphiQL; ${offHost.length} off-host requests`);
console.log('e2e: 1 passed, 0 failed');
