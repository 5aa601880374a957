/**
 * Resolves on the first SIGINT or SIGTERM. Call it before a command announces that it is up:
 * whoever reads the announcement (a test, a supervisor) may signal at once, and a signal that
 * arrives before any handler ends the process by the signal, skipping its clean stop.
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}
