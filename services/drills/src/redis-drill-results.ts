import type { DrillScenarioName } from '@budgetwatch/domain';
import type { RedisClient } from '@budgetwatch/redis';

export interface DrillPass {
  scenario: DrillScenarioName;
  runId: string;
  passedAt: string;
  /**
   * The drill engaged the kill switch, saw a guard block a call with it and released it
   * (`--kill-switch`); absent in records of drills before this field.
   */
  killSwitchVerified?: boolean;
}

/**
 * The last passed drill of each server, in one Redis hash (`<prefix>drills:passed`): what the
 * inventory check and the CRS read as the kill switch's last test.
 */
export class RedisDrillResults {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(): string {
    return `${this.prefix}drills:passed`;
  }

  async recordPass(server: string, pass: DrillPass): Promise<void> {
    await this.redis.hset(this.key(), server, JSON.stringify(pass));
  }

  async lastPasses(): Promise<Map<string, DrillPass>> {
    const hash = await this.redis.hgetall(this.key());
    return new Map(Object.entries(hash).map(([server, text]) => [server, JSON.parse(text) as DrillPass]));
  }

  /** Server id -> time of its last passed drill, for withDrillPasses. */
  async passTimes(): Promise<Map<string, string>> {
    return new Map([...(await this.lastPasses())].map(([server, pass]) => [server, pass.passedAt]));
  }
}
