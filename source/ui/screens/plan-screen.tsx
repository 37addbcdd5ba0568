import React, { useMemo, useState } from 'react';
import { Text } from 'ink';
import type { PlanPreview } from '../../core/wizard-backend.js';
import type { Load } from '../use-load.js';
import { Frame, useBodyHeight, useChrome } from '../chrome.js';
import { LoadState } from '../load-state.js';
import { isDown, isUp, LATER, useKeys, useTerminalSize } from '../terminal.js';
import { wrapText } from '../format.js';
import { Viewport, maxScroll } from '../viewport.js';

// Screen 4: exactly what will happen, before anything does. Enter here is the
// operator's "yes" to the plan; the executor's own plan gate is answered with it.

export interface PlanScreenProps {
	load: Load<PlanPreview>;
	tag: string;
	onConfirm: () => void;
	onBack: () => void;
	onQuit: () => void;
	onRetry: () => void;
	/** Set when the database came from the operator (a URL or a skip): d asks again. */
	onChangeDatabase?: () => void;
}

type PlanLine = { text: string; tone?: 'title' | 'dim' | 'warning' };

export function planLines(preview: PlanPreview): PlanLine[] {
	const lines: PlanLine[] = [];
	// Several engines: the containers come engine after engine, each saying which.
	const several = new Set(preview.containers.map((container) => container.engine)).size > 1;
	for (const container of preview.containers) {
		const via = container.hops.length > 0 ? ` (via ${container.hops.join(' → ')})` : '';
		const where = several && container.engine ? ` on ${container.engine}` : '';
		lines.push({ text: `${container.name}${where}  ${container.from} → ${container.to}${via}`, tone: 'title' });
		lines.push({ text: `  stops:  ${container.stops}` });
		lines.push({ text: `  backup: ${container.backup ?? 'none'}`, tone: container.backup ? undefined : 'warning' });
		lines.push({ text: `  health: ${container.health}` });
		if (container.profile) lines.push({ text: `  profile: ${container.profile}` });
		container.steps.forEach((step, index) => lines.push({ text: `   ${String(index + 1).padStart(2)}. ${step}`, tone: 'dim' }));
		if (container.diff && container.diff.length > 0) {
			lines.push({ text: '  the edit:' });
			for (const line of container.diff) lines.push({ text: `    ${line}`, tone: line.startsWith('-') || line.startsWith('+') ? 'warning' : 'dim' });
		}
	}
	if (preview.warnings.length > 0) {
		lines.push({ text: 'Warnings', tone: 'title' });
		for (const warning of preview.warnings) lines.push({ text: `  ! ${warning}`, tone: 'warning' });
	}
	return lines;
}

export function PlanScreen({ load, tag, onConfirm, onBack, onQuit, onRetry, onChangeDatabase }: PlanScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	const height = useBodyHeight();
	const [offset, setOffset] = useState(0);
	const { columns } = useTerminalSize();
	// Long lines (the health gate, a backup path) wrap instead of losing their ends; each row stays one line of the viewport.
	// Kept across keys: a plan of 300 containers is some 3,600 lines to wrap, once per width.
	const lines = useMemo(
		() => (load.status === 'ready' ? planLines(load.value).flatMap((line) => wrapText(line.text, columns, '      ').map((text) => ({ ...line, text }))) : []),
		[load, columns],
	);
	const room = height - 1;
	const limit = maxScroll(lines.length, room);
	const page = Math.max(1, room - 2);

	useKeys((input, key) => {
		if (input === '?') setHelpOpen(true);
		else if (input === 'q') onQuit();
		else if (key.escape) onBack();
		else if (load.status === 'error' && input === 'r') onRetry();
		else if (load.status !== 'loading' && input === 'd' && onChangeDatabase) onChangeDatabase();
		else if (load.status === 'loading') return LATER;
		else if (load.status !== 'ready') return;
		else if (isUp(input, key)) setOffset((value) => Math.max(0, Math.min(value, limit) - 1));
		else if (isDown(input, key)) setOffset((value) => Math.min(limit, value + 1));
		else if (key.pageDown) setOffset((value) => Math.min(limit, Math.min(value, limit) + page));
		else if (key.pageUp) setOffset((value) => Math.max(0, Math.min(value, limit) - page));
		else if (key.end) setOffset(limit);
		else if (key.home) setOffset(0);
		else if (key.return) onConfirm();
	}, !helpOpen);

	if (load.status !== 'ready') {
		return (
			<Frame help="plan" hints={load.status === 'error' ? `r retry${onChangeDatabase ? ' · d another database' : ''} · esc back · q quit` : 'esc back · q quit'}>
				<LoadState load={load} failed="Could not plan this upgrade." waiting={`Planning the upgrade to ${tag} (preflight checks)…`} />
			</Frame>
		);
	}

	const count = load.value.containers.length;
	// A Swarm service is one unit however many tasks it runs.
	const noun = load.value.containers.every((unit) => unit.kind === 'swarm-service') ? 'service' : 'container';
	const engines = new Set(load.value.containers.map((container) => container.engine)).size;
	const rendered = lines.map((line, index) => (
		<Text
			key={index}
			wrap="truncate"
			bold={line.tone === 'title'}
			dimColor={line.tone === 'dim'}
			color={line.tone === 'warning' ? 'yellow' : undefined}
		>
			{line.text}
		</Text>
	));
	return (
		<Frame help="plan" hints={`enter start the upgrade${onChangeDatabase ? ' · d another database' : ''} · esc back · q quit`}>
			<Text wrap="truncate">
				{`The plan: ${count} ${noun}${count === 1 ? '' : 's'}${engines > 1 ? ` on ${engines} engines` : ''} to ${tag}, one at a time. Nothing has been touched yet.`}
			</Text>
			<Viewport rows={rendered} height={room} anchor={Math.min(offset, limit)} mode="scroll" />
		</Frame>
	);
}
