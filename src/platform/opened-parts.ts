/**
 * What a composition root has opened (database, job queue, mail, listeners, the web server),
 * closed in the reverse order of opening, each once, the rest still closed if one fails. Serve,
 * the command line and tests all open through one and close through it.
 */
export class OpenedParts {
  private readonly closers: { name: string; close: () => Promise<unknown> | unknown }[] = [];

  /** Registers a part just opened; it will be closed before anything opened earlier. */
  add(name: string, close: () => Promise<unknown> | unknown): void {
    this.closers.push({ name, close });
  }

  async closeAll(): Promise<void> {
    let failure: Error | undefined;
    for (let part = this.closers.pop(); part; part = this.closers.pop()) {
      try {
        await part.close();
      } catch (e) {
        failure ??= new Error(`closing ${part.name} failed: ${(e as Error).message}`, { cause: e });
      }
    }
    if (failure) throw failure;
  }
}
