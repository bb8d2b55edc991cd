import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';

import { ApiError, subscriptionClient } from './api';
import { Dashboard } from './Dashboard';
import { EtlPanel } from './EtlPanel';
import { forgetToken, initialToken, saveToken } from './token';

export function App() {
  const [token, setToken] = useState<string | null>(() => initialToken());
  const [tokenProblem, setTokenProblem] = useState<string | null>(null);
  // Bumped when a run finishes, so the dashboard reloads.
  const [generation, setGeneration] = useState(0);

  const client = useMemo(() => (token ? subscriptionClient(token) : null), [token]);
  useEffect(() => () => void client?.dispose(), [client]);

  const onApiError = useCallback((error: ApiError) => {
    if (error.unauthenticated) {
      forgetToken();
      setToken(null);
      setTokenProblem(`The token was rejected (${error.message}). Paste a valid one.`);
    }
  }, []);

  const acceptToken = (value: string) => {
    saveToken(value);
    setTokenProblem(null);
    setToken(value);
  };

  return (
    <div className="app">
      <header className="app-header">
        <h1>Pulso</h1>
        <nav>
          <a href="/graphql">GraphiQL</a>
          {token && (
            <button
              type="button"
              className="link"
              onClick={() => {
                forgetToken();
                setToken(null);
              }}
            >
              Forget token
            </button>
          )}
        </nav>
      </header>
      {token && client ? (
        <main>
          <Dashboard token={token} generation={generation} onApiError={onApiError} />
          <EtlPanel
            token={token}
            client={client}
            onApiError={onApiError}
            onRunFinished={() => setGeneration((g) => g + 1)}
          />
        </main>
      ) : (
        <TokenForm problem={tokenProblem} onToken={acceptToken} />
      )}
    </div>
  );
}

function TokenForm({ problem, onToken }: { problem: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const token = value.trim().replace(/^Bearer\s+/i, '');
    if (token) {
      onToken(token);
    }
  };
  return (
    <form className="token-form" onSubmit={submit} data-testid="token-form">
      <h2>API token</h2>
      <p>
        The API needs a bearer token. Mint one with <code>pulso token --role admin</code> (or{' '}
        <code>--role viewer</code> for read-only) and paste it here, or open this page with{' '}
        <code>?token=…</code>.
      </p>
      {problem && <p className="error">{problem}</p>}
      <input
        data-testid="token-input"
        type="password"
        autoComplete="off"
        placeholder="eyJhbGciOiJIUzI1NiIs…"
        value={value}
        onChange={(event) => setValue(event.target.value)}
      />
      <button type="submit">Use token</button>
    </form>
  );
}
