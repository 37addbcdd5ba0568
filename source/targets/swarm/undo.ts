import type Docker from 'dockerode';
import type { Undo, UndoContext, UndoPhase } from '../../core/ports.js';
import { inspectService, rollbackService, updateService } from './service-calls.js';
import { settled } from './settle.js';
import { sameImage } from './update-status.js';
import type { SwarmServiceRecord } from './unit.js';

// The typed undo of a service's update, idempotent against what the engine
// holds now, so rollback and recover (even twice) end in the same state:
// - service-rollback: whatever is under way (our update, the engine's own
//   rollback) is followed to its end first; then, unless the spec names the
//   old image again already, the engine's rollback to the previous spec when
//   that is the one we replaced, else an update back to the old image. It is a
//   'detach' undo: nothing of the new version may run while the database is
//   restored (an update left running would start new tasks that migrate the
//   restored schema again), so the old tasks come back first, as the engine's
//   own rollback brings them, and are checked once the restore is done.

export type SwarmUndo = { kind: 'service-rollback'; service: string } | { kind: 'none'; why: string };

export async function undoService(docker: Docker, record: SwarmServiceRecord, undo: Undo, ctx?: UndoContext): Promise<void> {
	if ((undo as SwarmUndo).kind !== 'service-rollback') return;
	const first = await settled(docker, record.serviceId, record.followMs);
	if (!first.settled) throw new Error(`service ${record.service} is still being changed by the engine after ${Math.round(record.followMs / 1000)} s (${first.now.updateStatus?.State})`);
	const image = first.now.spec.TaskTemplate?.ContainerSpec?.Image ?? '';
	if (sameImage(image, record.oldImage)) {
		ctx?.emit({ type: 'health', container: record.name, status: 'rolled-back', detail: `the spec of ${record.service} names ${record.oldImage} already` });
		return;
	}
	const previous = first.now.previousSpec?.TaskTemplate?.ContainerSpec?.Image;
	if (previous && sameImage(previous, record.oldImage)) await rollbackService(docker, record.serviceId);
	else {
		// Not the spec we replaced behind the current one: put the old image back into the spec as it is now.
		const spec = structuredClone(first.now.spec);
		spec.TaskTemplate = { ...spec.TaskTemplate, ContainerSpec: { ...spec.TaskTemplate?.ContainerSpec, Image: record.oldImage } };
		await updateService(docker, record.serviceId, first.now.version, spec);
	}
	const after = await settled(docker, record.serviceId, record.followMs);
	if (!after.settled) throw new Error(`the rollback of ${record.service} did not end within ${Math.round(record.followMs / 1000)} s (${after.now.updateStatus?.State})`);
	const back = after.now.spec.TaskTemplate?.ContainerSpec?.Image ?? '';
	if (!sameImage(back, record.oldImage)) throw new Error(`service ${record.service} names ${back} after the rollback, not ${record.oldImage}`);
}

export function phaseOfSwarmUndo(undo: Undo): UndoPhase {
	return (undo as SwarmUndo).kind === 'service-rollback' ? 'detach' : 'none';
}

export function swarmUndoLabel(record: SwarmServiceRecord, undo: Undo): string {
	const typed = undo as SwarmUndo;
	if (typed.kind === 'service-rollback') return `roll service ${record.service} back to ${record.oldImage}`;
	return typed.why;
}

/** As an operator would type it (the exit-3 hand-over). */
export function swarmHandCommand(record: SwarmServiceRecord, undo: Undo): string | undefined {
	if ((undo as SwarmUndo).kind !== 'service-rollback') return undefined;
	// Names and references are [\w.:@/-] only (the engine's and the CLI's rules): nothing to quote.
	return `docker service update --with-registry-auth --image ${record.oldImage} ${record.service}`;
}

/** Whether the spec still names the old image (recover's state line). */
export async function specImageNow(docker: Docker, record: SwarmServiceRecord): Promise<string | undefined> {
	const now = await inspectService(docker, record.serviceId).catch(() => undefined);
	return now?.spec.TaskTemplate?.ContainerSpec?.Image;
}
