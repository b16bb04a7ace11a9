// The page's only way to the server: GraphQL at /graphql, as the /admin session of this browser. The
// token is exchanged for that session at sign-in and never kept here: the session lives in an HttpOnly
// cookie that this script cannot read and other sites' pages never send.

/** Exchanges a token for a session (the cookie is set by the answer); throws with the refusal's message. */
export async function startSession(token) {
  const res = await fetch('/admin/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ token }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message ?? `/admin/session answered ${res.status}`);
  return body;
}

/** Who this browser is signed in as, or null. */
export async function currentSession() {
  const res = await fetch('/admin/session', { credentials: 'same-origin' });
  return res.ok ? res.json() : null;
}

export async function endSession() {
  await fetch('/admin/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
}

/** An answer of /graphql that carries errors: the first one's message, and its code (FORBIDDEN, ...). */
export class GraphqlError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.code = errors[0]?.extensions?.code;
  }
}

/** Runs a query or mutation; throws GraphqlError (refusals, bad input) or Error (network, 5xx). */
export async function gql(query, variables = {}) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await res.json();
  } catch {
    throw new Error(`/graphql answered ${res.status} ${res.statusText}`);
  }
  if (body.errors?.length) throw new GraphqlError(body.errors);
  if (!res.ok) throw new Error(`/graphql answered ${res.status} ${res.statusText}`);
  return body.data;
}
