// The dashboard's calls to the JSON API, with the tokens the operator gave for this tab: the read
// token for every GET when the API asks for one, the API (write) token for silences.

/** Where the tokens are kept for this tab (sessionStorage: gone when the tab closes). */
const READ_TOKEN_KEY = 'budgetwatch.readToken';
const WRITE_TOKEN_KEY = 'budgetwatch.writeToken';

export class TokenRequired extends Error {}

/** An answer the API refused (4xx), with its message. */
export class ApiRefused extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function askForToken(form, refused) {
  document.getElementById(`${form}-refused`).hidden = !refused;
  document.getElementById(`${form}-form`).hidden = false;
}

/** When the operator gives a token in `form`: kept for the tab, then `then()` runs. */
function takeTokenFrom(form, input, key, then) {
  document.getElementById(`${form}-form`).addEventListener('submit', (event) => {
    event.preventDefault();
    const field = document.getElementById(input);
    sessionStorage.setItem(key, field.value);
    field.value = '';
    document.getElementById(`${form}-form`).hidden = true;
    then();
  });
}

export function onReadToken(then) {
  takeTokenFrom('token', 'token', READ_TOKEN_KEY, then);
}

export function onWriteToken(then) {
  takeTokenFrom('write-token', 'write-token', WRITE_TOKEN_KEY, then);
}

async function refusal(response, path) {
  let message = `${path}: HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (typeof body.error === 'string') message = body.error;
  } catch {
    // Not JSON: the status says enough.
  }
  return new ApiRefused(response.status, message);
}

/**
 * GETs JSON from the API, with the read token when one was given. A 401 asks for the token
 * (again): the form is shown, and nothing refreshes until it is given. `optional`: a 404 answers
 * null (a route this API may not have, or a server not in the inventory).
 */
export async function getJson(path, { optional = false } = {}) {
  const token = sessionStorage.getItem(READ_TOKEN_KEY);
  const headers = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { headers });
  if (response.status === 401) {
    sessionStorage.removeItem(READ_TOKEN_KEY);
    askForToken('token', token !== null);
    throw new TokenRequired('the read token is required');
  }
  if (optional && response.status === 404) return null;
  if (!response.ok) throw await refusal(response, path);
  return response.json();
}

/**
 * POSTs or DELETEs with the API (write) token. Without one, or when it is refused, the token form
 * is shown and TokenRequired thrown: the operator gives it and tries again.
 */
export async function send(method, path, body) {
  const token = sessionStorage.getItem(WRITE_TOKEN_KEY);
  if (token === null) {
    askForToken('write-token', false);
    throw new TokenRequired('the API token is required');
  }
  const headers = { accept: 'application/json', authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) {
    sessionStorage.removeItem(WRITE_TOKEN_KEY);
    askForToken('write-token', true);
    throw new TokenRequired('the API token was refused');
  }
  if (!response.ok) throw await refusal(response, path);
  return response.json();
}
