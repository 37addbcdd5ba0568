import type Docker from 'dockerode';
import type { ContainerInspectInfo } from 'dockerode';
import { UsageError } from '../core/errors.js';
import { parseImageReference } from '../registry/reference.js';

// Which containers a run is about. Selection flags are resolved here; the
// result is a list of container names in the order the run will take them.

export interface Selection {
	containers: string[];
	/** Swarm services by name (targets/swarm/select.ts resolves them). */
	services?: string[];
	image?: string;
	labels: string[];
}

export function containerName(info: { Name?: string; Names?: string[] }): string {
	const raw = info.Name ?? info.Names?.[0] ?? '';
	return raw.replace(/^\//, '');
}

/** Repository part of an image reference as written (`host:5000/a/b:1.2` -> `host:5000/a/b`). */
export function repositoryOf(ref: string): string {
	const at = ref.indexOf('@');
	const withoutDigest = at >= 0 ? ref.slice(0, at) : ref;
	const slash = withoutDigest.lastIndexOf('/');
	const colon = withoutDigest.lastIndexOf(':');
	return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

export function tagOf(ref: string): string | undefined {
	if (ref.includes('@')) return undefined;
	const slash = ref.lastIndexOf('/');
	const colon = ref.lastIndexOf(':');
	return colon > slash ? ref.slice(colon + 1) : 'latest';
}

/** docker.io/library/x, docker.io/x and x all name the same repository (the registry module normalises). */
export function sameRepository(a: string, b: string): boolean {
	try {
		const [left, right] = [parseImageReference(a), parseImageReference(b)];
		return left.registry === right.registry && left.repository === right.repository;
	} catch {
		// A malformed reference names no repository at all.
		return false;
	}
}

export async function inspectByName(docker: Docker, name: string): Promise<ContainerInspectInfo | undefined> {
	try {
		const info = await docker.getContainer(name).inspect();
		// The engine also matches ID prefixes; a selection by name must match the name.
		if (containerName(info) !== name && !info.Id.startsWith(name)) return undefined;
		return info;
	} catch (error) {
		if ((error as { statusCode?: number }).statusCode === 404) return undefined;
		throw error;
	}
}

/** The engine-held run lock (docker/engine-lock.ts) is a container, but never one to upgrade or list. */
export function isRunLock(labels: Record<string, string> | undefined | null): boolean {
	return labels?.['io.upgrade-wizard.lock'] === '1';
}

export async function selectContainers(docker: Docker, selection: Selection): Promise<string[]> {
	const names: string[] = [];
	for (const name of selection.containers) {
		const info = await inspectByName(docker, name);
		if (!info) throw new UsageError(`no container named ${name} on this engine`);
		const actual = containerName(info);
		if (!names.includes(actual)) names.push(actual);
	}
	if (selection.image || selection.labels.length > 0) {
		const filters: Record<string, string[]> = {};
		if (selection.labels.length > 0) filters.label = selection.labels;
		const rows = await docker.listContainers({ all: true, filters });
		const matched = rows
			.filter((row) => !isRunLock(row.Labels))
			.filter((row) => !selection.image || sameRepository(repositoryOf(row.Image), selection.image))
			.map((row) => containerName(row))
			.filter((name) => !name.endsWith('-old'))
			.sort();
		if (matched.length === 0) {
			const what = [selection.image && `image ${selection.image}`, ...selection.labels.map((label) => `label ${label}`)].filter(Boolean).join(' and ');
			throw new UsageError(`no container matches ${what}`);
		}
		for (const name of matched) if (!names.includes(name)) names.push(name);
	}
	if (names.length === 0) throw new UsageError('no container selected: use --container NAME, --image REPO or --label KEY=VALUE');
	return names;
}
