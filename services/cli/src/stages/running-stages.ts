/** A stage running in this process, stopped in the reverse order of starting. */
export interface RunningStage {
  name: string;
  stop(): Promise<void>;
}

/** The stages of one process; stopping stops the last started first (the API before ingest...). */
export class RunningStages {
  private readonly stages: RunningStage[] = [];

  add(name: string, stop: () => Promise<void>): void {
    this.stages.push({ name, stop });
  }

  async stopAll(onError: (stage: string, error: unknown) => void): Promise<void> {
    for (const stage of [...this.stages].reverse()) {
      try {
        await stage.stop();
      } catch (error) {
        onError(stage.name, error);
      }
    }
    this.stages.length = 0;
  }
}
