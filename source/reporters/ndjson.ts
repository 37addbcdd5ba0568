import type { TimedEvent } from '../core/events.js';

/** --json: one event per line on stdout and nothing else there. */
export function ndjsonReporter(write: (text: string) => void): (event: TimedEvent) => void {
	return (event) => write(`${JSON.stringify(event)}\n`);
}
