import React, { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { initialRunState, type RunState, type RunStore } from '../core/run-state.js';

// The run's snapshot, read from the store by one subscriber and handed down by
// context: ink renders in legacy mode, where every store subscriber would
// re-render in a commit of its own. Below this, components take slices as
// props and are memoised, so a progress event re-renders only what it changed.

const RunStateContext = createContext<RunState>(initialRunState());

export function RunStateProvider({ store, children }: { store: RunStore; children: ReactNode }) {
	const state = useSyncExternalStore(store.subscribe, store.getSnapshot);
	return <RunStateContext.Provider value={state}>{children}</RunStateContext.Provider>;
}

export function useRunSnapshot(): RunState {
	return useContext(RunStateContext);
}
