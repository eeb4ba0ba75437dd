import { userInfo } from 'node:os';
import { loadConfig } from '@budgetwatch/config';
import { displayText } from '@budgetwatch/domain';
import type { DecisionSubject } from '@budgetwatch/events';
import { ExitCode } from '../exit-codes.js';
import { FREE_TEXT_DISPLAY_LENGTH, terminalJson } from '../terminal-text.js';

/** One operator control as the API takes it (docs/contract.md, "Operator controls"). */
export interface ControlRequest {
  method: 'POST' | 'DELETE';
  /** Under /api/v1/decisions/. */
  path: 'kill-switch' | 'freeze' | 'lift';
  body: Record<string, unknown>;
  /** What was done, for the line printed on success. */
  done: string;
}

export interface ControlCommandOptions {
  reason: string;
  actor?: string;
  /** The API's base URL; default from http.host and http.port. */
  api?: string;
  json: boolean;
}

/** How long the CLI waits for the API's answer. */
const REQUEST_TIMEOUT_MS = 10_000;

/** `SERVER` or `SERVER/TOOL`: the first `/` ends the server id (a tool's name may hold more). */
export function parseSubject(text: string): DecisionSubject {
  const slash = text.indexOf('/');
  if (slash === -1) return { server: text, tool: null };
  return { server: text.slice(0, slash), tool: text.slice(slash + 1) };
}

/** Who acts, when --actor is not given: the OS user. */
export function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** What became of one operator control sent to the API. */
export type ControlAnswer =
  | { kind: 'published'; eventId: string; answer: Record<string, unknown> }
  /** The API answered, and not with a published event: `message` says why, with a hint. */
  | { kind: 'refused'; status: number; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'bad-url'; message: string };

/**
 * Sends one operator control to the API with the write token (BUDGETWATCH_API_TOKEN). The API
 * validates; its 4xx message is kept as it says it, with a hint for a token problem.
 */
export async function requestControl(
  control: Pick<ControlRequest, 'method' | 'path' | 'body'>,
  base: string,
  token: string | undefined,
): Promise<ControlAnswer> {
  let url: URL;
  try {
    url = new URL(`/api/v1/decisions/${control.path}`, base);
  } catch {
    return { kind: 'bad-url', message: `--api ${displayText(base)} is not a URL` };
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: control.method,
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify(control.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    // fetch says "fetch failed"; its cause says why (ECONNREFUSED, a timeout...).
    const { cause } = error as { cause?: { code?: string; message?: string } };
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    return {
      kind: 'unreachable',
      message: `the API at ${displayText(url.origin)} is unreachable (${displayText(why)}): is it running? (--api URL)`,
    };
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 202 && typeof answer.eventId === 'string') {
    return { kind: 'published', eventId: answer.eventId, answer };
  }
  const message = typeof answer.error === 'string' ? answer.error : response.statusText;
  const hint =
    response.status === 401 || response.status === 403
      ? token === undefined
        ? ' (set BUDGETWATCH_API_TOKEN to the API token)'
        : ' (check BUDGETWATCH_API_TOKEN)'
      : '';
  return {
    kind: 'refused',
    status: response.status,
    message: `the API refused (${response.status}): ${displayText(message, FREE_TEXT_DISPLAY_LENGTH)}${hint}`,
  };
}

/** Sends one operator control (requestControl) and prints the published event's id. */
export async function sendControl(
  control: ControlRequest,
  options: ControlCommandOptions,
  configFile: string | undefined,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): Promise<ExitCode> {
  const { config } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const base = options.api ?? defaultApiUrl(config.http.host, config.http.port);
  const answer = await requestControl(
    {
      ...control,
      body: { ...control.body, reason: options.reason, actor: options.actor ?? defaultActor() },
    },
    base,
    config.http.apiToken,
  );
  if (answer.kind === 'published') {
    io.out.write(
      options.json
        ? `${terminalJson(answer.answer)}\n`
        : `${control.done}: event ${displayText(answer.eventId, FREE_TEXT_DISPLAY_LENGTH)}\n`,
    );
    return ExitCode.ok;
  }
  io.err.write(`budgetwatch: ${answer.message}\n`);
  if (answer.kind === 'bad-url') return ExitCode.usage;
  if (answer.kind === 'unreachable') return ExitCode.failure;
  return answer.status >= 400 && answer.status < 500 ? ExitCode.usage : ExitCode.failure;
}

/** The API as this host reaches it: a wildcard listen address is reached on loopback. */
export function defaultApiUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
