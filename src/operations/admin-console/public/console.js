// The admin console: sign in with a token, then every panel refreshes itself every few seconds.
import { currentSession, endSession, startSession } from './api.js';
import { byTestId } from './dom.js';
import { forgetRefusals, refreshFailures } from './failures.js';
import { refreshHistory } from './history.js';
import { refreshOverview } from './overview.js';
import { refreshQueues } from './queues.js';
import { setUpSearch } from './search.js';
import { refreshSites } from './sites.js';

// ?refresh=2 for a faster wall screen; never below a second, whatever the URL says.
const REFRESH_MS = Math.max(1, Number(new URLSearchParams(location.search).get('refresh')) || 5) * 1000;
const PANELS = [refreshOverview, refreshHistory, refreshSites, refreshFailures, refreshQueues];

let timer = null;
let signedIn = false;

async function refresh() {
  clearTimeout(timer);
  const results = await Promise.allSettled(PANELS.map((panel) => panel()));
  const failure = results.find((r) => r.status === 'rejected')?.reason;
  if (failure?.code === 'UNAUTHENTICATED') {
    // Revoked or expired while the page was open.
    void signOut(`Signed out: ${failure.message}`);
    return;
  }
  const banner = byTestId('refresh-error');
  banner.hidden = !failure;
  banner.textContent = failure ? `Could not refresh: ${failure.message}` : '';
  if (signedIn) timer = setTimeout(refresh, REFRESH_MS);
}

function showConsole(on) {
  signedIn = on;
  byTestId('sign-in-panel').hidden = on;
  byTestId('console').hidden = !on;
  byTestId('session').hidden = !on;
}

async function signIn(event) {
  event.preventDefault();
  const input = byTestId('token-input');
  const error = byTestId('sign-in-error');
  const token = input.value.trim();
  error.textContent = '';
  try {
    // The server checks the token and keeps it; this page keeps only the session cookie it sets.
    await startSession(token);
  } catch (err) {
    error.textContent = `Sign-in refused: ${err.message}`;
    return;
  }
  input.value = '';
  showConsole(true);
  await refresh();
}

async function signOut(message = '') {
  clearTimeout(timer);
  signedIn = false;
  // The sign-in panel shows only once the server has ended the session: a page that says "signed out"
  // while its cookie still opens /admin/queues would be lying.
  await endSession();
  forgetRefusals();
  showConsole(false);
  byTestId('sign-in-error').textContent = message;
  byTestId('token-input').focus();
}

byTestId('sign-in-form').addEventListener('submit', (event) => void signIn(event));
byTestId('sign-out').addEventListener('click', () => void signOut());
byTestId('refresh-now').addEventListener('click', () => void refresh());
setUpSearch();
currentSession().then(
  (session) => {
    showConsole(!!session);
    if (session) void refresh();
  },
  () => showConsole(false),
);
