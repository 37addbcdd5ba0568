import type { Key } from 'ink';
import type { ChosenContainer, ContainerRow } from '../../../core/wizard-backend.js';
import type { Load } from '../../use-load.js';
import { repositoriesOf, tickedByEngine } from '../../container-groups.js';
import { isDown, isUp, LATER, useKeys } from '../../terminal.js';
import { viewOf, type ContainersAction, type ContainersContext, type ContainersState } from './use-containers-state.js';

// The Containers screen's keys. Enter goes on only with a choice a run can
// take: at least one container and one repository. One name ticked on several
// engines is a cluster like any other (each is named with its engine in the run).

export interface ContainersKeys {
	load: Load<ContainerRow[]>;
	rows: ContainerRow[];
	context: ContainersContext;
	getState: () => ContainersState;
	dispatch: (action: ContainersAction) => void;
	/** Rows a page key moves. */
	page: number;
	active: boolean;
	onConfirm: (chosen: ChosenContainer[]) => void;
	onRetry: () => void;
	onQuit: () => void;
	onHelp: () => void;
}

const pageMove = (key: Key, page: number): number => (key.pageDown ? page : key.pageUp ? -page : key.end ? Number.MAX_SAFE_INTEGER : key.home ? -Number.MAX_SAFE_INTEGER : 0);

/** Why enter cannot go on with these ticks, or the choice (in the engines' order). */
export function confirmation(rows: ContainerRow[], ticked: ReadonlySet<string>): { refused: string } | { chosen: ChosenContainer[] } {
	const byEngine = tickedByEngine(rows, ticked);
	if (byEngine.length === 0) return { refused: 'Tick at least one container (space), then press enter.' };
	const repositories = repositoriesOf(rows, ticked);
	if (repositories.length > 1) return { refused: `One repository at a time: the ticked containers run ${repositories.join(', ')}.` };
	return { chosen: byEngine.flatMap(({ engine, names }) => names.map((name) => ({ name, engine }))) };
}

export function useContainersKeys(keys: ContainersKeys): void {
	useKeys((input, key) => {
		const { load, dispatch } = keys;
		if (load.status !== 'ready') {
			if (input === '?') keys.onHelp();
			else if (input === 'q') keys.onQuit();
			else if (input === 'r' && load.status === 'error') keys.onRetry();
			// Typed before the list is there: kept for it.
			else if (load.status === 'loading') return LATER;
			return;
		}
		const paged = pageMove(key, keys.page);
		if (keys.getState().filtering) {
			if (key.escape) dispatch({ type: 'filter-clear' });
			else if (key.return) dispatch({ type: 'filter-keep' });
			else if (key.backspace || key.delete) dispatch({ type: 'filter-erase' });
			else if (key.upArrow) dispatch({ type: 'move', delta: -1 });
			else if (key.downArrow) dispatch({ type: 'move', delta: 1 });
			else if (paged !== 0) dispatch({ type: 'move', delta: paged });
			else if (input === ' ') dispatch({ type: 'toggle-current' });
			else if (input && !key.ctrl && !key.meta && !key.tab) dispatch({ type: 'filter-type', text: input });
			return;
		}
		if (isUp(input, key)) dispatch({ type: 'move', delta: -1 });
		else if (isDown(input, key)) dispatch({ type: 'move', delta: 1 });
		else if (paged !== 0) dispatch({ type: 'move', delta: paged });
		else if (input === ' ') dispatch({ type: 'toggle-current' });
		else if (input === 'a') dispatch({ type: 'toggle-all' });
		else if (input === '/') dispatch({ type: 'filter-start' });
		else if (key.escape) dispatch({ type: 'filter-clear' });
		else if (key.return) {
			const outcome = confirmation(keys.rows, viewOf(keys.getState(), keys.context).ticked);
			if ('refused' in outcome) dispatch({ type: 'message', text: outcome.refused });
			else keys.onConfirm(outcome.chosen);
		} else if (input === 'r') keys.onRetry();
		else if (input === 'q') keys.onQuit();
		else if (input === '?') keys.onHelp();
	}, keys.active);
}
