/**
 * A run that many callers may ask for at once (delivering due mail): one runs at a time, and
 * callers arriving during a run share the one run queued behind it, which starts after it and
 * so covers whatever they came about. A burst of asks costs two runs, not one run each: each run
 * ends by finding nothing more to do, and that last look is a query.
 */
export function oneRunAtATime<T>(run: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const running = run().finally(() => {
      if (current === running) current = undefined;
    });
    current = running;
    return running;
  };
  return () => {
    if (queued) return queued;
    if (!current) return start();
    const next = current
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return start();
      });
    queued = next;
    return next;
  };
}
