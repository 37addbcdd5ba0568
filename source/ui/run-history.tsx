import React, { memo } from 'react';
import { Static, Text } from 'ink';
import type { FinishedLine } from '../core/run-state.js';
import { useRunSnapshot } from './run-context.js';

// What is finished scrolls up above the live frame and stays in the
// terminal's scrollback: done steps, gate answers, warnings, rollback steps,
// log lines that left the live tail. Ink writes each item once; this is
// mounted once per run (remounting would print everything again).

function lineColor(line: FinishedLine): string | undefined {
	if (line.kind === 'failure' || line.ok === false) return 'red';
	if (line.kind === 'warning' || line.kind === 'rollback') return 'yellow';
	if (line.kind === 'step') return 'green';
	return undefined;
}

function HistoryLine({ line }: { line: FinishedLine }) {
	if (line.kind === 'log') {
		return (
			<Text wrap="truncate" dimColor>
				{`  ${line.container ?? ''} │ ${line.text}`}
			</Text>
		);
	}
	const mark = line.kind === 'step' ? '✔' : line.kind === 'failure' ? '✖' : line.kind === 'rollback' ? '↺' : '•';
	// Failures, rollback reasons, warnings and gate answers are read whole: they wrap (log lines are cut above).
	return (
		<Text wrap="wrap" color={lineColor(line)}>
			{`${mark} ${line.text}`}
		</Text>
	);
}

/** Re-renders only when lines were appended (the reducer keeps the array otherwise). */
const History = memo(function History({ lines }: { lines: FinishedLine[] }) {
	return <Static items={lines}>{(line) => <HistoryLine key={line.id} line={line} />}</Static>;
});

export function RunHistory() {
	return <History lines={useRunSnapshot().finished} />;
}
