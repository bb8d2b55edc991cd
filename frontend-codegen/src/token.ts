// The API's bearer token: taken from `?token=…` (then kept in localStorage and removed from
// the address bar) or from localStorage. Shared by the dashboard app and GraphiQL.

export const TOKEN_KEY = 'pulso.token';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The token from the URL (stored for next time) or from localStorage, if any. */
export function initialToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token')?.trim();
  if (fromUrl) {
    storage()?.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage()?.getItem(TOKEN_KEY) || null;
}

export function saveToken(token: string): void {
  storage()?.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  storage()?.removeItem(TOKEN_KEY);
}

export function authorization(token: string): string {
  return `Bearer ${token}`;
}

/** `ws://host/graphql/ws` or `wss://…`, on the page's own host. */
export function websocketUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/graphql/ws`;
}
