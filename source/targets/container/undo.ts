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
	| { kind: 'none'; why: string };


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
	} else if (typed.kind === 'start-container') {
		await startContainer(docker, typed.containerId);
	}
}
