// GraphiQL for the Pulso API, bundled with its CSS and Monaco workers so that it works
// offline. Queries and mutations go to POST /graphql, subscriptions to /graphql/ws (graphql-ws),
// both with the bearer token from `?token=…` or localStorage (the dashboard app's).

import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';

import { authorization, initialToken, websocketUrl } from './token';

const token = initialToken();
const pageAuthorization = token ? authorization(token) : null;
const headers: Record<string, string> = pageAuthorization ? { Authorization: pageAuthorization } : {};

// One fetcher per Authorization value: the page's token by default, or whatever the headers
// editor says, so that a token pasted there authenticates subscriptions too (graphql-ws sends
// it in connection_init, as the server expects).
const fetchers = new Map<string, Fetcher>();
function fetcherFor(auth: string | null): Fetcher {
  const key = auth ?? '';
  let fetcher = fetchers.get(key);
  if (!fetcher) {
    fetcher = createGraphiQLFetcher({
      url: '/graphql',
      subscriptionUrl: websocketUrl(),
      headers: auth ? { Authorization: auth } : {},
      ...(auth ? { wsConnectionParams: { Authorization: auth } } : {}),
    });
    fetchers.set(key, fetcher);
  }
  return fetcher;
}

function editorAuthorization(editorHeaders: Record<string, unknown> | undefined): string | null {
  const entry = Object.entries(editorHeaders ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  return typeof entry?.[1] === 'string' && entry[1].trim() ? entry[1].trim() : null;
}

const fetcher: Fetcher = (params, options) =>
  fetcherFor(editorAuthorization(options?.headers) ?? pageAuthorization)(params, options);

const headersText = token ? JSON.stringify(headers, null, 2) : '';

const defaultQuery = `# Pulso GraphQL API. Every request needs a bearer token: open this page with
# ?token=… (from \`pulso token --role admin\`), or put {"Authorization": "Bearer …"} in the
# Headers tab below (it authenticates subscriptions too).

query Dashboard {
  dashboard(dimensions: [cartera]) {
    segmentoData { id name cuentas deudaAsig contacto cierre inten }
    total { cuentas deudaAsig contacto cierre inten }
  }
}

query EtlStatus {
  etlStatus { activeRunId lastRun { runId status } tables { tableName status } }
}

# Start a refresh (admin), then follow it with EtlProgress and its runId.
mutation Refresh {
  refreshDashboard(force: false) { runId alreadyRunning }
}

subscription EtlProgress($runId: ID!) {
  etlProgress(runId: $runId) { kind table stage status rows rowsTotal rowsPerSecond durationSeconds error }
}
`;

const root = document.getElementById('graphiql');
if (!root) {
  throw new Error('no #graphiql element');
}
createRoot(root).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={defaultQuery}
      initialHeaders={headersText}
      defaultHeaders={headersText}
      shouldPersistHeaders={false}
    />
  </StrictMode>,
);
