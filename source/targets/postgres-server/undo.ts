import type Docker from 'dockerode';
import type { UnitRecord } from '../../core/journal/journal.js';
import type { Undo, UndoContext } from '../../core/ports.js';
import { shortId } from '../../text/format.js';
import { containerState, removeContainer, renameContainer, startContainer, stopContainer } from '../../docker/swap.js';
import { engineStatus } from '../../docker/engine.js';

// The typed undos of a PostgreSQL major upgrade, idempotent against what the
// engine holds now (rollback and recover run the same code). None of them
// touches the old volume: it was never written.

export type ServerUndo =
	| { kind: 'start-container'; containerId: string; name: string }
	| { kind: 'stop-container'; containerId: string; name: string; timeoutS: number }
	| { kind: 'rename-container'; containerId: string; to: string }
	/** A container this run created (the temporary server, the new server): found by ID, else by name and image. */
	| { kind: 'remove-container'; name: string; image: string; keep: string; containerId?: string }
	/** The new volume: removed, unless the data had been moved into it (kept for inspection, and said so). */
	| { kind: 'remove-volume'; volume: string }
	| { kind: 'none'; why: string };

/** The new volume holds the whole moved data once the move finished (the move records it); a partial move is removed. */
export function dataMoved(record: UnitRecord): boolean {
	return record.dataMoved === 'yes';
}

export async function undoOnce(docker: Docker, record: UnitRecord, undo: Undo, ctx: UndoContext): Promise<void> {
	const typed = undo as ServerUndo;
	const oldId = record.oldId as string;
	switch (typed.kind) {
		case 'start-container':
			await startContainer(docker, typed.containerId);
			return;
		case 'stop-container':
			await stopContainer(docker, typed.containerId, typed.timeoutS).catch((error) => {
				if (engineStatus((error as Error).cause) !== 404) throw error;
			});
			return;
		case 'rename-container': {
			const found = await containerState(docker, typed.containerId);
			if (!found) throw new Error(`the old container ${shortId(typed.containerId)} no longer exists`);
			if (found.name !== typed.to) await renameContainer(docker, typed.containerId, typed.to);
			return;
		}
		case 'remove-container': {
			let candidate = typed.containerId;
			if (!candidate) {
				const named = await containerState(docker, typed.name);
				if (named && named.image === typed.image) candidate = named.id;
			}
			// Never the old server: only a container this run created.
			if (candidate && candidate !== typed.keep && candidate !== oldId) {
				await stopContainer(docker, candidate, 10).catch(() => undefined);
				await removeContainer(docker, candidate, { force: true });
			}
			return;
		}
		case 'remove-volume': {
			if (dataMoved(record)) {
				ctx.emit({ type: 'warning', container: record.name, message: `kept the new volume ${typed.volume} (it holds the moved data, for inspection); remove it with: docker volume rm ${typed.volume}` });
				return;
			}
			await docker.getVolume(typed.volume).remove().catch((error: unknown) => {
				if (engineStatus(error) !== 404) throw error;
			});
			return;
		}
		case 'none':
			return;
	}
}

export function undoLabel(record: UnitRecord, undo: Undo): string {
	const typed = undo as ServerUndo;
	switch (typed.kind) {
		case 'start-container':
			return `start ${typed.name}`;
		case 'stop-container':
			return `stop ${typed.name}`;
		case 'rename-container':
			return `rename ${record.parkedName as string} back to ${typed.to}`;
		case 'remove-container':
			return typed.name === record.name ? `remove the new ${record.name}` : `remove ${typed.name}`;
		case 'remove-volume':
			return `remove the new volume ${typed.volume} (kept when the data had moved into it)`;
		case 'none':
			return typed.why;
	}
}

export function undoCommand(record: UnitRecord, undo: Undo): string | undefined {
	const typed = undo as ServerUndo;
	switch (typed.kind) {
		case 'start-container':
			return `docker start ${shortId(typed.containerId)}`;
		case 'stop-container':
			return `docker stop ${shortId(typed.containerId)}`;
		case 'rename-container':
			return `docker rename ${record.parkedName as string} ${typed.to}`;
		case 'remove-container':
			return `docker rm -f ${typed.containerId ? shortId(typed.containerId) : typed.name}`;
		case 'remove-volume':
			return undefined;
		default:
			return undefined;
	}
}
