/**
 * The notifier's Redis keys. One server's pending events, incident, notices and lock share the hash tag
 * `{<server key>}` (one cluster slot, so they change together in MULTI); the due index, the log
 * and the silences are keys of their own.
 */
export class NotifierKeys {
  constructor(private readonly prefix: string) {}

  pending(serverKey: string): string {
    return `${this.prefix}n:{${serverKey}}:pending`;
  }

  incident(serverKey: string): string {
    return `${this.prefix}n:{${serverKey}}:incident`;
  }

  /** The server's rollout notices still being delivered (JSON), beside its incident. */
  notices(serverKey: string): string {
    return `${this.prefix}n:{${serverKey}}:notices`;
  }

  lock(serverKey: string): string {
    return `${this.prefix}n:{${serverKey}}:lock`;
  }

  /** Sorted set: server key -> when it next needs a dispatch (group wait over, repeat, retry). */
  due(): string {
    return `${this.prefix}n:due`;
  }

  /** The notification log of one event (or repeat notification): channel -> outcome. */
  log(id: string): string {
    return `${this.prefix}n:log:{${id}}`;
  }

  silences(): string {
    return `${this.prefix}n:silences`;
  }
}
