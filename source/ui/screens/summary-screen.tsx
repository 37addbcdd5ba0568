import React, { useState } from 'react';
import { Text } from 'ink';
import type { ContainerSummary, RunSummary } from '../../core/events.js';
import { Frame, useBodyHeight, useChrome } from '../chrome.js';
import { formatBytes, formatDuration, RESULT_WORDS, serviceDowntimeLines, wrapText } from '../format.js';
import { isDown, isUp, useKeys, useTerminalSize } from '../terminal.js';
import { Viewport, maxScroll } from '../viewport.js';
import { timelineLines } from '../timeline.js';

// Screen 8: what happened and what to do next, per container; the exit code
// is the --yes exit code for the same outcome. A recovery ends here too, in
// its own words: it puts back, it does not upgrade.

export type RunOutcome = { kind: 'summary'; summary: RunSummary } | { kind: 'error'; message: string; exitCode: number; journal?: string };

type Tone = 'title' | 'good' | 'bad' | 'warn' | 'dim' | undefined;
interface SummaryLine {
	text: string;
	tone?: Tone;
}

export type SummaryFlow = 'upgrade' | 'recover';

function recoveryHeadline(exitCode: number): SummaryLine | undefined {
	if (exitCode === 0) return { text: '✔ Recovery complete: the interrupted run is closed.', tone: 'good' };
	if (exitCode >= 3) return { text: '✖ The recovery is incomplete: finish by hand with the commands below.', tone: 'bad' };
	return undefined;
}

function headline(exitCode: number, flow: SummaryFlow): SummaryLine {
	const recovery = flow === 'recover' ? recoveryHeadline(exitCode) : undefined;
	if (recovery) return recovery;
	switch (exitCode) {
		case 0:
			return { text: '✔ Upgrade complete.', tone: 'good' };
		case 1:
			return { text: '↺ The upgrade failed and was rolled back: the old version runs again.', tone: 'warn' };
		case 2:
			return { text: 'Nothing was changed.', tone: 'title' };
		default:
			return { text: '✖ The rollback is incomplete: finish by hand with the commands below.', tone: 'bad' };
	}
}

/** "1.6.0 → 1.6.1" when both are tags of one repository (a journal records whole image references). */
function versionStep(from: string, to: string): string {
	const split = (ref: string) => /^(.*\/[^/:]+|[^/:]+):([^/:]+)$/.exec(ref);
	const [a, b] = [split(from), split(to)];
	return a && b && a[1] === b[1] ? `${a[2]} → ${b[2]}` : `${from} → ${to}`;
}

function containerLines(container: ContainerSummary, columns: number): SummaryLine[] {
	const lines: SummaryLine[] = [];
	const tone: Tone = container.result === 'upgraded' ? 'good' : container.result === 'rollback-failed' ? 'bad' : container.result === 'rolled-back' || container.result === 'failed' ? 'warn' : undefined;
	lines.push({ text: `${container.container}  ${versionStep(container.from, container.to)}  ${RESULT_WORDS[container.result] ?? container.result}`, tone });
	if (container.engine) lines.push({ text: `  on engine ${container.engine}`, tone: 'dim' });
	const figures = [
		container.downtimeMs !== undefined ? `downtime ${formatDuration(container.downtimeMs)}` : '',
		container.pullMs !== undefined ? `pull ${formatDuration(container.pullMs)}` : '',
		container.totalMs !== undefined ? `total ${formatDuration(container.totalMs)}` : '',
	].filter(Boolean);
	if (figures.length > 0) lines.push({ text: `  ${figures.join(' · ')}` });
	const { backup, backups } = container;
	if (backups) {
		// A multi-hop run: each hop's backup, and the version it takes the database back to.
		for (const each of backups) {
			lines.push({ text: `  backup ${each.path} (${formatBytes(each.sizeBytes)}): restores ${each.returnsTo}` });
			lines.push({ text: `  ${each.format ? `${each.format} ` : ''}sha256 ${each.sha256}`, tone: 'dim' });
		}
	} else if (backup?.path) {
		lines.push({ text: `  backup ${backup.path}${backup.sizeBytes !== undefined ? ` (${formatBytes(backup.sizeBytes)})` : ''}` });
		if (backup.sha256) lines.push({ text: `  ${backup.format ? `${backup.format} ` : ''}sha256 ${backup.sha256}`, tone: 'dim' });
	}
	if (container.restored) lines.push({ text: '  the database was restored from the backup', tone: 'warn' });
	if (container.reason) lines.push({ text: `  reason: ${container.reason}`, tone: container.result === 'upgraded' ? undefined : 'warn' });
	if (container.keptOld) {
		lines.push({
			text: container.keptRemoval
				? `  kept ${container.keptOld}; once you are sure, remove them with: ${container.keptRemoval.join('; ')}`
				: `  kept ${container.keptOld}; remove it with: docker rm ${container.keptOld}`,
		});
	}
	// The generic guide's post-upgrade checklist, one line per check.
	for (const item of container.checklist ?? []) {
		const tone = item.status === 'failed' ? 'warn' : item.status === 'not done' ? 'dim' : undefined;
		lines.push({ text: `  ${item.status === 'done' ? '✓' : item.status === 'failed' ? '!' : '-'} ${item.check}: ${item.status}${item.detail ? ` (${item.detail})` : ''}`, ...(tone ? { tone } : {}) });
		for (const line of item.lines ?? []) lines.push({ text: `      ${line}`, tone: 'dim' });
	}
	if (container.state?.length) {
		lines.push({ text: '  on the engine now:' });
		for (const text of container.state) lines.push({ text: `    ${text}`, tone: 'dim' });
	}
	if (container.commands?.length) {
		lines.push({ text: '  to finish by hand:', tone: 'bad' });
		for (const text of container.commands) lines.push({ text: `    ${text}` });
	}
	// Last: what must be read comes first, where the time went is there to look at.
	for (const text of timelineLines(container.timeline, columns)) lines.push({ text, tone: 'dim' });
	return lines;
}

