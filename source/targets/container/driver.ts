import { shortId } from '../../text/format.js';
import type Docker from 'dockerode';
import type { PullProgress, StepName } from '../../core/events.js';
import type { Plan } from '../../core/plan/plan.js';
import type { UnitRecord, UnitRecordInput } from '../../core/journal/journal.js';
import { handOverCommands, parkedContainerFields, stateLines, type ContainerRecord } from './record.js';
import { type HandOver, type HealthVerdict, type Transition, type Undo, type UndoContext, type UndoPhase, type UnitDriver } from '../../core/ports.js';
import { pullImage, type RegistryAuth } from '../../docker/pull.js';
import { waitHealthy } from '../../docker/health.js';
import { gateFor, healthGate } from './health-gate.js';
import { undoCommand, undoLabel, undoOnce, undoPhaseOf } from './undo.js';
import { dependentsBack, recreateDependents, removeParkedDependents, stopDependents } from './dependent-transitions.js';
import { engineBack, isConnectionError } from '../../docker/engine.js';
import { removeContainer, renameContainer, startContainer, stopContainer } from '../../docker/swap.js';
import { describeContainer } from './describe.js';
import { createTransition, unstageTransition } from './staging.js';
import { migrateFirstTransition } from './one-off.js';
import { postChecksTransition } from '../post-checks.js';
import { oldContainerHealth } from '../../core/plan/health.js';
import type { ContainerPlan } from './plan.js';

// A plain container, swapped the way the vendor guides do it by hand:
// stop -> park as <name>-old -> create -> start -> healthy -> commit (remove -old).
// Every transition carries its typed undo; the undos are idempotent against
// what the engine holds, so a rollback after a failure and a recovery after a
// crash run the very same code.

/** How long an undo waits for an engine that stopped answering. */
const ENGINE_BACK_S = 60;

export interface ContainerDriverOptions {
	docker: Docker;
	authFor: (ref: string) => Promise<RegistryAuth | undefined>;
	/** Plan a container's next hop from what is running now (read-only). */
	replan: (name: string, targetRef: string) => Promise<ContainerPlan>;
}


function asContainer(record: UnitRecord): ContainerRecord {
	return record as ContainerRecord;
}

export class ContainerDriver implements UnitDriver<ContainerPlan> {
	readonly kind = 'container';

	/** Hops (target refs) whose one-off migration ran: in a cluster it runs once, before the first new container. */
	private readonly migrated = new Set<string>();

	constructor(private readonly options: ContainerDriverOptions) {}

	private get docker(): Docker {
		return this.options.docker;
	}

	record(unit: ContainerPlan, hop: string): UnitRecordInput {
		const dependents = unit.dependents.map(({ name, id, parkedName, imageRef, via, stopTimeoutS }) => ({ name, id, parkedName, imageRef, via, stopTimeoutS }));
		return {
			...parkedContainerFields(unit, this.kind, hop),
			...(unit.stagedName ? { stagedName: unit.stagedName } : {}),
			holds: [unit.name, unit.parkedName, ...(unit.stagedName ? [unit.stagedName] : []), ...dependents.flatMap((dependent) => [dependent.name, dependent.parkedName])],
			...(dependents.length > 0 ? { dependents } : {}),
		};
	}

	async prepare(unit: ContainerPlan, ctx: Parameters<UnitDriver['prepare']>[1]): Promise<PullProgress> {
		if (unit.localImage) {
			// Planned without the registry: the image on the engine is the target; prove it is still there.
			await this.docker.getImage(unit.targetRef).inspect();
			return { current: 0, total: 0, layersDone: 0, layersKnown: 0 };
		}
		const auth = await this.options.authFor(unit.targetRef);
		return pullImage(this.docker, unit.targetRef, { auth, onProgress: ctx.onProgress, onRetry: ctx.onWarning, signal: ctx.signal });
	}

	stop(unit: ContainerPlan, why: string): Transition {
		return {
			kind: 'stop-old',
			step: 'stop',
			intent: why ? `stop ${unit.name} (${shortId(unit.id)}) for ${why}` : `stop ${unit.name} (${shortId(unit.id)}) with a ${unit.stopTimeoutS} s timeout`,
			undo: { kind: 'start-container', containerId: unit.id },
			downtime: 'opens',
			run: () => stopContainer(this.docker, unit.id, unit.stopTimeoutS),
		};
	}

