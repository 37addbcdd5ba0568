import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { Status } from '../../marks.js';
import type { ChosenContainer, ContainerRow } from '../../../core/wizard-backend.js';
import type { Load } from '../../use-load.js';
import { Frame, useBodyHeight, useChrome } from '../../chrome.js';
import { enginesOf, groupRows, initiallyTicked, rowKey, type ContainerGroup, type Preselection } from '../../container-groups.js';
import { cell, columnWidth, formatUptime } from '../../format.js';
import { LoadState } from '../../load-state.js';
import { useTerminalSize } from '../../terminal.js';
import { Viewport } from '../../viewport.js';
import { useContainersKeys } from './use-containers-keys.js';
import { useContainersState, viewOf, type ContainersContext } from './use-containers-state.js';

// Screen 2: which containers to upgrade. Rows are grouped by image repository
// because one run upgrades one repository to one version; a Compose project's
// services are grouped under the project, which they are upgraded through.
// With several engines each engine gets a heading of its own, in the order
// they were given (the order the run goes in); with one, the heading line
// names it.

export interface ContainerScreenProps {
	load: Load<ContainerRow[]>;
	preselect: Preselection;
	/** What was chosen before (coming back with esc): ticked again. */
	chosen: ChosenContainer[];
	onConfirm: (chosen: ChosenContainer[]) => void;
	onRetry: () => void;
	onQuit: () => void;
}

type Line =
	| { kind: 'engine'; engine: string; count: number }
	| { kind: 'group'; engine: string; repository: string; count: number }
	| { kind: 'row'; row: ContainerRow; index: number };

/** The version cell; a PostgreSQL server says its major, since a newer one is a procedure of its own. */
function versionText(row: ContainerRow): string {
	const version = row.version ?? '?';
	return row.postgresMajor === undefined ? version : `${version} (PG ${row.postgresMajor})`;
}

/** Headings and rows in the order shown; an engine heading only when the rows come from several. */
function linesOf(groups: ContainerGroup[], several: boolean): Line[] {
	const list: Line[] = [];
	let index = 0;
	let engine: string | undefined;
	for (const group of groups) {
		if (several && group.engine !== engine) {
			engine = group.engine;
			const count = groups.filter((each) => each.engine === group.engine).reduce((sum, each) => sum + each.rows.length, 0);
			list.push({ kind: 'engine', engine: group.engine, count });
		}
		list.push({ kind: 'group', engine: group.engine, repository: group.repository, count: group.rows.length });
		for (const row of group.rows) list.push({ kind: 'row', row, index: index++ });
	}
	return list;
}

