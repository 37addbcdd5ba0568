import type { Timeline } from '../core/events.js';
import { cell, formatDuration } from './format.js';

// The summary's timeline: one bar per step on a shared time axis, hop by hop,
// and the windows in which the service was down, so an operator sees at a
// glance where the time went (a slow pull, a long migration) and how long
// users waited. Plain characters, so it reads the same with NO_COLOR.

const STEP = '█';
const DOWN = '░';
const HOP_WIDTH = 9;
const STEP_WIDTH = 11;
const DURATION_WIDTH = 9;
const MIN_BAR = 12;

/** Columns [from, to) of a span on a bar of `width` for a run of `totalMs`: at least one column, so short steps still show. */
function span(startMs: number, endMs: number, totalMs: number, width: number): [number, number] {
	const from = Math.min(width - 1, Math.floor((startMs / totalMs) * width));
	const to = Math.max(from + 1, Math.min(width, Math.ceil((endMs / totalMs) * width)));
	return [from, to];
}

function bar(from: number, to: number, width: number, mark: string): string {
	return ' '.repeat(from) + mark.repeat(to - from) + ' '.repeat(width - to);
}

/** The timeline's lines, each at most `columns` wide; none when there is nothing to draw or no room. */
export function timelineLines(timeline: Timeline | undefined, columns: number): string[] {
	if (!timeline || timeline.steps.length === 0) return [];
	const width = columns - 2 - HOP_WIDTH - STEP_WIDTH - 1 - DURATION_WIDTH;
	if (width < MIN_BAR) return [];
	const totalMs = Math.max(1, ...timeline.steps.map((step) => step.endMs), ...timeline.down.map((window) => window.endMs));
	const lines = [`  timeline: 0 to ${formatDuration(totalMs)}; ${STEP} a step, ${DOWN} down`];
	let hop: string | undefined;
	for (const step of timeline.steps) {
		const label = step.hop !== hop ? step.hop : '';
		hop = step.hop;
		const [from, to] = span(step.startMs, step.endMs, totalMs, width);
		lines.push(`  ${cell(label, HOP_WIDTH)}${cell(step.step, STEP_WIDTH)}${bar(from, to, width, STEP)} ${formatDuration(step.endMs - step.startMs)}`.trimEnd());
	}
	for (const window of timeline.down) {
		const [from, to] = span(window.startMs, window.endMs, totalMs, width);
		lines.push(`  ${cell('', HOP_WIDTH)}${cell('down', STEP_WIDTH)}${bar(from, to, width, DOWN)} ${formatDuration(window.endMs - window.startMs)}`.trimEnd());
	}
	return lines;
}
