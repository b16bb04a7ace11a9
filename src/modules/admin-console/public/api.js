// The page's only way to the server: GraphQL at /graphql with the token of this tab.

const TOKEN_KEY = 'ccat_admin_token';
// The cookie Bull Board (/admin/queues) reads; the page itself sends the token as a header.
const COOKIE = 'ccat_admin_token';

export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${COOKIE}=${encodeURIComponent(token)}; path=/admin; SameSite=Strict${secure}`;
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  document.cookie = `${COOKIE}=; path=/admin; SameSite=Strict; Max-Age=0`;
}

/** An answer of /graphql that carries errors: the first one's message, and its code (FORBIDDEN, ...). */
export class GraphqlError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join('; '));
    this.code = errors[0]?.extensions?.code;
  }
}

/** Runs a query or mutation; throws GraphqlError (refusals, bad input) or Error (network, 5xx). */
export async function gql(query, variables = {}, token = storedToken()) {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
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
