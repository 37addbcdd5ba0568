import type { RunEvent } from './events.js';

type GateEvent = Extract<RunEvent, { type: 'gate' }>;

/** One line for an answered gate, the same in the run history and the plain log. */
export function describeGateAnswer(event: GateEvent): string {
	const said =
		event.choice === 'destination' ? `another directory: ${event.value ?? '?'}` : event.choice === 'skip' ? 'skip the backup' : event.answer ? 'yes' : 'no';
	return `${event.gate.title} ${said} (answered by ${event.by})${event.gate.container ? ` [${event.gate.container}]` : ''}`;
}