	swap(unit: ContainerPlan): Transition[] {
		const docker = this.docker;
		const created = { id: '' };
		let gateDetail = '';
		const checks = unit.profile.checks;
		const migrate = unit.migrateFirst && !this.migrated.has(unit.targetRef) ? unit.migrateFirst : undefined;
		if (migrate) this.migrated.add(unit.targetRef);
		const staged = unit.stagedName;
		const park: Transition = {
			kind: 'rename-old',
			step: 'rename',
			intent: `rename ${unit.name} to ${unit.parkedName}`,
			...(staged ? { announce: `rename ${unit.name} to ${unit.parkedName}, then ${staged} to ${unit.name}` } : {}),
			undo: { kind: 'rename-container', containerId: unit.id, to: unit.name },
			run: () => renameContainer(docker, unit.id, unit.parkedName),
		};
		const create = createTransition(docker, unit, created);
		return [
			// Staged: created while the old one still serves (staging.ts); late: after the park, as the guides do it by hand.
			...(staged ? [create] : []),
			...stopDependents(docker, unit.name, unit.dependents),
			this.stop(unit, ''),
			park,
			...(staged ? [unstageTransition(docker, unit, staged, created)] : []),
			...(migrate ? [migrateFirstTransition(docker, unit, migrate)] : []),
			...(staged ? [] : [create]),
			{
				kind: 'start-new',
				step: 'start',
				get intent() {
					return `start the new ${unit.name} (${shortId(created.id)})`;
				},
				get undo(): Undo {
					return { kind: 'remove-container', name: unit.name, image: unit.targetRef, keep: unit.id, containerId: created.id };
				},
				startsTarget: true,
				run: () => startContainer(docker, created.id),
			},
			{
				kind: 'healthy',
				step: 'health',
				intent: `wait until the new ${unit.name} is healthy`,
				// The gate announces itself once it knows how it judges (healthcheck, URL, stability).
				announce: null,
				undo: { kind: 'none', why: 'a health gate changes nothing' },
				downtime: 'closes',
				run: async (ctx) => (gateDetail = await healthGate(docker, unit, created.id, ctx)),
			},
			...(checks ? [postChecksTransition(docker, unit, checks, () => ({ containers: [{ id: created.id, name: unit.name }], health: gateDetail }))] : []),
			...recreateDependents(docker, unit.name, () => created.id, unit.dependents),
		];
	}

	commit(record: UnitRecord): Transition {
		const entry = asContainer(record);
		const dependents = entry.dependents ?? [];
		const parked = [entry.parkedName, ...dependents.map((dependent) => dependent.parkedName)];
		return {
			kind: 'remove-old',
			step: 'remove-old',
			intent: `remove ${entry.parkedName} (${shortId(entry.oldId)})${dependents.map((dependent) => `, ${dependent.parkedName} (${shortId(dependent.id)})`).join('')}`,
			announce: parked.join(', '),
			undo: { kind: 'none', why: 'the old container is gone; its inspect document is in the journal' },
			run: async () => {
				// The dependents first: a parked dependent may still name the parked provider's namespace.
				await removeParkedDependents(this.docker, dependents);
				await removeContainer(this.docker, entry.oldId, { force: false });
			},
		};
	}

	replan(unit: ContainerPlan, targetRef: string): Promise<ContainerPlan> {
		return this.options.replan(unit.name, targetRef);
	}

	kept(unit: ContainerPlan): string {
		return [unit.parkedName, ...unit.dependents.map((dependent) => dependent.parkedName)].join(', ');
	}

	keptRemoval(unit: ContainerPlan): string[] | undefined {
		// The dependents' parked containers go first: they may name the parked provider's namespace.
		return unit.dependents.length > 0 ? [`docker rm ${[...unit.dependents.map((dependent) => dependent.parkedName), unit.parkedName].join(' ')}`] : undefined;
	}

	steps(unit: ContainerPlan): StepName[] {
		return unit.steps;
	}

	describe(unit: ContainerPlan, plan: Plan<ContainerPlan>): string[] {
		return describeContainer(unit, plan);
	}

	phaseOf(undo: Undo): UndoPhase {
		return undoPhaseOf(undo);
	}

	label(record: UnitRecord, undo: Undo): string {
		return undoLabel(record, undo);
	}

	/**
	 * Undos wait (bounded) for an engine that went away to come back: a restarted
	 * dockerd must not turn a rollback into a hand-over.
	 */
	async undo(record: UnitRecord, undo: Undo, ctx: UndoContext): Promise<void> {
		try {
			await undoOnce(this.docker, record, undo);
		} catch (error) {
			if (!isConnectionError((error as Error).cause ?? error)) throw error;
			ctx.emit({ type: 'warning', container: record.name, message: `the Docker engine does not answer; waiting up to ${ENGINE_BACK_S} s for it before rolling back` });
			if (!(await engineBack(this.docker, ENGINE_BACK_S * 1000))) throw error;
			await undoOnce(this.docker, record, undo);
		}
	}

	command(record: UnitRecord, undo: Undo): string | undefined {
		return undoCommand(record, undo);
	}

	async verifyBack(record: UnitRecord, ctx: UndoContext): Promise<HealthVerdict & { back?: string }> {
		const entry = asContainer(record);
		const gate = await gateFor(this.docker, oldContainerHealth(entry.health), entry.oldId);
		const health = await waitHealthy(this.docker, entry.oldId, gate, {
			onStatus: (status, detail) => ctx.emit({ type: 'health', container: entry.name, status, detail: `old container: ${detail ?? status}` }),
		});
		if (!health.ok) return { ok: false, reason: `the old ${entry.name} is back but not healthy: ${health.reason}` };
		const dependents = await dependentsBack(this.docker, entry, ctx);
		if (!dependents.ok) return dependents;
		return { ok: true, detail: health.detail, back: `old container ${shortId(entry.oldId)} is back as ${entry.name}${dependents.detail}` };
	}

	async handOver(record: UnitRecord): Promise<HandOver> {
		const entry = asContainer(record);
		return { state: await this.stateNow(record), commands: await handOverCommands(this.docker, entry, (undo) => this.command(record, undo)) };
	}

	stateNow(record: UnitRecord): Promise<string[]> {
		return stateLines(this.docker, asContainer(record));
	}
}
