import type Docker from 'dockerode';
import type { PullProgress, StepName } from '../../core/events.js';
import type { Plan } from '../../core/plan/plan.js';
import type { UnitRecord, UnitRecordInput } from '../../core/journal/journal.js';
import { TransitionFailure, type HandOver, type HealthVerdict, type Transition, type TransitionContext, type Undo, type UndoContext, type UndoPhase, type UnitDriver } from '../../core/ports.js';
import { pullImage, type RegistryAuth } from '../../docker/pull.js';
import { tagOf } from '../../docker/discovery.js';
import { withoutEnvValues } from '../container/record.js';
import { followUpdate, inspectService, updateService } from './service-calls.js';
import { upgradeSpec } from './spec.js';
import { sameImage } from './update-status.js';
import { describeSwarmService } from './describe.js';
import { phaseOfSwarmUndo, swarmHandCommand, swarmUndoLabel, undoService } from './undo.js';
import { serviceStateNow, verifySwarmBack } from './back.js';
import { serviceHold, serviceSteps, type SwarmServiceRecord, type SwarmServiceUnit } from './unit.js';

// A Swarm service, upgraded by the engine's own rolling update (issue 13):
// send the whole current spec with the image pinned by digest and an
// UpdateConfig that makes the engine roll a failing task back -> follow the
// update we started until the engine calls it completed with every task on
// the new image. The undo, journaled before the update is sent, rolls the
// service back (undo.ts). Nothing is stopped or renamed by hand: the engine
// replaces tasks one at a time (or as the service says) and keeps the old
// ones in its task history.

export interface SwarmDriverOptions {
	docker: Docker;
	authFor: (ref: string) => Promise<RegistryAuth | undefined>;
	replan: (unit: SwarmServiceUnit, targetRef: string) => Promise<SwarmServiceUnit>;
}

const asSwarm = (record: UnitRecord) => record as SwarmServiceRecord;
const seconds = (ns: number) => `${Math.round(ns / 1e9)} s`;

export class SwarmServiceDriver implements UnitDriver<SwarmServiceUnit> {
	readonly kind = 'swarm-service';

	/** When each unit's update was sent (ms), so the follower reads our update, not the one before it. */
	private readonly sentAt = new Map<string, number>();

	constructor(private readonly options: SwarmDriverOptions) {}

	private get docker(): Docker {
		return this.options.docker;
	}

	record(unit: SwarmServiceUnit, hop: string): UnitRecordInput {
		return {
			kind: this.kind,
			key: unit.key,
			name: unit.name,
			hop,
			holds: [serviceHold(unit.service)],
			from: unit.from,
			to: unit.to,
			targetRef: unit.targetRef,
			serviceId: unit.serviceId,
			service: unit.service,
			oldImage: unit.oldImage,
			pinned: unit.pinned,
			monitorNs: unit.monitorNs,
			followMs: unit.followMs,
			health: unit.health,
			inspect: { container: withoutEnvValues(unit.inspect) },
		};
	}

	/** Pulled on the manager too: a registry that refuses shows before the engine is asked to update anything. */
	async prepare(unit: SwarmServiceUnit, ctx: Parameters<UnitDriver['prepare']>[1]): Promise<PullProgress> {
		const auth = await this.options.authFor(unit.targetRef);
		return pullImage(this.docker, unit.targetRef, { auth, onProgress: ctx.onProgress, onRetry: ctx.onWarning, signal: ctx.signal });
	}

	stop(unit: SwarmServiceUnit): Transition {
		// planCluster refuses --offline-backup and --stop-all-first for services; this is the guard behind it.
		return {
			kind: 'stop-old',
			step: 'stop',
			intent: `stop service ${unit.service}`,
			undo: { kind: 'none', why: 'nothing was stopped' },
			run: async () => {
				throw new TransitionFailure('stop', `a Swarm service is not stopped by the wizard (${unit.service}); its update replaces tasks while the others serve`);
			},
		};
	}

	swap(unit: SwarmServiceUnit): Transition[] {
		const tag = tagOf(unit.targetRef) ?? unit.targetRef;
		return [
			{
				kind: 'update-service',
				step: 'start',
				intent: `update service ${unit.service} to ${unit.pinned} (the engine replaces its tasks, rolling back a failing one itself)`,
				undo: { kind: 'service-rollback', service: unit.service },
				startsTarget: true,
				run: (ctx) => this.sendUpdate(unit, ctx),
			},
			{
				kind: 'healthy',
				step: 'health',
				intent: `follow the update until every task of ${unit.service} runs ${tag} and the engine calls it completed`,
				// Announced with its intent: the step list shows the follow running, its progress events fill in the detail.
				undo: { kind: 'none', why: 'following an update changes nothing' },
				run: (ctx) => this.follow(unit, ctx),
			},
		];
	}

