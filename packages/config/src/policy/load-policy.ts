import { resolve } from 'node:path';
import { DEFAULT_POLICY, type Policy } from '@budgetwatch/domain';
import { ConfigError, type ConfigIssue } from '../config-error.js';
import { readValidatedYamlFile } from '../validated-yaml-file.js';
import { latencyThresholdsOf, policySchema, toPolicy } from './policy-schema.js';

export interface LoadPolicyOptions {
  /** The policy file; without one, the four playbook rules apply. */
  file?: string;
  cwd?: string;
  /** What the ingest worker counts (ingest.latencyThresholdsMs): latency rules must use these. */
  latencyThresholdsMs: readonly number[];
}

/** Reads and validates the rules file; every problem is reported with file, line, field and reason. */
export function loadPolicy(options: LoadPolicyOptions): { policy: Policy; file?: string } {
  if (options.file === undefined) {
    checkLatencyThresholds(DEFAULT_POLICY, options.latencyThresholdsMs, undefined);
    return { policy: DEFAULT_POLICY };
  }
  const path = resolve(options.cwd ?? '.', options.file);
  const policy = toPolicy(readValidatedYamlFile(path, 'a mapping with a rules list', policySchema));
  checkLatencyThresholds(policy, options.latencyThresholdsMs, path);
  return { policy, file: path };
}

function checkLatencyThresholds(policy: Policy, counted: readonly number[], file: string | undefined): void {
  const missing = latencyThresholdsOf(policy).filter((ms) => !counted.includes(ms));
  if (missing.length === 0) return;
  const issue: ConfigIssue = {
    source: file === undefined ? { kind: 'default' } : { kind: 'file', file },
    path: 'ingest.latencyThresholdsMs',
    reason: `the policy decides on calls slower than ${missing.join(', ')} ms: add them (now ${JSON.stringify(counted)})`,
  };
  throw new ConfigError([issue]);
}
