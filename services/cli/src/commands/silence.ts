import { loadConfig } from '@budgetwatch/config';
import { displayText, type Tier } from '@budgetwatch/domain';
import { RedisSilenceStore, SilenceError } from '@budgetwatch/notifier';
import { connectRedis, createRedis } from '@budgetwatch/redis';
import { ExitCode } from '../exit-codes.js';
import { FREE_TEXT_DISPLAY_LENGTH, terminalJson } from '../terminal-text.js';
import { requireConnections } from './require-connections.js';

export interface CreateSilenceOptions {
  server?: string;
  tool?: string;
  rule?: string;
  tier?: Tier;
  durationMs: number;
  author: string;
  comment: string;
  json: boolean;
}

/** Opens the silence store on the configured Redis for one command. */
async function withSilences<T>(
  configFile: string | undefined,
  use: (silences: RedisSilenceStore) => Promise<T>,
): Promise<T> {
  const { config: loaded } = loadConfig(configFile === undefined ? {} : { file: configFile });
  const config = requireConnections(loaded, 'silence', ['redis']);
  const redis = createRedis(config.redis, 'budgetwatch-silence');
  try {
    await connectRedis(redis);
    return await use(new RedisSilenceStore(redis, config.redis.keyPrefix));
  } finally {
    redis.disconnect();
  }
}

export async function createSilence(
  options: CreateSilenceOptions,
  configFile: string | undefined,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): Promise<ExitCode> {
  return withSilences(configFile, async (silences) => {
    try {
      const silence = await silences.create({
        matchers: { server: options.server, tool: options.tool, rule: options.rule, tier: options.tier },
        endsAt: new Date(Date.now() + options.durationMs).toISOString(),
        createdBy: options.author,
        comment: options.comment,
      });
      io.out.write(
        options.json ? `${terminalJson(silence)}\n` : `${silence.id} active until ${silence.endsAt}\n`,
      );
      return ExitCode.ok;
    } catch (error) {
      if (!(error instanceof SilenceError)) throw error;
      io.err.write(`budgetwatch: ${error.message}\n`);
      return ExitCode.usage;
    }
  });
}

export async function listSilences(
  options: { json: boolean },
  configFile: string | undefined,
  out: NodeJS.WritableStream,
): Promise<ExitCode> {
  return withSilences(configFile, async (silences) => {
    const all = await silences.list();
    if (options.json) {
      out.write(`${terminalJson(all)}\n`);
      return ExitCode.ok;
    }
    if (all.length === 0) {
      out.write('no silences\n');
      return ExitCode.ok;
    }
    for (const silence of all) {
      const matchers = Object.entries(silence.matchers)
        .map(([name, value]) => `${name}=${typeof value === 'string' ? `"${displayText(value)}"` : value}`)
        .join(' ');
      out.write(
        `${silence.id}  ${silence.state.padEnd(7)}  until ${silence.endsAt}  ${matchers}  by ${displayText(silence.createdBy)}: ${displayText(silence.comment, FREE_TEXT_DISPLAY_LENGTH)}\n`,
      );
    }
    return ExitCode.ok;
  });
}

export async function expireSilence(
  id: string,
  configFile: string | undefined,
  io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream },
): Promise<ExitCode> {
  return withSilences(configFile, async (silences) => {
    try {
      const silence = await silences.expire(id);
      io.out.write(`${silence.id} expired at ${silence.endsAt}\n`);
      return ExitCode.ok;
    } catch (error) {
      if (!(error instanceof SilenceError)) throw error;
      io.err.write(`budgetwatch: ${error.message}\n`);
      return ExitCode.failure;
    }
  });
}