export function ContainerScreen({ load, preselect, chosen, onConfirm, onRetry, onQuit }: ContainerScreenProps) {
	const { helpOpen, setHelpOpen, engine: connected } = useChrome();
	const { columns } = useTerminalSize();
	const height = useBodyHeight();
	const rows = load.status === 'ready' ? load.value : [];
	const defaults = useMemo(() => (chosen.length > 0 ? new Set(chosen.map((each) => rowKey({ engine: each.engine ?? '', name: each.name }))) : initiallyTicked(rows, preselect)), [chosen, rows, preselect]);
	// Every key derives the view again (the key queue's handlers read the newest state):
	// 300 rows filtered and sorted per key showed, so the rows of each filter are kept.
	const groupsOf = useMemo(() => {
		const byFilter = new Map<string, ContainerGroup[]>();
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
	const context: ContainersContext = { defaults, groupsOf };
	const [ui, getUi, dispatch] = useContainersState(context);
	const { filter, filtering, message } = ui;
	const { ticked, visible, cursor } = viewOf(ui, context);
	const engines = useMemo(() => enginesOf(rows), [rows]);
	const several = engines.length > 1;
	const groups = groupsOf(filter);
	const lines = useMemo(() => linesOf(groups, several), [groups, several]);

	// A page is the rows the viewport shows (its height less the two "more" lines); 300 rows are a dozen pages.
	useContainersKeys({
		load,
		rows,
		context,
		getState: getUi,
		dispatch,
		page: Math.max(1, height - 4),
		active: !helpOpen,
		onConfirm,
		onRetry,
		onQuit,
		onHelp: () => setHelpOpen(true),
	});

	const hints = filtering ? 'type to filter · enter keep · esc clear · space tick' : 'space tick · a all · / filter · enter next · q quit';

	if (load.status !== 'ready') {
		return (
			<Frame help="containers" hints={load.status === 'error' ? 'r retry · q quit' : 'q quit'}>
				<LoadState load={load} failed="Could not list the containers." waiting={`Listing the containers on ${connected?.engines ? 'every engine' : 'this engine'}…`} />
			</Frame>
		);
	}

	if (rows.length === 0) {
		return (
			<Frame help="containers" hints="r list again · q quit">
				<Box flexDirection="column" gap={1}>
					<Status variant="info">{`There are no containers on ${several ? 'these engines' : 'this engine'}.`}</Status>
					<Text dimColor>Start the application's containers, or point DOCKER_HOST at the engine that runs them, then press r.</Text>
				</Box>
			</Frame>
		);
	}

	const name = columnWidth(rows.map((row) => row.name), 4, 32);
	const version = columnWidth(rows.map(versionText), 7, 18);
	const state = columnWidth(rows.map((row) => row.state), 5, 10);
	const health = columnWidth(rows.map((row) => row.health ?? '-'), 6, 10);
	const now = Date.now();
	const flags = [
		...preselect.containers.map((value) => `--container ${value}`),
		...(preselect.image ? [`--image ${preselect.image}`] : []),
		...preselect.labels.map((value) => `--label ${value}`),
	];
	const shown = new Set(visible.map(rowKey));
	const hidden = [...ticked].filter((key) => !shown.has(key)).length;

	const cursorLine = lines.findIndex((line) => line.kind === 'row' && line.index === cursor);
	const rendered = lines.map((line) => {
		if (line.kind === 'engine') {
			return (
				<Text key={`engine:${line.engine}`} wrap="truncate" bold color="magenta">
					{`engine ${line.engine}`}
					<Text dimColor>{` (${line.count})`}</Text>
				</Text>
			);
		}
		if (line.kind === 'group') {
			return (
				<Text key={`group:${line.engine}:${line.repository}`} wrap="truncate" bold>
					{several ? `  ${line.repository}` : line.repository}
					<Text dimColor>{` (${line.count})`}</Text>
				</Text>
			);
		}
		const { row } = line;
		const here = line.index === cursor;
		const text =
			`${here ? '›' : ' '} ${ticked.has(rowKey(row)) ? '[x]' : '[ ]'} ${cell(row.name, name)}  ${cell(versionText(row), version)}  ` +
			`${cell(row.state, state)}  ${cell(row.health ?? '-', health)}  ${formatUptime(row.startedAt, now) ? `up ${formatUptime(row.startedAt, now)}` : ''}` +
			// Under a project heading the repository is not in the heading: say it on the row.
			(row.compose ? `  ${row.compose.service}: ${row.repository}` : '');
		return (
			<Text key={`row:${rowKey(row)}`} wrap="truncate" bold={here} color={here ? 'cyan' : undefined}>
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
				<Text dimColor>{several ? ` · ${engines.length} engines` : ` · engine ${engines[0]}`}</Text>
			</Text>
			<Text wrap="truncate" dimColor>
				{`      ${cell('NAME', name)}  ${cell('VERSION', version)}  ${cell('STATE', state)}  ${cell('HEALTH', health)}  UP`}
			</Text>
			{visible.length === 0 ? (
				<Text dimColor>{`Nothing matches "${filter}". esc clears the filter.`}</Text>
			) : (
				<Viewport rows={rendered} height={height - 2} anchor={Math.max(0, cursorLine)} mode="cursor" />
			)}
		</Frame>
	);
}