	private async sendUpdate(unit: SwarmServiceUnit, ctx: TransitionContext): Promise<string> {
		const now = await inspectService(this.docker, unit.serviceId);
		const image = now.spec.TaskTemplate?.ContainerSpec?.Image ?? '';
		if (!sameImage(image, unit.oldImage)) throw new TransitionFailure('start', `service ${unit.service} names ${image} now, not ${unit.oldImage} as planned; someone else changed it`);
		const sentAt = Date.now();
		await ctx.record({ versionBefore: String(now.version), updateStartedAt: new Date(sentAt).toISOString() });
		const spec = upgradeSpec(now.spec, unit.pinned, unit.monitorNs);
		await updateService(this.docker, unit.serviceId, now.version, spec, await this.options.authFor(unit.targetRef));
		this.sentAt.set(unit.key, sentAt);
		const rules = spec.UpdateConfig!;
		return `update sent: parallelism ${rules.Parallelism}, monitor ${seconds(unit.monitorNs)}, on failure the engine rolls back${rules.Order ? `, order ${rules.Order}` : ''}`;
	}

	private async follow(unit: SwarmServiceUnit, ctx: TransitionContext): Promise<string> {
		const startedAfter = this.sentAt.get(unit.key) ?? Date.now();
		let last = '';
		const outcome = await followUpdate(
			this.docker,
			unit.serviceId,
			unit.pinned,
			startedAfter,
			unit.followMs,
			(reading) => {
				const total = unit.replicas === 'global' ? undefined : unit.replicas;
				const detail =
					reading.phase === 'updating'
						? `${reading.updated}/${total ?? reading.total} tasks on ${tagOf(unit.targetRef)}`
						: reading.phase === 'waiting'
							? 'the engine has not started the update yet'
							: reading.phase === 'completed'
								? 'the engine reports the update completed'
								: `${reading.phase}: ${reading.message || 'no message'}`;
				if (detail === last) return;
				last = detail;
				ctx.emit({ type: 'health', container: unit.name, engine: unit.engine, status: reading.phase, detail });
			},
			ctx.signal,
		);
		if (outcome.phase === 'completed') {
			const count = unit.replicas === 'global' ? 'every' : `${unit.replicas}/${unit.replicas}`;
			return `${count} tasks run ${unit.pinned}; the engine reports the update completed`;
		}
		if (outcome.phase === 'rolled-back') throw new TransitionFailure('health', `the engine rolled service ${unit.service} back to ${unit.oldImage}: ${outcome.message || 'a task failed'}`);
		if (outcome.phase === 'paused') throw new TransitionFailure('health', `the engine paused the update of ${unit.service} (${outcome.message || 'no reason given'}); the wizard rolls it back`);
		throw new TransitionFailure('health', `the update of ${unit.service} did not complete within ${Math.round(unit.followMs / 1000)} s; the wizard rolls it back`);
	}

	commit(record: UnitRecord): Transition {
		const entry = asSwarm(record);
		return {
			kind: 'commit',
			step: 'remove-old',
			intent: `nothing to remove for ${entry.service}: the engine keeps the old tasks in its history`,
			announce: `nothing to remove for ${entry.service}`,
			undo: { kind: 'none', why: 'the upgrade is done; `docker service rollback` still knows the previous spec' },
			run: async () => `the previous spec stays with the service (docker service rollback ${entry.service})`,
		};
	}

	replan(unit: SwarmServiceUnit, targetRef: string): Promise<SwarmServiceUnit> {
		return this.options.replan(unit, targetRef);
	}

	kept(): string | undefined {
		return undefined;
	}

	steps(): StepName[] {
		return serviceSteps();
	}

	describe(unit: SwarmServiceUnit, plan: Plan<SwarmServiceUnit>): string[] {
		return describeSwarmService(unit, plan);
	}

	phaseOf(undo: Undo): UndoPhase {
		return phaseOfSwarmUndo(undo);
	}

	label(record: UnitRecord, undo: Undo): string {
		return swarmUndoLabel(asSwarm(record), undo);
	}

	undo(record: UnitRecord, undo: Undo, ctx: UndoContext): Promise<void> {
		return undoService(this.docker, asSwarm(record), undo, ctx);
	}

	command(record: UnitRecord, undo: Undo): string | undefined {
		return swarmHandCommand(asSwarm(record), undo);
	}

	verifyBack(record: UnitRecord, ctx: UndoContext): Promise<HealthVerdict & { back?: string }> {
		return verifySwarmBack(this.docker, asSwarm(record), ctx);
	}

	async handOver(record: UnitRecord): Promise<HandOver> {
		const entry = asSwarm(record);
		const command = swarmHandCommand(entry, { kind: 'service-rollback', service: entry.service });
		return { state: await this.stateNow(record), commands: command ? [command] : [] };
	}

	stateNow(record: UnitRecord): Promise<string[]> {
		return serviceStateNow(this.docker, asSwarm(record));
	}
}
