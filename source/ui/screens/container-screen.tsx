import React, { useMemo } from 'react';
import { Box, Text, type Key } from 'ink';
import { Status } from '../marks.js';
import type { ContainerRow } from '../../core/wizard-backend.js';
import type { Load } from '../use-load.js';
import { Frame, useBodyHeight, useChrome } from '../chrome.js';
import { engineColumn, groupRows, initiallyTicked, repositoriesOf, type Preselection } from '../container-groups.js';
import { cell, columnWidth, formatUptime } from '../format.js';
import { LoadState } from '../load-state.js';
import { isDown, isUp, LATER, useKeys, useTerminalSize } from '../terminal.js';
import { Viewport } from '../viewport.js';
import { useRefState } from '../ref-state.js';

// Screen 2: which containers to upgrade. Rows are grouped by image repository
// because one run upgrades one repository to one version; a Compose project's
// services are grouped under the project, which they are upgraded through.
// Each row's engine is named: in the heading (one engine) or a column (several).

export interface ContainerScreenProps {
	load: Load<ContainerRow[]>;
	preselect: Preselection;
	/** What was chosen before (coming back with esc): ticked again. */
	chosen: string[];
	onConfirm: (names: string[]) => void;
	onRetry: () => void;
	onQuit: () => void;
}

interface ScreenState {
	/** Undefined until the operator ticks: the flags' preselection until then. */
	ticked?: Set<string>;
	cursorName?: string;
	filter: string;
	filtering: boolean;
	message?: string;
}

type Line = { kind: 'group'; repository: string; count: number } | { kind: 'row'; row: ContainerRow; index: number };

/** The version cell; a PostgreSQL server says its major, since a newer one is a procedure of its own. */
function versionText(row: ContainerRow): string {
	const version = row.version ?? '?';
	return row.postgresMajor === undefined ? version : `${version} (PG ${row.postgresMajor})`;
}

