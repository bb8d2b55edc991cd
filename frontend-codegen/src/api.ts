// A minimal typed GraphQL client over the generated documents: queries and mutations by
// POST /graphql, subscriptions over graphql-ws at /graphql/ws. Result and variable types come
// from src/generated/graphql.ts only.

import { getOperationAST, print, type GraphQLFormattedError } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';

import { authorization, websocketUrl } from './token';

/** A failed request: the API's messages and their stable `extensions.code`s. */
export class ApiError extends Error {
  readonly codes: readonly string[];

  constructor(message: string, codes: readonly string[] = []) {
    super(message);
    this.name = 'ApiError';
    this.codes = codes;
  }

  /** The token is missing, expired or invalid. */
  get unauthenticated(): boolean {
    return this.codes.includes('UNAUTHENTICATED');
  }
}

function fromErrors(errors: readonly GraphQLFormattedError[]): ApiError {
  const codes = errors.map((e) => String(e.extensions?.['code'] ?? 'UNKNOWN'));
  const message = errors.map((e, i) => `${codes[i]}: ${e.message}`).join('; ');
  return new ApiError(message, codes);
}

// print() once per document.
const printed = new WeakMap<object, string>();
function source(document: TypedDocumentNode<unknown, never>): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

function operationName(document: TypedDocumentNode<unknown, never>): string | undefined {
  return getOperationAST(document)?.name?.value;
}

interface GraphQLResult<R> {
  data?: R | null;
  errors?: readonly GraphQLFormattedError[];
}

/** Runs a query or mutation; rejects with an ApiError when the response carries errors. */
export async function execute<R, V extends Record<string, unknown>>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  token: string,
  signal?: AbortSignal,
): Promise<R> {
  const doc = document as TypedDocumentNode<unknown, never>;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
      Authorization: authorization(token),
    },
    body: JSON.stringify({ query: source(doc), variables, operationName: operationName(doc) }),
    signal: signal ?? null,
  });
  let body: GraphQLResult<R>;
  try {
    body = (await response.json()) as GraphQLResult<R>;
  } catch {
    throw new ApiError(`HTTP ${response.status} ${response.statusText}`);
  }
  if (body.errors?.length) {
    throw fromErrors(body.errors);
  }
  if (body.data == null) {
    throw new ApiError(`HTTP ${response.status}: no data`);
  }
  return body.data;
}

/** A graphql-ws client that authenticates in `connection_init`. */
export function subscriptionClient(token: string): Client {
  return createClient({
    url: websocketUrl(),
    connectionParams: { Authorization: authorization(token) },
    lazy: true,
    retryAttempts: 3,
  });
}

export interface Observer<R> {
  next(data: R): void;
  error(error: ApiError): void;
  complete(): void;
}

/** Subscribes; returns the function that unsubscribes. */
export function subscribe<R, V extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<R, V>,
  variables: V,
  observer: Observer<R>,
): () => void {
  const doc = document as TypedDocumentNode<unknown, never>;
  return client.subscribe<R>(
    { query: source(doc), variables, operationName: operationName(doc) ?? null },
    {
      next(result) {
        if (result.errors?.length) {
          observer.error(fromErrors(result.errors));
        } else if (result.data != null) {
          observer.next(result.data);
        }
      },
      error(error: unknown) {
        if (Array.isArray(error)) {
          observer.error(fromErrors(error as GraphQLFormattedError[]));
        } else if (error instanceof Error) {
          observer.error(new ApiError(error.message));
        } else if (error && typeof error === 'object' && 'code' in error) {
          // A CloseEvent.
          const close = error as { code: number; reason?: string };
          observer.error(new ApiError(`websocket closed (${close.code}${close.reason ? `: ${close.reason}` : ''})`));
        } else {
          observer.error(new ApiError(String(error)));
        }
      },
      complete() {
        observer.complete();
      },
    },
  );
}
