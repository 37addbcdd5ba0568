import React from 'react';
import { Text } from 'ink';
import { Badge } from '../marks.js';
import type { TargetChoice, TargetRow, UpgradeKind } from '../../core/wizard-backend.js';
import type { Load } from '../use-load.js';
import { Frame, useBodyHeight, useChrome } from '../chrome.js';
import { cell, columnWidth, truncate } from '../format.js';
import { LoadState } from '../load-state.js';
import { isDown, isUp, LATER, useKeys, useTerminalSize } from '../terminal.js';
import { Viewport } from '../viewport.js';
import { useRefState } from '../ref-state.js';

// Screen 3: the version to upgrade to. Newest first; every row says how big
// the step is; rows that cannot be chosen stay visible with the reason, so
// "why is 1.5 not offered" never needs asking.

export interface TargetScreenProps {
	load: Load<TargetChoice>;
	containers: string[];
	/** --to, or the tag chosen before going back. */
	preferred?: string;
	onChoose: (tag: string) => void;
	onBack: () => void;
	onQuit: () => void;
	onRetry: () => void;
}

interface ScreenState {
	cursorTag?: string;
	/** Undefined until p is pressed: shown when --to names a pre-release. */
	showPre?: boolean;
	message?: string;
}

const KIND_COLOR: Record<string, string> = { patch: 'green', minor: 'yellow', major: 'red' };

function KindBadge({ kind }: { kind: UpgradeKind }) {
	const color = KIND_COLOR[kind];
	// A badge is 7 wide (" MINOR "); the column is as wide as "downgrade".
	if (color)
		return (
			<Text>
				<Badge color={color}>{kind}</Badge>
				{'  '}
			</Text>
		);
	return <Text dimColor>{cell(kind, 9)}</Text>;
}

function matches(row: TargetRow, wanted: string | undefined): boolean {
	return wanted !== undefined && (row.tag === wanted || row.version === wanted || row.version === wanted.replace(/^v/, ''));
}

export function TargetScreen({ load, containers, preferred, onChoose, onBack, onQuit, onRetry }: TargetScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	const { columns } = useTerminalSize();
	const height = useBodyHeight();
	const choice = load.status === 'ready' ? load.value : undefined;
	const preferredIsPre = choice?.rows.some((row) => row.prerelease && matches(row, preferred)) ?? false;
	const [ui, getUi, setUi] = useRefState<ScreenState>({});
	const derive = (state: ScreenState) => {
		const showPrereleases = state.showPre ?? preferredIsPre;
		const rows = choice ? choice.rows.filter((row) => showPrereleases || !row.prerelease) : [];
		const initial = (() => {
			const byPreferred = rows.findIndex((row) => matches(row, preferred));
			if (byPreferred >= 0) return byPreferred;
			const byProposed = rows.findIndex((row) => matches(row, choice?.proposed));
			if (byProposed >= 0) return byProposed;
			return Math.max(0, rows.findIndex((row) => !row.disabledReason));
		})();
		const found = state.cursorTag === undefined ? -1 : rows.findIndex((row) => row.tag === state.cursorTag);
		const cursor = found >= 0 ? found : initial;
		return { showPrereleases, rows, cursor, current: rows[cursor] };
	};
	const { showPrereleases, rows, cursor, current } = derive(ui);
	const message = ui.message;
	const hiddenPre = (choice?.rows.length ?? 0) - rows.length;

	const move = (delta: number) =>
		setUi((state) => {
			const view = derive(state);
			if (view.rows.length === 0) return state;
			return { ...state, cursorTag: view.rows[Math.min(view.rows.length - 1, Math.max(0, view.cursor + delta))]!.tag, message: undefined };
		});

	useKeys((input, key) => {
		if (input === '?') setHelpOpen(true);
		else if (input === 'q') onQuit();
		else if (key.escape) onBack();
		else if (load.status === 'error' && input === 'r') onRetry();
		else if (load.status === 'loading') return LATER;
		else if (!choice) return;
		else if (isUp(input, key)) move(-1);
		else if (isDown(input, key)) move(1);
		else if (input === 'p') setUi((state) => ({ ...state, showPre: !derive(state).showPrereleases }));
		else if (key.return) {
			const chosen = derive(getUi()).current;
			if (!chosen) return;
			if (chosen.disabledReason) setUi((state) => ({ ...state, message: `${chosen.tag} cannot be chosen: ${chosen.disabledReason}` }));
			else onChoose(chosen.tag);
		}
	}, !helpOpen);

	const hints = 'enter choose · p pre-releases · esc back · q quit';
	if (!choice) {
		return (
			<Frame help="target" hints={load.status === 'error' ? 'r retry · esc back · q quit' : 'esc back · q quit'}>
				<LoadState load={load} failed="Could not list the versions." waiting={`Asking the registry for the versions of ${containers.join(', ')}…`} />
			</Frame>
		);
	}

	const tagWidth = columnWidth(rows.map((row) => row.tag), 5, 24);
	const preferredMissing = preferred !== undefined && !choice.rows.some((row) => matches(row, preferred));
	const rendered = rows.map((row, index) => {
		const here = index === cursor;
		const disabled = Boolean(row.disabledReason);
		const notes = [
			row.hops.length > 0 ? `via ${row.hops.join(' → ')}` : '',
			row.prerelease ? 'pre-release' : '',
			row.disabledReason ?? '',
		]
			.filter(Boolean)
			.join(' · ');
		return (
			<Text key={row.tag} wrap="truncate" bold={here} dimColor={disabled && !here}>
				<Text color={here ? 'cyan' : undefined}>{`${here ? '›' : ' '} ${cell(row.tag, tagWidth)} `}</Text>
				<KindBadge kind={row.kind} />
				<Text>{` ${truncate(notes, Math.max(0, columns - tagWidth - 14))}`}</Text>
			</Text>
		);
	});

	const detail = current
		? [
				current.hops.length > 0 ? `path: ${[choice.current, ...current.hops, current.version].join(' → ')}` : `path: ${choice.current} → ${current.version}`,
				current.releaseNotes ? `notes: ${current.releaseNotes.replace(/\s+/g, ' ')}` : '',
			].filter(Boolean)
		: [];

	return (
		<Frame help="target" hints={hints} status={message ? <Text color="yellow" wrap="truncate">{message}</Text> : undefined}>
			<Text wrap="truncate">
				<Text bold>{choice.repository}</Text>
				{` · now ${choice.current} · ${containers.join(', ')}`}
				<Text dimColor>{hiddenPre > 0 ? ` · ${hiddenPre} pre-release${hiddenPre === 1 ? '' : 's'} hidden (p)` : showPrereleases ? ' · pre-releases shown (p)' : ''}</Text>
			</Text>
			{preferredMissing ? <Text color="yellow" wrap="truncate">{`--to ${preferred} is not a tag of ${choice.repository}`}</Text> : null}
			{rows.length === 0 ? (
				<Text>{`No versions of ${choice.repository} to offer${hiddenPre > 0 ? ' (p shows the pre-releases)' : ''}.`}</Text>
			) : (
				<Viewport rows={rendered} height={height - 1 - (preferredMissing ? 1 : 0) - detail.length} anchor={cursor} mode="cursor" />
			)}
			{detail.map((line) => (
				<Text key={line} wrap="truncate" dimColor>
					{line}
				</Text>
			))}
		</Frame>
	);
}
