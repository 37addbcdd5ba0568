import { useCallback } from 'react';
import { useRefState } from '../../ref-state.js';

// What the Recovery screen remembers between keys: which run is chosen, the
// list or the full details, and the one question it asks. A reducer over a
// ref (useRefState), so "r", "y" and enter typed back to back each see the
// state the key before left: the confirmation must read the typed "y".

export interface RecoveryState {
	/** The chosen run, by index in the list the backend gave. */
	cursor: number;
	/** 'details': every line of the chosen run, scrollable; 'list': fitted to the screen. */
	view: 'list' | 'details';
	/** The "recover this run?" question is on screen. */
	confirming: boolean;
	/** The answer typed so far: only y then enter recovers. */
	typed: '' | 'y' | 'n';
	/** Scroll offset of the details view. */
	offset: number;
	/** One line for the status bar (why nothing happened). */
	hint?: string;
}

export type RecoveryAction =
	| { type: 'move'; delta: number; total: number }
	| { type: 'scroll'; delta: number; limit: number }
	| { type: 'toggle-details' }
	| { type: 'ask' }
	| { type: 'answer'; typed: 'y' | 'n' }
	| { type: 'erase' }
	| { type: 'decline'; hint: string }
	| { type: 'hint'; text?: string };

export const INITIAL_RECOVERY_STATE: RecoveryState = { cursor: 0, view: 'list', confirming: false, typed: '', offset: 0 };

export function reduceRecovery(state: RecoveryState, action: RecoveryAction): RecoveryState {
	switch (action.type) {
		case 'move': {
			const cursor = Math.max(0, Math.min(action.total - 1, state.cursor + action.delta));
			// Another run: its details start at the top.
			return cursor === state.cursor ? state : { ...state, cursor, offset: 0, hint: undefined };
		}
		case 'scroll':
			return { ...state, offset: Math.max(0, Math.min(action.limit, Math.min(state.offset, action.limit) + action.delta)) };
		case 'toggle-details':
			return { ...state, view: state.view === 'list' ? 'details' : 'list', offset: 0, hint: undefined };
		case 'ask':
			// Every question starts from no.
			return { ...state, confirming: true, typed: '', hint: undefined };
		case 'answer':
			return { ...state, typed: action.typed, hint: undefined };
		case 'erase':
			return { ...state, typed: '' };
		case 'decline':
			return { ...state, confirming: false, typed: '', hint: action.hint };
		case 'hint':
			return { ...state, hint: action.text };
	}
}

export function useRecoveryState(): [RecoveryState, () => RecoveryState, (action: RecoveryAction) => void] {
	const [state, get, set] = useRefState<RecoveryState>(INITIAL_RECOVERY_STATE);
	const dispatch = useCallback((action: RecoveryAction) => set((previous) => reduceRecovery(previous, action)), [set]);
	return [state, get, dispatch];
}
