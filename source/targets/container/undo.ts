import { shortId } from '../../text/format.js';
import type Docker from 'dockerode';
import type { UnitRecord } from '../../core/journal/journal.js';
import type { ContainerRecord } from './record.js';
import type { Undo } from '../../core/ports.js';
import { containerState, removeContainer, renameContainer, startContainer, stopContainer } from '../../docker/swap.js';

// The typed undos of a container's swap, run against what the engine holds
// now: each is idempotent, so a rollback after a failure and a recovery after
// a crash (even a second one) end in the same state.

export type ContainerUndo =
	| { kind: 'start-container'; containerId: string }
	| { kind: 'rename-container'; containerId: string; to: string }
	| { kind: 'remove-container'; name: string; image: string; keep: string; containerId?: string }
	// A namespace or link dependent, recreated around the provider's swap (dependent-transitions.ts).
	| { kind: 'start-dependent'; containerId: string; name: string }
	| { kind: 'unpark-dependent'; containerId: string; to: string; parked: string }
	| { kind: 'remove-dependent'; name: string; image: string; keep: string; containerId?: string }
	| { kind: 'none'; why: string };

/** Rollback runs detach undos (what is new goes, names go back) before revive ones (the old containers start). */
export function undoPhaseOf(undo: Undo): 'detach' | 'revive' | 'none' {
	const kind = (undo as ContainerUndo).kind;
	if (kind === 'start-container' || kind === 'start-dependent') return 'revive';
	if (kind === 'none') return 'none';
	return 'detach';
}

/** The undo in words; two undos with one label run once (a create and a start both remove the new container). */
export function undoLabel(record: UnitRecord, undo: Undo): string {
	const entry = record as ContainerRecord;
	const typed = undo as ContainerUndo;
	switch (typed.kind) {
		case 'remove-container':
			// Staged or not, it is the one new container: one label, so the undo runs once.
			return typed.name === entry.name || typed.name === entry.stagedName ? `remove the new ${entry.name}` : `remove ${typed.name}`;
		case 'rename-container':
			return `rename ${entry.parkedName} back to ${entry.name}`;
		case 'start-container':
			return `start the old ${entry.name}`;
		case 'start-dependent':
			return `start the old ${typed.name} (${shortId(typed.containerId)}) in the old ${entry.name}'s namespace`;
		case 'unpark-dependent':
			return `rename ${typed.parked} back to ${typed.to}`;
		case 'remove-dependent':
			return `remove the new ${typed.name}`;
		case 'none':
			return typed.why;
	}
}

/** The hand-typed equivalent of an undo, for the exit-3 hand-over. */
export function undoCommand(record: UnitRecord, undo: Undo): string | undefined {
	const entry = record as ContainerRecord;
	const typed = undo as ContainerUndo;
	switch (typed.kind) {
		case 'remove-container':
		case 'remove-dependent':
			return `docker rm -f ${typed.containerId ? shortId(typed.containerId) : typed.name}`;
		case 'rename-container':
			return `docker rename ${entry.parkedName} ${typed.to}`;
		case 'unpark-dependent':
			return `docker rename ${typed.parked} ${typed.to}`;
		case 'start-container':
		case 'start-dependent':
			return `docker start ${shortId(typed.containerId)}`;
		default:
			return undefined;
	}
}


export async function undoOnce(docker: Docker, record: UnitRecord, undo: Undo): Promise<void> {
	const entry = record as ContainerRecord;
	const typed = undo as ContainerUndo;
	if (typed.kind === 'remove-container') {
		let candidate = typed.containerId ?? entry.newId;
		if (!candidate) {
			// The engine may have created it before the journal learnt its ID: find it by
			// name, and only if it runs the target image.
			const named = await containerState(docker, typed.name);
			if (named && named.image === typed.image) candidate = named.id;
		}
		// Never remove the old container by mistake: only an ID other than the old one.
		if (candidate && candidate !== typed.keep && candidate !== entry.oldId) {
			await stopContainer(docker, candidate, 5).catch(() => undefined);
			await removeContainer(docker, candidate, { force: true });
		}
	} else if (typed.kind === 'rename-container') {
		const old = await containerState(docker, typed.containerId);
		if (!old) throw new Error(`the old container ${shortId(typed.containerId)} no longer exists`);
		if (old.name !== typed.to) await renameContainer(docker, typed.containerId, typed.to);
	} else if (typed.kind === 'start-container' || typed.kind === 'start-dependent') {
		await startContainer(docker, typed.containerId);
	} else if (typed.kind === 'unpark-dependent') {
		const old = await containerState(docker, typed.containerId);
		if (!old) throw new Error(`the old ${typed.to} (${shortId(typed.containerId)}) no longer exists`);
		if (old.name !== typed.to) await renameContainer(docker, typed.containerId, typed.to);
	} else if (typed.kind === 'remove-dependent') {
		// Found by ID, else by name and image; never the old dependent itself.
		let candidate = typed.containerId;
		if (!candidate) {
			const named = await containerState(docker, typed.name);
			if (named && named.image === typed.image) candidate = named.id;
		}
		if (candidate && candidate !== typed.keep) {
			await stopContainer(docker, candidate, 5).catch(() => undefined);
			await removeContainer(docker, candidate, { force: true });
		}
	}
}
