// The dashboard: plain DOM over the JSON API, refreshed every few seconds; no build step. Two
// pages by the URL's hash: the overview (#/) and a server's page (#/server/<name>).
// Names come from spans: each is shown through displayText, the module the renderers in Node run
// (served as it is by the API), and set as text, never as markup.
import { onReadToken, onWriteToken, TokenRequired } from './api.js';
import { refreshOverview } from './overview.js';

const REFRESH_MS = 5000;

/** The server a `#/server/<name>` hash names; null for the overview. */
function serverOfHash() {
  const match = /^#\/server\/(.+)$/.exec(location.hash);
  if (match === null) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

let timer;
async function refresh() {
  clearTimeout(timer);
  const server = serverOfHash();
  document.getElementById('overview').hidden = server !== null;
  document.getElementById('server-page').hidden = server === null;
  try {
    if (server === null) await refreshOverview();
    // The server page and its charting library load only when a server page is shown.
    else await (await import('./server-page.js')).refreshServer(server);
  } catch (error) {
    // Without the token, nothing refreshes until the form gives one.
    if (error instanceof TokenRequired) {
      document.getElementById('summary').textContent = 'waiting for the read token';
      return;
    }
    document.getElementById('summary').textContent = `cannot reach the API: ${error.message}`;
  }
  timer = setTimeout(refresh, REFRESH_MS);
}

onReadToken(() => void refresh());
onWriteToken(() => void refresh());
addEventListener('hashchange', () => {
  scrollTo(0, 0);
  void refresh();
});
void refresh();
