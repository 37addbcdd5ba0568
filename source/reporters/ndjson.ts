import type { TimedEvent } from '../core/events.js';

/** --json: one event per line on stdout and nothing else there. */
export function ndjsonReporter(write: (text: string) => void): (event: TimedEvent) => void {
	return (event) => write(`${JSON.stringify(event)}\n`);
}

/**
 * --json: a run that ends on an error (bad usage, exit 2, above all) still
 * leaves one line a consumer can parse; the human line stays on stderr.
 */
export function ndjsonError(write: (text: string) => void, exitCode: number, message: string): void {
	write(`${JSON.stringify({ type: 'error', exitCode, message })}\n`);
}

/** --json: nothing to upgrade is a finished run with no containers, not a bare line of text. */
export function ndjsonNothingToDo(write: (text: string) => void, message: string): void {
	write(`${JSON.stringify({ type: 'run-done', summary: { runId: 'none', exitCode: 0, containers: [], message }, at: Date.now() })}\n`);
}
