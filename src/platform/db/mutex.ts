/** One holder at a time, in arrival order: PGlite is a single connection. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Waits for the lock and returns the function that releases it. */
  acquire(): Promise<() => void> {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }
}
