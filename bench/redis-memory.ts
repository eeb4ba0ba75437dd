/** Redis's used_memory, bytes: what a bench step adds is the difference before and after it. */
export async function usedMemory(redis: { info(section: string): Promise<string> }): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}
