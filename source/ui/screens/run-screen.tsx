import React, { useEffect, useState, useSyncExternalStore } from 'react';
import { Text } from 'ink';
import type { PlanPreviewContainer } from '../../core/wizard-backend.js';
import { isChoiceGate, type GateDesk } from '../gate-desk.js';
import { Frame, useBodyHeight, useChrome } from '../chrome.js';
import { useRunSnapshot } from '../run-context.js';
import { RunProgress } from '../run-progress.js';
import { useKeys } from '../terminal.js';
import { ABORT_DIALOG_LINES, AbortDialog } from './abort-dialog.js';
import { BackupGateScreen } from './backup-gate-screen.js';
import { GateScreen } from './gate-screen.js';
import { RecoveryProgress } from './recovery/progress.js';

// Screens 5–7 while backend.run is under way: a gate when the executor asks
// one, else the live progress; the abort question below either when asked.
// A recovery (backend.recover) shows here too, with its own progress.

export interface RunScreenProps {
	desk: GateDesk;
	plans?: PlanPreviewContainer[];
	tag?: string;
	abortOpen?: boolean;
	/** One line for the status bar: abort requested, refusals. */
	notice?: { text: string; tone: 'warn' | 'info' };
	onInterrupt: () => void;
	onAbortChoice?: (abort: boolean) => void;
	/** A recovery, not an upgrade: its own progress and keys, nothing to abort (it runs to its end). */
	recovery?: { runId: string };
}

export function RunScreen({ desk, plans = [], tag = '', abortOpen = false, notice, onInterrupt, onAbortChoice = () => undefined, recovery }: RunScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	const height = useBodyHeight();
	const state = useRunSnapshot();
	const pending = useSyncExternalStore(desk.subscribe, desk.getSnapshot);
	const [layersOpen, setLayersOpen] = useState(false);
	// A gate's text input is open: '?' is a character there, not help.
	const [typing, setTyping] = useState(false);
	useEffect(() => setTyping(false), [pending?.id]);
	const pulling = Object.values(state.containers).some((container) => container.steps.some((step) => step.name === 'pull' && step.status === 'running'));

	useKeys((input) => {
		if (input === '?') setHelpOpen(true);
		else if (input === 'q') onInterrupt();
		else if (input === 'l') setLayersOpen((open) => !open);
	}, !helpOpen && !abortOpen && !pending);

	// '?' on a gate: the gate screen keeps the keyboard, so ask for help here.
	useKeys((input) => {
		if (input === '?') setHelpOpen(true);
	}, !helpOpen && !abortOpen && Boolean(pending) && !typing);

	const choice = pending && isChoiceGate(pending.gate) ? pending.gate : undefined;
	const bodyHeight = height - (abortOpen ? ABORT_DIALOG_LINES : 0);
	const status = notice ? (
		<Text color={notice.tone === 'warn' ? 'yellow' : undefined} wrap="truncate">
			{notice.text}
		</Text>
	) : undefined;
	return (
		<Frame
			help={pending ? (choice ? 'backup' : 'gate') : recovery ? 'recovering' : 'run'}
			hints={
				recovery && !pending
					? 'a recovery runs to its end: wait for the summary'
					: typing
						? 'enter check this directory · esc back · ctrl-c abort'
						: choice
							? 'y then enter back up · d other directory · s skip · n/esc no · q abort'
							: pending
								? 'y then enter continue · enter/n no · q abort'
								: `q/ctrl-c abort${pulling ? ` · l layers ${layersOpen ? 'off' : 'on'}` : ''}`
			}
			status={status}
		>
			{pending && choice ? (
				<BackupGateScreen
					key={pending.id}
					gate={choice}
					height={bodyHeight}
					active={!helpOpen && !abortOpen}
					onChoose={(answer) => desk.choose(pending.id, answer)}
					onInterrupt={onInterrupt}
					onTyping={setTyping}
				/>
			) : pending ? (
				<GateScreen
					key={pending.id}
					gate={pending.gate}
					height={bodyHeight}
					active={!helpOpen && !abortOpen}
					onAnswer={(yes) => desk.answer(pending.id, yes)}
					onInterrupt={onInterrupt}
				/>
			) : recovery ? (
				<RecoveryProgress state={state} runId={recovery.runId} height={bodyHeight} />
			) : (
				<RunProgress state={state} plans={plans} tag={tag} layersOpen={layersOpen} height={bodyHeight} />
			)}
			{abortOpen ? <AbortDialog active={!helpOpen} onChoose={onAbortChoice} /> : null}
		</Frame>
	);
}
