import type { Silence } from '@budgetwatch/alerting';
import { type SilenceRecords, SilenceStore } from '../silence-store.js';

class InMemorySilenceRecords implements SilenceRecords {
  private readonly silences = new Map<string, Silence>();

  async all(): Promise<Silence[]> {
    return [...this.silences.values()].map((silence) => structuredClone(silence));
  }

  async get(id: string): Promise<Silence | undefined> {
    const silence = this.silences.get(id);
    return silence === undefined ? undefined : structuredClone(silence);
  }

  async put(silence: Silence): Promise<void> {
    this.silences.set(silence.id, structuredClone(silence));
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.silences.delete(id);
  }
}

/** The silences of the all-in-one mode, kept in this process. */
export class InMemorySilenceStore extends SilenceStore {
  constructor(now: () => number = Date.now) {
    super(new InMemorySilenceRecords(), now);
  }
}
