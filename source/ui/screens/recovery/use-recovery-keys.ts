import type { InterruptedRunRow } from '../../../core/wizard-backend.js';
import { isDown, isUp, useKeys } from '../../terminal.js';
import type { RecoveryAction, RecoveryState } from './use-recovery-state.js';

// The Recovery screen's keys. Recovering asks once, like every gate: r or
// enter asks, a typed y then enter says yes, and enter alone, n or esc leave
// everything as it is. Nothing here touches a container; the app does, on
// onRecover, and only once.

export interface RecoveryKeys {
	getState: () => RecoveryState;
	dispatch: (action: RecoveryAction) => void;
	/** Undefined while the list is loading or failed to load. */
	runs?: InterruptedRunRow[];
	loadFailed: boolean;
	/** The plain wizard can go on to the containers; `upgrade-wizard recover` cannot. */
	canSkip: boolean;
	/** How far the details view scrolls. */
	detailsLimit: number;
	active: boolean;
	onRecover: (runId: string) => void;
	onSkip: () => void;
	onQuit: () => void;
	onRetry: () => void;
	onHelp: () => void;
	/** `recover` with nothing to recover: any key leaves (exit 0). */
	onNothing: () => void;
}

const NOT_RECOVERED = 'Not recovered: nothing was touched. r asks again.';
const ONLY_Y_OR_N = 'Only y or n: y then enter recovers; n, esc or enter alone does not.';

export function useRecoveryKeys(keys: RecoveryKeys): void {
	useKeys((input, key) => {
		const { runs, dispatch } = keys;
		if (input === '?') {
			keys.onHelp();
			return;
		}
		if (!runs) {
			if (input === 'q') keys.onQuit();
			else if (input === 'r' && keys.loadFailed) keys.onRetry();
			else if (input === 's' && keys.canSkip) keys.onSkip();
			return;
		}
		if (runs.length === 0) {
			if (key.return || key.escape || input === 'q') keys.onNothing();
			return;
		}
		const state = keys.getState();
		const run = runs[Math.min(state.cursor, runs.length - 1)]!;
		if (state.confirming) {
			if (key.return) {
				if (state.typed === 'y') keys.onRecover(run.runId);
				else dispatch({ type: 'decline', hint: NOT_RECOVERED });
			} else if (key.escape) dispatch({ type: 'decline', hint: NOT_RECOVERED });
			else if (key.backspace || key.delete) dispatch({ type: 'erase' });
			else if (input === 'q') keys.onQuit();
			else if (/^[yn]$/i.test(input)) dispatch({ type: 'answer', typed: input.toLowerCase() as 'y' | 'n' });
			else if (input) dispatch({ type: 'hint', text: ONLY_Y_OR_N });
			return;
		}
		const details = state.view === 'details';
		if (isUp(input, key)) dispatch(details ? { type: 'scroll', delta: -1, limit: keys.detailsLimit } : { type: 'move', delta: -1, total: runs.length });
		else if (isDown(input, key)) dispatch(details ? { type: 'scroll', delta: 1, limit: keys.detailsLimit } : { type: 'move', delta: 1, total: runs.length });
		else if (key.return || input === 'r') dispatch({ type: 'ask' });
		else if (input === 'd' || (key.escape && details)) dispatch({ type: 'toggle-details' });
		else if (input === 's' && keys.canSkip) keys.onSkip();
		else if (input === 'q') keys.onQuit();
	}, keys.active);
}
