/**
 * kafkajs 2.2.4 (the last release) arms its request-queue throttle timer with a negative delay
 * whenever no throttle is in force (`throttledUntil - Date.now()` with `throttledUntil` of -1).
 * Node 24 reports every such timer as a TimeoutNegativeWarning on stderr, although the timer works
 * as intended (it fires at once). This drops exactly that warning, from kafkajs's request queue,
 * and leaves every other warning to Node's usual output.
 */
export function isKafkajsNegativeTimeoutWarning(warning: Error): boolean {
  return (
    warning.name === 'TimeoutNegativeWarning' &&
    (warning.stack ?? '').includes('kafkajs/src/network/requestQueue')
  );
}

let installed = false;

/** Installs the filter once per process; Node's default warning printer is replaced by one that skips it. */
export function silenceKafkajsNegativeTimeoutWarnings(): void {
  if (installed) return;
  installed = true;
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (isKafkajsNegativeTimeoutWarning(warning)) return;
    for (const print of printers) print(warning);
  });
}
