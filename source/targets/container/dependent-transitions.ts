import type Docker from 'dockerode';
import { TransitionFailure, type HealthVerdict, type Transition, type Undo, type UndoContext } from '../../core/ports.js';
import { oldContainerHealth } from '../../core/plan/health.js';
import type { ContainerRecord } from './record.js';
import { waitHealthy } from '../../docker/health.js';
import { createFromSpec, removeContainer, renameContainer, startContainer, stopContainer } from '../../docker/swap.js';
import { shortId } from '../../text/format.js';
import { gateFor } from './health-gate.js';
import { joinedTo, type DependentPlan } from './dependents.js';

// The transitions around a provider's swap for its namespace and link
// dependents: stopped before it (each with its own timeout), recreated after
// its gate passed (parked as <dep>-old, created from its own configuration
// joined to the new provider, started, gated). Each carries its typed undo,
// journaled before it runs; rollback runs the detach undos newest first (new
// dependents removed, parked ones named back) before the provider's, and the
// revive undos after: the old provider starts first, then the old dependents
// join its namespace again (the same container ID, so a start works).

export function stopDependents(docker: Docker, provider: string, dependents: DependentPlan[]): Transition[] {
	return dependents.map((dependent) => ({
		kind: 'stop-dependent',
		step: 'stop-apps',
		intent: `stop ${dependent.name} (${shortId(dependent.id)}; uses ${provider}'s ${dependent.via === 'namespace' ? 'network namespace' : 'link'}) with a ${dependent.stopTimeoutS} s timeout`,
		undo: { kind: 'start-dependent', containerId: dependent.id, name: dependent.name },
		run: () => stopContainer(docker, dependent.id, dependent.stopTimeoutS),
	}));
}

/** Park, create joined to the new provider, start and gate each dependent; `providerId` is known only once the provider was created. */
export function recreateDependents(docker: Docker, provider: string, providerId: () => string, dependents: DependentPlan[]): Transition[] {
	return dependents.flatMap((dependent): Transition[] => {
		let newId = '';
		const removeNew = (): Undo => ({ kind: 'remove-dependent', name: dependent.name, image: dependent.imageRef, keep: dependent.id, ...(newId ? { containerId: newId } : {}) });
		return [
			{
				kind: 'park-dependent',
				step: 'start-apps',
				intent: `rename ${dependent.name} to ${dependent.parkedName}`,
				undo: { kind: 'unpark-dependent', containerId: dependent.id, to: dependent.name, parked: dependent.parkedName },
				run: () => renameContainer(docker, dependent.id, dependent.parkedName),
			},
			{
				kind: 'create-dependent',
				step: 'start-apps',
				get intent() {
					return `create ${dependent.name} from ${dependent.imageRef} with its own configuration, ${dependent.via === 'namespace' ? `in the network namespace of the new ${provider} (${shortId(providerId())})` : `linked to the new ${provider}`}`;
				},
				// Until the engine answers, the new dependent is known only by its name and image.
				get undo() {
					return removeNew();
				},
				run: async (ctx) => {
					newId = await createFromSpec(docker, joinedTo(dependent, providerId()));
					await ctx.record({ newDependentId: newId }, { containerId: newId });
				},
			},
			{
				kind: 'start-dependent',
				step: 'start-apps',
				get intent() {
					return `start the new ${dependent.name} (${shortId(newId)})`;
				},
				get undo() {
					return removeNew();
				},
				run: () => startContainer(docker, newId),
			},
			{
				kind: 'dependent-healthy',
				step: 'start-apps',
				intent: `wait until the new ${dependent.name} is healthy (its own healthcheck, else running)`,
				undo: { kind: 'none', why: 'a health gate changes nothing' },
				run: async () => {
					const gate = await gateFor(docker, dependent.health, newId);
					const result = await waitHealthy(docker, newId, gate);
					if (!result.ok) throw new TransitionFailure('start-apps', `the new ${dependent.name} did not become healthy: ${result.reason}`, result.lastCheck ? [`last health check: ${result.lastCheck}`] : []);
					return `${dependent.name} (${shortId(newId)}): ${result.detail}`;
				},
			},
		];
	});
}

/** The commit's share for the dependents: their parked containers go with the provider's. */
export async function removeParkedDependents(docker: Docker, dependents: Array<Pick<DependentPlan, 'id'>>): Promise<void> {
	for (const dependent of dependents) await removeContainer(docker, dependent.id, { force: false });
}

/**
 * After a rollback: each dependent this run stopped is back under its own
 * name and ID, judged by what it had (its healthcheck, else running).
 */
export async function dependentsBack(docker: Docker, record: ContainerRecord, ctx: UndoContext): Promise<HealthVerdict> {
	const stopped = new Set(record.actions.filter((action) => action.kind === 'stop-dependent').map((action) => action.undo.containerId));
	// Its own healthcheck, else running: the provider's HTTP check is not the dependent's.
	const { http: _providerCheck, ...health } = oldContainerHealth(record.health);
	const back: string[] = [];
	for (const dependent of (record.dependents ?? []).filter((each) => stopped.has(each.id))) {
		const result = await waitHealthy(docker, dependent.id, await gateFor(docker, health, dependent.id), {
			onStatus: (status, detail) => ctx.emit({ type: 'health', container: record.name, status, detail: `${dependent.name}: ${detail ?? status}` }),
		});
		if (!result.ok) return { ok: false, reason: `${dependent.name} is started again but not healthy: ${result.reason}` };
		back.push(`${dependent.name} (${shortId(dependent.id)})`);
	}
	return { ok: true, detail: back.length > 0 ? `; ${back.join(', ')} started again` : '' };
}