function nextSteps(summary: RunSummary, flow: SummaryFlow): string[] {
	const steps: string[] = [];
	const results = new Set(summary.containers.map((container) => container.result));
	if (flow === 'recover' && summary.exitCode === 0) {
		steps.push('Check that the application works.');
		steps.push('Its containers are no longer held: the wizard can upgrade them again.');
	} else if (summary.exitCode === 0) {
		steps.push('Check that the application works as you expect on the new version.');
		if (summary.containers.some((container) => container.backup)) {
			steps.push('Keep the backup until you are sure; it is the only way back past a migration.');
		}
		if (summary.containers.some((container) => container.keptOld)) steps.push('Remove the kept old containers when you are satisfied (commands above).');
	} else if (summary.exitCode === 1) {
		steps.push('The old version runs again. Fix the reason above, then run the wizard again.');
	} else if (summary.exitCode === 2) {
		steps.push('Run the wizard again when you are ready.');
	} else if (flow === 'recover') {
		steps.push('Run the commands above to finish by hand, or clear what is in the way and recover the run again (it stays listed); then check the application.');
	} else {
		steps.push('Run the commands above to finish by hand, then check the application.');
	}
	if (results.has('not-attempted') && summary.exitCode !== 2) steps.push('Containers not attempted were left as they were.');
	return steps;
}

export function summaryLines(outcome: RunOutcome, flow: SummaryFlow = 'upgrade', columns = 80): SummaryLine[] {
	if (outcome.kind === 'error') {
		const lines: SummaryLine[] = [
			{ text: `✖ The ${flow === 'recover' ? 'recovery' : 'run'} stopped with an error.`, tone: 'bad' },
			{ text: outcome.message },
		];
		if (outcome.journal) {
			lines.push({ text: 'What was done, and how to undo it, is in the journal.' });
			lines.push({ text: `journal: ${outcome.journal}`, tone: 'dim' });
		}
		lines.push({ text: `exit code ${outcome.exitCode}`, tone: 'dim' });
		return lines;
	}
	const { summary } = outcome;
	const lines: SummaryLine[] = [headline(summary.exitCode, flow)];
	if (summary.message) lines.push({ text: summary.message });
	for (const container of summary.containers) lines.push(...containerLines(container, columns));
	if (summary.service) {
		const byEngine = new Set(summary.containers.map((container) => container.engine)).size > 1;
		for (const text of serviceDowntimeLines(summary.service, byEngine)) lines.push({ text, tone: text.startsWith('service') ? undefined : 'dim' });
	}
	lines.push({ text: 'Next', tone: 'title' });
	for (const step of nextSteps(summary, flow)) lines.push({ text: `  • ${step}` });
	if (summary.journal) lines.push({ text: `journal: ${summary.journal}`, tone: 'dim' });
	lines.push({ text: `exit code ${summary.exitCode}`, tone: 'dim' });
	return lines;
}

export function exitCodeOf(outcome: RunOutcome): number {
	return outcome.kind === 'summary' ? outcome.summary.exitCode : outcome.exitCode;
}

export interface SummaryScreenProps {
	outcome: RunOutcome;
	onExit: (code: number) => void;
	flow?: SummaryFlow;
	/** Where enter goes instead of exiting (after a recovery: the runs left, or the containers); q still exits. */
	onNext?: { label: string; go: () => void };
}

const TONE_COLOR: Record<string, string> = { good: 'green', bad: 'red', warn: 'yellow' };

export function SummaryScreen({ outcome, onExit, flow = 'upgrade', onNext }: SummaryScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	const height = useBodyHeight();
	const [offset, setOffset] = useState(0);
	const { columns } = useTerminalSize();
	// Reasons and commands must be read whole: wrapped here, so the frame can count its lines.
	const lines = summaryLines(outcome, flow, columns).flatMap((line) => wrapText(line.text, columns, line.text.match(/^\s*(?:•\s)?/)?.[0].replace('•', ' ') ?? '').map((text) => ({ ...line, text })));
	const limit = maxScroll(lines.length, height);
	const code = exitCodeOf(outcome);

	useKeys((input, key) => {
		if (input === '?') setHelpOpen(true);
		else if (key.return && onNext) onNext.go();
		else if (key.return || input === 'q') onExit(code);
		else if (isUp(input, key)) setOffset((value) => Math.max(0, Math.min(value, limit) - 1));
		else if (isDown(input, key)) setOffset((value) => Math.min(limit, value + 1));
	}, !helpOpen);

	const rendered = lines.map((line, index) => (
		<Text
			key={index}
			wrap="truncate"
			bold={line.tone === 'title' || index === 0}
			dimColor={line.tone === 'dim'}
			color={line.tone ? TONE_COLOR[line.tone] : undefined}
		>
			{line.text}
		</Text>
	));
	return (
		<Frame help={onNext ? 'recovered' : 'summary'} hints={onNext ? `enter ${onNext.label} · q quit (code ${code})` : `enter or q exit (code ${code})`}>
			<Viewport rows={rendered} height={height} anchor={Math.min(offset, limit)} mode="scroll" />
		</Frame>
	);
}
