import type { InterruptedRunRow } from '../../../core/wizard-backend.js';
import { formatWhen, joinFit, truncate, wrapText } from '../../format.js';

// The lines the Recovery screen shows for one interrupted run, in two cuts:
// fitted (every line one row, the long sections cut with "… N more") for the
// list, and whole (wrapped, scrollable) for the details view. The texts come
// from the backend, which has already redacted them.

export type Tone = 'title' | 'dim' | 'warn';

export interface RunLine {
	text: string;
	tone?: Tone;
}

/** Lines of the fitted cut besides the two sections: title, started, containers and the two headings. */
export const FIXED_LINES = 5;

function head(run: InterruptedRunRow, now: number, width: number): RunLine[] {
	return [
		{ text: `Run ${run.runId}`, tone: 'title' },
		{ text: `  started ${formatWhen(run.startedAt, now)} by ${run.by}` },
		{ text: `  containers: ${joinFit(run.containers, Math.max(10, width - 14))}` },
	];
}

/** How many lines each section gets: all when they fit, else the room shared, neither starved. */
export function shareRoom(room: number, first: number, second: number): [number, number] {
	if (first + second <= room) return [first, second];
	const a = Math.min(first, Math.max(Math.min(1, room), Math.floor(room / 2)));
	const b = Math.min(second, Math.max(0, room - a));
	return [Math.min(first, Math.max(0, room - b)), b];
}

function section(lines: string[], shown: number, width: number): RunLine[] {
	if (lines.length <= shown) return lines.map((text) => ({ text: truncate(text, width) }));
	if (shown <= 0) return [];
	const kept = lines.slice(0, shown - 1).map((text) => ({ text: truncate(text, width) }));
	return [...kept, { text: `  … ${lines.length - kept.length} more · d shows all`, tone: 'dim' }];
}

const stateText = (line: string) => `  ${line}`;
const stepText = (step: string, index: number) => `  ${String(index + 1).padStart(2)}. ${step}`;

/** Every line one row of `width`, in `room` rows at most. */
export function fittedLines(run: InterruptedRunRow, now: number, width: number, room: number): RunLine[] {
	const state = run.stateNow.length > 0 ? run.stateNow.map(stateText) : ['  (the run stopped before its first step: nothing of it is on the engine)'];
	const steps = run.steps.map(stepText);
	const [stateRows, stepRows] = shareRoom(Math.max(0, room - FIXED_LINES), state.length, steps.length);
	return [
		...head(run, now, width).map((line) => ({ ...line, text: truncate(line.text, width) })),
		{ text: 'On the engine now', tone: 'title' },
		...section(state, stateRows, width),
		{ text: 'Recover will', tone: 'title' },
		...section(steps, stepRows, width),
	];
}

/** Everything, long lines wrapped under their indent: nothing cut. */
export function wholeLines(run: InterruptedRunRow, now: number, width: number): RunLine[] {
	const wrap = (text: string, indent: string, tone?: Tone): RunLine[] => wrapText(text, width, indent).map((line) => ({ text: line, tone }));
	return [
		...head(run, now, Number.MAX_SAFE_INTEGER).flatMap((line) => wrap(line.text, '    ', line.tone)),
		{ text: 'On the engine now', tone: 'title' },
		...run.stateNow.flatMap((line) => wrap(stateText(line), '      ')),
		{ text: 'Recover will', tone: 'title' },
		...run.steps.flatMap((step, index) => wrap(stepText(step, index), '      ')),
		...wrap(`journal: ${run.journal}`, '  ', 'dim'),
	];
}
