import { useCallback, useRef } from 'react';
import type { ContainerRow } from '../../../core/wizard-backend.js';
import { rowKey, type ContainerGroup } from '../../container-groups.js';
import { useRefState } from '../../ref-state.js';

// What the Containers screen remembers between keys: the ticks, the cursor,
// the filter and the one line it says. A reducer over a ref (useRefState), so
// "j" then space typed back to back tick the row the "j" moved to. Ticks and
// the cursor are row keys (engine and name): one name may be on two engines.

export interface ContainersState {
	/** Undefined until the operator ticks: the flags' preselection (or the choice coming back) until then. */
	ticked?: ReadonlySet<string>;
	cursorKey?: string;
	filter: string;
	filtering: boolean;
	message?: string;
}

/** What the state is read against: the ticks to start from and the groups a filter leaves. */
export interface ContainersContext {
	defaults: ReadonlySet<string>;
	groupsOf: (filter: string) => ContainerGroup[];
}

export interface ContainersView {
	ticked: ReadonlySet<string>;
	/** The rows the filter leaves, in the order shown. */
	visible: ContainerRow[];
	cursor: number;
	current?: ContainerRow;
}

export type ContainersAction =
	| { type: 'move'; delta: number }
	| { type: 'toggle-current' }
	| { type: 'toggle-all' }
	| { type: 'filter-start' }
	| { type: 'filter-type'; text: string }
	| { type: 'filter-erase' }
	| { type: 'filter-keep' }
	/** esc: while typing it also stops the filter. */
	| { type: 'filter-clear' }
	| { type: 'message'; text?: string };

export const INITIAL_CONTAINERS_STATE: ContainersState = { filter: '', filtering: false };

export function viewOf(state: ContainersState, context: ContainersContext): ContainersView {
	const ticked = state.ticked ?? context.defaults;
	const visible = context.groupsOf(state.filter).flatMap((group) => group.rows);
	const firstTicked = visible.findIndex((row) => ticked.has(rowKey(row)));
	const found = state.cursorKey === undefined ? -1 : visible.findIndex((row) => rowKey(row) === state.cursorKey);
	const cursor = found >= 0 ? found : Math.max(0, firstTicked);
	return { ticked, visible, cursor, current: visible[cursor] };
}

/** Tick the rows, or untick them when every one is ticked already. */
function toggled(view: ContainersView, rows: ContainerRow[]): ReadonlySet<string> {
	const keys = rows.map(rowKey);
	const on = !keys.every((key) => view.ticked.has(key));
	const next = new Set(view.ticked);
	for (const key of keys) {
		if (on) next.add(key);
		else next.delete(key);
	}
	return next;
}

export function reduceContainers(state: ContainersState, action: ContainersAction, context: ContainersContext): ContainersState {
	switch (action.type) {
		case 'move': {
			const view = viewOf(state, context);
			if (view.visible.length === 0) return state;
			const next = Math.min(view.visible.length - 1, Math.max(0, view.cursor + action.delta));
			return { ...state, cursorKey: rowKey(view.visible[next]!) };
		}
		case 'toggle-current': {
			const view = viewOf(state, context);
			return { ...state, ticked: toggled(view, view.current ? [view.current] : []), message: undefined };
		}
		case 'toggle-all': {
			const view = viewOf(state, context);
			return { ...state, ticked: toggled(view, view.visible), message: undefined };
		}
		case 'filter-start':
			return { ...state, filtering: true, message: undefined };
		case 'filter-type':
			return { ...state, filter: state.filter + action.text };
		case 'filter-erase':
			return { ...state, filter: state.filter.slice(0, -1) };
		case 'filter-keep':
			return { ...state, filtering: false };
		case 'filter-clear':
			return { ...state, filter: '', filtering: false };
		case 'message':
			return { ...state, message: action.text };
	}
}

export function useContainersState(context: ContainersContext): [ContainersState, () => ContainersState, (action: ContainersAction) => void] {
	const [state, get, set] = useRefState<ContainersState>(INITIAL_CONTAINERS_STATE);
	// The newest rows and defaults: a key handled before the next render reads them too.
	const current = useRef(context);
	current.current = context;
	const dispatch = useCallback((action: ContainersAction) => set((previous) => reduceContainers(previous, action, current.current)), [set]);
	return [state, get, dispatch];
}
