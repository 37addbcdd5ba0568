import React, { type ReactNode } from 'react';
import { Box, Text } from 'ink';

// A fixed-height window over a list of one-line rows. Long lists scroll
// instead of growing the frame: the frame must stay shorter than the terminal.

export interface Window {
	start: number;
	end: number;
	above: number;
	below: number;
}

/**
 * Which rows to show: all when they fit, else a window keeping `anchor` in
 * view (centred for a cursor, from the top for a scroll offset), with a line
 * kept at each end for "more above/below".
 */
export function windowOf(total: number, height: number, anchor: number, mode: 'cursor' | 'scroll'): Window {
	if (total <= height) return { start: 0, end: total, above: 0, below: 0 };
	const inner = Math.max(1, height - 2);
	const wanted = mode === 'cursor' ? anchor - Math.floor(inner / 2) : anchor;
	const start = Math.max(0, Math.min(wanted, total - inner));
	const end = Math.min(total, start + inner);
	return { start, end, above: start, below: total - end };
}

export function maxScroll(total: number, height: number): number {
	return total <= height ? 0 : total - Math.max(1, height - 2);
}

export interface ViewportProps {
	rows: ReactNode[];
	height: number;
	anchor: number;
	mode: 'cursor' | 'scroll';
}

export function Viewport({ rows, height, anchor, mode }: ViewportProps) {
	const view = windowOf(rows.length, height, anchor, mode);
	const scrolling = rows.length > height;
	return (
		<Box flexDirection="column">
			{scrolling && <Text dimColor>{view.above > 0 ? `  ↑ ${view.above} more` : ' '}</Text>}
			{rows.slice(view.start, view.end)}
			{scrolling && <Text dimColor>{view.below > 0 ? `  ↓ ${view.below} more` : ' '}</Text>}
		</Box>
	);
}
