import type { ContainerSummary, RunSummary, TimedEvent } from '../core/events.js';
import { describeChecklist } from '../core/plan/checks.js';
import { describeGateAnswer } from '../core/gate-answer.js';
import { formatBytes, formatDuration, RESULT_WORDS, serviceDowntimeLines } from '../text/format.js';
import { shownOn } from '../core/cluster-names.js';

// Plain lines for --yes runs and logs: one line per event, pull progress only
// every tenth of the way so a log file stays readable. The engine of each
// container is named once when there is one (the run line, the plan's Engine
// line, the summary heading), and on every line when there are several (a
// name on several engines is labelled `<name> on <engine>` already: said once).


export function humanReporter(write: (text: string) => void): (event: TimedEvent) => void {
	const lastDecile = new Map<string, number>();
	const line = (text: string) => write(`${text}\n`);
	let several = false;
	return (event) => {
		if (several && 'container' in event && event.container !== undefined && event.engine) {
			// Every `[container]` line says the engine when the run has several: the name alone may not tell them apart.
			event = { ...event, container: shownOn(event.container, event.engine, true) };
		}
		switch (event.type) {
			case 'run-started': {
				const engines = new Set(Object.values(event.engines ?? {}));
				several = engines.size > 1;
				const names = several ? event.containers.map((name) => shownOn(name, event.engines![name] ?? '?', true)) : event.containers;
				const on = engines.size === 1 ? ` on ${[...engines][0]}` : '';
				line(`upgrade-wizard run ${event.runId}: ${names.join(', ')}${on}${event.journal ? ` (journal ${event.journal})` : ''}`);
				break;
			}
			case 'plan':
				// One write for the whole plan: 300 containers are 1,200 lines, a write each was a syscall each.
				write(`${['plan:', ...event.lines.map((text) => `  ${text}`)].join('\n')}\n`);
				break;
			case 'gate':
				line(describeGateAnswer(event));
				break;
			case 'step-started':
				line(`[${event.container}] ${event.step}${event.detail ? `: ${event.detail}` : ''}`);
				break;
			case 'progress': {
				if (event.step !== 'pull') {
					// Byte counters of pg_dump / pg_restore: one line every ~5 s is enough for a log.
					const key = `${event.container}:${event.step}`;
					const slot = Math.floor(event.elapsedMs / 5000);
					if ((lastDecile.get(key) ?? -1) >= slot) break;
					lastDecile.set(key, slot);
					line(`[${event.container}] ${event.step} ${formatBytes(event.bytes)} in ${formatDuration(event.elapsedMs)}`);
					break;
				}
				const { current, total, layersDone, layersKnown } = event.progress;
				// Nothing to download (image already present): no progress to speak of.
				if (total === 0) break;
				const decile = total > 0 ? Math.floor((current / total) * 10) : 0;
				if ((lastDecile.get(event.container) ?? -1) >= decile) break;
				lastDecile.set(event.container, decile);
				line(`[${event.container}] pull ${decile * 10}% ${formatBytes(current / 2)} of ${formatBytes(total / 2)} (${layersDone}/${layersKnown} layers)`);
				break;
			}
			case 'step-done':
				line(`[${event.container}] ${event.step} done in ${formatDuration(event.durationMs)}${event.detail ? `: ${event.detail}` : ''}`);
				break;
			case 'log':
				line(`[${event.container}] ${event.source === 'one-off' ? 'one-off ' : ''}| ${event.line}`);
				break;
			case 'health':
				line(`[${event.container}] health: ${event.status}${event.detail ? ` (${event.detail})` : ''}`);
				break;
			case 'warning':
				line(`${event.container ? `[${event.container}] ` : ''}warning: ${event.message}`);
				break;
			case 'failure':
				line(`[${event.container}] FAILED at ${event.step}: ${event.message}`);
				for (const text of event.detail ?? []) line(`[${event.container}]   ${text}`);
				break;
			case 'abort':
				line(`abort requested (${event.reason}): rolling back at the next safe point`);
				break;
			case 'rollback-started':
				line(`[${event.container}] rolling back: ${event.reason}`);
				break;
			case 'rollback-step':
				line(`[${event.container}] rollback: ${event.action} ${event.ok ? 'ok' : `FAILED: ${event.detail ?? ''}`}`);
				break;
			case 'rollback-done':
				line(`[${event.container}] rollback ${event.ok ? 'complete' : 'INCOMPLETE'}${event.detail ? `: ${event.detail}` : ''}`);
				break;
			case 'container-done':
				break;
			case 'run-done':
				for (const text of summaryLines(event.summary)) line(text);
				break;
		}
	};
}

export function summaryLines(summary: RunSummary): string[] {
	const engines = new Set(summary.containers.map((container) => container.engine ?? '?'));
	const one = engines.size === 1 && !engines.has('?') ? [...engines][0] : undefined;
	const lines = [one ? `summary (engine ${one}):` : 'summary:'];
	const who = (container: ContainerSummary) => shownOn(container.container, container.engine, engines.size > 1);
	if (summary.message) lines.push(`  ${summary.message}`);
	for (const container of summary.containers) {
		const figures =
			container.result === 'upgraded' || container.result === 'rolled-back'
				? `  downtime ${formatDuration(container.downtimeMs)}, pull ${formatDuration(container.pullMs)}, total ${formatDuration(container.totalMs)}`
				: '';
		const moved = container.now && container.now !== container.to && container.now !== container.from ? ` (now on ${container.now})` : '';
		lines.push(`  ${who(container)}: ${container.from} -> ${container.to}: ${RESULT_WORDS[container.result]}${moved}${figures}`);
		if (container.reason) lines.push(`    reason: ${container.reason}`);
		if (container.keptOld) {
			lines.push(
				container.keptRemoval
					? `    kept ${container.keptOld}; once you are sure, remove them with: ${container.keptRemoval.join('; ')}`
					: `    kept ${container.keptOld}; remove it with: docker rm ${container.keptOld}`,
			);
		}
		if (container.backups) {
			for (const backup of container.backups) lines.push(`    backup (restores ${backup.returnsTo}): ${backup.path} (${backup.format ? `${backup.format} ` : ''}sha256 ${backup.sha256})`);
		} else if (container.backup) lines.push(`    backup: ${container.backup.path} (${container.backup.format ? `${container.backup.format} ` : ''}sha256 ${container.backup.sha256})`);
		if (container.restored) lines.push('    database restored from that backup and verified (row counts; for an embedded server, every file of its data directory)');
		if (container.checklist) lines.push(`    ${describeChecklist(container.checklist)}`);
		if (container.state?.length) {
			lines.push('    state now:');
			for (const text of container.state) lines.push(`      ${text}`);
		}
		if (container.commands?.length) {
			lines.push('    to finish by hand:');
			for (const text of container.commands) lines.push(`      ${text}`);
		}
	}
	if (summary.service) lines.push(...serviceDowntimeLines(summary.service, engines.size > 1).map((line) => `  ${line}`));
	if (summary.exitCode === 3 && summary.journal) lines.push(`  or let the journal finish it: upgrade-wizard recover ${summary.runId}`);
	lines.push(`exit code ${summary.exitCode}${summary.journal ? `; journal ${summary.journal}` : ''}`);
	return lines;
}