export function ContainerScreen({ load, preselect, chosen, onConfirm, onRetry, onQuit }: ContainerScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	const { columns } = useTerminalSize();
	const height = useBodyHeight();
	const rows = load.status === 'ready' ? load.value : [];
	const [ui, getUi, setUi] = useRefState<ScreenState>({ filter: '', filtering: false });
	const defaults = useMemo(() => (chosen.length > 0 ? new Set(chosen) : initiallyTicked(rows, preselect)), [chosen, rows, preselect]);
	// Every key derives the view again (the key queue's handlers read the newest state):
	// 300 rows filtered and sorted per key showed, so the rows of each filter are kept.
	const groupsOf = useMemo(() => {
		const byFilter = new Map<string, ReturnType<typeof groupRows>>();
		return (wanted: string) => {
			let found = byFilter.get(wanted);
			if (!found) {
				if (byFilter.size > 64) byFilter.clear();
				found = groupRows(rows, wanted);
				byFilter.set(wanted, found);
			}
			return found;
		};
	}, [rows]);
	const derive = (state: ScreenState) => {
		const ticked = state.ticked ?? defaults;
		const visible = groupsOf(state.filter).flatMap((group) => group.rows);
		const firstTicked = visible.findIndex((row) => ticked.has(row.name));
		const found = state.cursorName === undefined ? -1 : visible.findIndex((row) => row.name === state.cursorName);
		const cursor = found >= 0 ? found : Math.max(0, firstTicked);
		return { ticked, visible, cursor, current: visible[cursor] };
	};
	const { filter, filtering, message } = ui;
	const { ticked, visible, cursor } = derive(ui);
	const groups = groupsOf(filter);
	const lines = useMemo(() => {
		const list: Line[] = [];
		let index = 0;
		for (const group of groups) {
			list.push({ kind: 'group', repository: group.repository, count: group.rows.length });
			for (const row of group.rows) list.push({ kind: 'row', row, index: index++ });
		}
		return list;
	}, [groups]);

	const move = (delta: number) =>
		setUi((state) => {
			const view = derive(state);
			if (view.visible.length === 0) return state;
			const next = Math.min(view.visible.length - 1, Math.max(0, view.cursor + delta));
			return { ...state, cursorName: view.visible[next]!.name };
		});
	// A page is the rows the viewport shows (its height less the two "more" lines); 300 rows are a dozen pages.
	const page = Math.max(1, height - 4);
	const pageMove = (key: Key): number => (key.pageDown ? page : key.pageUp ? -page : key.end ? Number.MAX_SAFE_INTEGER : key.home ? -Number.MAX_SAFE_INTEGER : 0);
	const toggle = (names: (view: ReturnType<typeof derive>) => string[], on: (view: ReturnType<typeof derive>, names: string[]) => boolean) =>
		setUi((state) => {
			const view = derive(state);
			const chosenNames = names(view);
			const value = on(view, chosenNames);
			const next = new Set(view.ticked);
			for (const name of chosenNames) {
				if (value) next.add(name);
				else next.delete(name);
			}
			return { ...state, ticked: next, message: undefined };
		});
	const toggleCurrent = () =>
		toggle(
			(view) => (view.current ? [view.current.name] : []),
			(view, names) => !names.every((name) => view.ticked.has(name)),
		);
	const toggleAll = () =>
		toggle(
			(view) => view.visible.map((row) => row.name),
			(view, names) => !names.every((name) => view.ticked.has(name)),
		);
	const confirm = () => {
		const view = derive(getUi());
		const names = rows.filter((row) => view.ticked.has(row.name)).map((row) => row.name);
		if (names.length === 0) {
			setUi((state) => ({ ...state, message: 'Tick at least one container (space), then press enter.' }));
			return;
		}
		const repositories = repositoriesOf(rows, view.ticked);
		if (repositories.length > 1) {
			setUi((state) => ({ ...state, message: `One repository at a time: the ticked containers run ${repositories.join(', ')}.` }));
			return;
		}
		onConfirm(names);
	};

	useKeys((input, key) => {
		if (load.status !== 'ready') {
			if (input === '?') setHelpOpen(true);
			else if (input === 'q') onQuit();
			else if (input === 'r' && load.status === 'error') onRetry();
			// Typed before the list is there: kept for it.
			else if (load.status === 'loading') return LATER;
			return;
		}
		if (getUi().filtering) {
			if (key.escape) setUi((state) => ({ ...state, filter: '', filtering: false }));
			else if (key.return) setUi((state) => ({ ...state, filtering: false }));
			else if (key.backspace || key.delete) setUi((state) => ({ ...state, filter: state.filter.slice(0, -1) }));
			else if (key.upArrow) move(-1);
			else if (key.downArrow) move(1);
			else if (pageMove(key) !== 0) move(pageMove(key));
			else if (input === ' ') toggleCurrent();
			else if (input && !key.ctrl && !key.meta && !key.tab) setUi((state) => ({ ...state, filter: state.filter + input }));
			return;
		}
		if (isUp(input, key)) move(-1);
		else if (isDown(input, key)) move(1);
		else if (pageMove(key) !== 0) move(pageMove(key));
		else if (input === ' ') toggleCurrent();
		else if (input === 'a') toggleAll();
		else if (input === '/') setUi((state) => ({ ...state, filtering: true, message: undefined }));
		else if (key.escape) setUi((state) => ({ ...state, filter: '' }));
		else if (key.return) confirm();
		else if (input === 'r') onRetry();
		else if (input === 'q') onQuit();
		else if (input === '?') setHelpOpen(true);
	}, !helpOpen);

	const hints = filtering
		? 'type to filter · enter keep · esc clear · space tick'
		: 'space tick · a all · / filter · enter next · q quit';

	if (load.status !== 'ready') {
		return (
			<Frame help="containers" hints={load.status === 'error' ? 'r retry · q quit' : 'q quit'}>
				<LoadState load={load} failed="Could not list the containers." waiting="Listing the containers on this engine…" />
			</Frame>
		);
	}

	if (rows.length === 0) {
		return (
			<Frame help="containers" hints="r list again · q quit">
				<Box flexDirection="column" gap={1}>
					<Status variant="info">There are no containers on this engine.</Status>
					<Text dimColor>Start the application's containers, or point DOCKER_HOST at the engine that runs them, then press r.</Text>
				</Box>
			</Frame>
		);
	}

	const name = columnWidth(rows.map((row) => row.name), 4, 32);
	const version = columnWidth(rows.map(versionText), 7, 18);
	const state = columnWidth(rows.map((row) => row.state), 5, 10);
	const health = columnWidth(rows.map((row) => row.health ?? '-'), 6, 10);
	const engines = engineColumn(rows);
	const engineCell = (text: string) => (engines.width > 0 ? `${cell(text, engines.width)}  ` : '');
	const now = Date.now();
	const flags = [
		...preselect.containers.map((value) => `--container ${value}`),
		...(preselect.image ? [`--image ${preselect.image}`] : []),
		...preselect.labels.map((value) => `--label ${value}`),
	];
	const shown = new Set(visible.map((row) => row.name));
	const hidden = [...ticked].filter((tickedName) => !shown.has(tickedName)).length;

	const cursorLine = lines.findIndex((line) => line.kind === 'row' && line.index === cursor);
	const rendered = lines.map((line) => {
		if (line.kind === 'group') {
			return (
				<Text key={`group:${line.repository}`} wrap="truncate" bold>
					{line.repository}
					<Text dimColor>{` (${line.count})`}</Text>
				</Text>
			);
		}
		const { row } = line;
		const here = line.index === cursor;
		const text =
			`${here ? '›' : ' '} ${ticked.has(row.name) ? '[x]' : '[ ]'} ${cell(row.name, name)}  ${engineCell(row.engine)}${cell(versionText(row), version)}  ` +
			`${cell(row.state, state)}  ${cell(row.health ?? '-', health)}  ${formatUptime(row.startedAt, now) ? `up ${formatUptime(row.startedAt, now)}` : ''}` +
			// Under a project heading the repository is not in the heading: say it on the row.
			(row.compose ? `  ${row.compose.service}: ${row.repository}` : '');
		return (
			<Text key={`row:${row.name}`} wrap="truncate" bold={here} color={here ? 'cyan' : undefined}>
				{text.slice(0, columns)}
			</Text>
		);
	});

	const header = `${ticked.size} of ${rows.length} ticked${hidden > 0 ? ` (${hidden} hidden by the filter)` : ''}`;
	return (
		<Frame help="containers" hints={hints} status={message ? <Text color="yellow" wrap="truncate">{message}</Text> : undefined}>
			<Text wrap="truncate">
				{header}
				{filtering || filter ? <Text color="cyan">{` · filter: ${filter}${filtering ? '▏' : ''}`}</Text> : null}
				{flags.length > 0 ? <Text dimColor>{` · from flags: ${flags.join(' ')}`}</Text> : null}
				{/* Last: a narrow terminal cuts it before the flags (the chrome names the engine too). */}
				{engines.single ? <Text dimColor>{` · engine ${engines.single}`}</Text> : null}
			</Text>
			<Text wrap="truncate" dimColor>
				{`      ${cell('NAME', name)}  ${engineCell('ENGINE')}${cell('VERSION', version)}  ${cell('STATE', state)}  ${cell('HEALTH', health)}  UP`}
			</Text>
			{visible.length === 0 ? (
				<Text dimColor>{`Nothing matches "${filter}". esc clears the filter.`}</Text>
			) : (
				<Viewport rows={rendered} height={height - 2} anchor={Math.max(0, cursorLine)} mode="cursor" />
			)}
		</Frame>
	);
}
