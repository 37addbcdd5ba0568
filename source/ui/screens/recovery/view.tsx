import React from 'react';
import { Box, Text } from 'ink';
import type { InterruptedRunRow } from '../../../core/wizard-backend.js';
import type { Load } from '../../use-load.js';
import { Frame, useBodyHeight, useChrome } from '../../chrome.js';
import { LoadState } from '../../load-state.js';
import { Status } from '../../marks.js';
import { cell, columnWidth, formatWhen, joinFit } from '../../format.js';
import { useTerminalSize } from '../../terminal.js';
import { Viewport, maxScroll } from '../../viewport.js';
import { fittedLines, wholeLines, type RunLine } from './run-lines.js';
import { useRecoveryKeys } from './use-recovery-keys.js';
import { useRecoveryState } from './use-recovery-state.js';

// The Recovery screen: runs an earlier wizard left half-done (kill -9, a lost
// ssh session, a reboot), each with when and by whom it started, its
// containers, what the engine holds for them now and what recover will do.
// It comes before the container list because those containers cannot be
// upgraded until their run is put back.

export interface RecoveryScreenProps {
	load: Load<InterruptedRunRow[]>;
	/** 'wizard': found at start, s skips to the containers; 'recover': `upgrade-wizard recover`. */
	mode: 'wizard' | 'recover';
	endpoint?: string;
	/** `recover RUN_ID`: the run asked for, named when it is not there. */
	runId?: string;
	onRecover: (runId: string) => void;
	onSkip: () => void;
	onQuit: () => void;
	onRetry: () => void;
	/** Nothing to recover (recover mode): leave with exit 0. */
	onNothing: () => void;
}

const TONE_COLOR: Record<string, string> = { warn: 'yellow' };

function lineRow(line: RunLine, index: number) {
	return (
		<Text key={index} wrap="truncate" bold={line.tone === 'title'} dimColor={line.tone === 'dim'} color={line.tone ? TONE_COLOR[line.tone] : undefined}>
			{line.text}
		</Text>
	);
}

function RunList({ runs, cursor, columns }: { runs: InterruptedRunRow[]; cursor: number; columns: number }) {
	const now = Date.now();
	const when = runs.map((run) => formatWhen(run.startedAt, now));
	const whenWidth = columnWidth(when, 10, 28);
	const byWidth = columnWidth(runs.map((run) => run.by), 6, 28);
	const rows = runs.map((run, index) => {
		const here = index === cursor;
		const start = `${here ? '›' : ' '} ${cell(when[index]!, whenWidth)}  ${cell(run.by, byWidth)}  `;
		return (
			<Text key={run.runId} wrap="truncate" bold={here} color={here ? 'cyan' : undefined}>
				{start + joinFit(run.containers, Math.max(8, columns - start.length))}
			</Text>
		);
	});
	return <Viewport rows={rows} height={Math.min(runs.length, 5)} anchor={cursor} mode="cursor" />;
}

export function RecoveryScreen({ load, mode, endpoint, runId, onRecover, onSkip, onQuit, onRetry, onNothing }: RecoveryScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	const { columns } = useTerminalSize();
	const height = useBodyHeight();
	const [state, getState, dispatch] = useRecoveryState();
	const runs = load.status === 'ready' ? load.value : undefined;
	const canSkip = mode === 'wizard';
	const cursor = runs ? Math.min(state.cursor, Math.max(0, runs.length - 1)) : 0;
	const run = runs?.[cursor];
	const now = Date.now();

	// Headline; the list when there is a choice, and a blank line under it; the
	// question or the skip note, with a blank line above it. The run gets the rest.
	const listRows = runs && runs.length > 1 ? Math.min(runs.length, 5) + 1 : 0;
	const footer = state.confirming || canSkip ? 2 : 0;
	const room = Math.max(1, height - 1 - listRows - footer);
	const whole = run && state.view === 'details' ? wholeLines(run, now, columns) : [];
	const detailsLimit = maxScroll(whole.length, room);

	useRecoveryKeys({
		getState,
		dispatch,
		runs,
		loadFailed: load.status === 'error',
		canSkip,
		detailsLimit,
		active: !helpOpen,
		onRecover,
		onSkip,
		onQuit,
		onRetry,
		onHelp: () => setHelpOpen(true),
		onNothing,
	});

	if (!runs) {
		return (
			<Frame help="recovery" hints={`${load.status === 'error' ? 'r retry · ' : ''}${canSkip ? 's skip to the containers · ' : ''}q quit`}>
				<LoadState load={load} failed="Could not read the journals of earlier runs." waiting="Looking for interrupted runs on this engine…" />
			</Frame>
		);
	}

	if (!run) {
		return (
			<Frame help="recovery" hints={canSkip ? 'q quit' : 'enter or q exit (code 0)'}>
				{canSkip ? (
					<Status variant="success">No interrupted run left: going on to the containers…</Status>
				) : (
					<Box flexDirection="column" gap={1}>
						<Status variant="success">
							{runId ? `Nothing to recover: run ${runId} is not an interrupted run on this engine.` : `Nothing to recover${endpoint ? ` on ${endpoint}` : ''}: no interrupted run.`}
						</Status>
						<Text dimColor>
							{runId ? 'upgrade-wizard recover --dry-run lists the runs to recover; nothing was touched.' : 'Every run here finished or was recovered; nothing was touched.'}
						</Text>
					</Box>
				)}
			</Frame>
		);
	}

	const count = runs.length;
	const skipNote = (held: string) => `s skips to the containers; ${held} cannot be upgraded until recovered`;
	const held = joinFit(run.containers, Math.max(10, columns - skipNote('').length));
	const hints = state.confirming
		? 'y then enter recover · enter/n/esc no · q quit'
		: `r/enter recover${count > 1 ? ' · ↑↓ choose' : ''} · d ${state.view === 'details' ? 'back' : 'details'}${canSkip ? ' · s skip' : ''} · q quit`;
	return (
		<Frame help="recovery" hints={hints} status={state.hint ? <Text color="yellow" wrap="truncate">{state.hint}</Text> : undefined}>
			<Status variant="warning">
				{count === 1 ? 'An interrupted run holds containers on this engine: recover it first.' : `${count} interrupted runs hold containers on this engine: recover them first.`}
			</Status>
			{count > 1 ? (
				<>
					<RunList runs={runs} cursor={cursor} columns={columns} />
					<Text> </Text>
				</>
			) : null}
			{state.view === 'details' ? (
				<Viewport rows={whole.map(lineRow)} height={room} anchor={Math.min(state.offset, detailsLimit)} mode="scroll" />
			) : (
				fittedLines(run, now, columns, room).map(lineRow)
			)}
			{footer > 0 ? <Text> </Text> : null}
			{state.confirming ? (
				<Text wrap="truncate">
					{'Recover this run? Type '}
					<Text bold>y</Text>
					{' and press enter; enter alone does not. [y/N] '}
					<Text bold color="cyan">
						{state.typed}
					</Text>
					<Text dimColor>▏</Text>
				</Text>
			) : canSkip ? (
				<Text dimColor wrap="truncate">{skipNote(held)}</Text>
			) : null}
		</Frame>
	);
}
