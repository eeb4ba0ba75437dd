import { readFileSync } from 'node:fs';

/** Resident memory of a live process in MiB, from /proc (Linux); undefined once it has gone. */
export function residentMemoryMiB(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kib === undefined ? undefined : Number(kib) / 1024;
}
