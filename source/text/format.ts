import type { ContainerResult, ServiceDowntime } from '../core/events.js';
import { shownOn } from '../core/cluster-names.js';

// Small formatting helpers shared by the text renderings of events.

export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const units = ['kB', 'MB', 'GB', 'TB'];
	let value = bytes / 1024;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(ms: number | undefined): string {
	if (ms === undefined) return '-';
	if (ms < 1000) return `${ms} ms`;
	const seconds = ms / 1000;
	if (seconds < 60) return `${seconds.toFixed(1)} s`;
	const minutes = Math.floor(seconds / 60);
	return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** How a container's result reads, the same in every rendering. */
export const RESULT_WORDS: Record<ContainerResult, string> = {
	upgraded: 'upgraded',
	'rolled-back': 'rolled back',
	failed: 'failed, nothing changed',
	'rollback-failed': 'ROLLBACK INCOMPLETE',
	'not-attempted': 'not attempted',
	'dry-run': 'planned',
};

/** The engine's short form of an ID (container, image, volume): the first 12 hex digits. */
export function shortId(id: string): string {
	return id.replace(/^sha256:/, '').slice(0, 12);
}

/** A UTC time for file and run names: 20261201T224653Z (sortable, no characters a path dislikes). */
export function fileStamp(now = new Date()): string {
	return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** A cluster's downtime behind a load balancer, and who was down when (clock times, to the tenth of a second). */
export function serviceDowntimeLines(service: ServiceDowntime, byEngine: boolean): string[] {
	const clock = (iso: string) => iso.slice(11, 21);
	const who = (window: ServiceDowntime['windows'][number]) => shownOn(window.container, window.engine, byEngine);
	const verdict = service.downtimeMs === 0 ? 'at least one node served throughout' : 'every node was down at once';
	const lines = [`service (${service.nodes} nodes): downtime ${formatDuration(service.downtimeMs)}, ${verdict}`];
	for (const window of service.windows) lines.push(`  ${who(window)} down ${clock(window.from)}-${clock(window.to)} UTC (${formatDuration(window.ms)})`);
	return lines;
}
