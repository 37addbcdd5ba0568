import { ExitCode, messageOf } from '../errors.js';
import type { ContainerSummary, RunSummary } from '../events.js';
import { TransitionFailure } from '../ports.js';
import type { Plan, Unit } from '../plan/plan.js';
import type { RunContext } from './context.js';
import { runTransition } from './journaled-step.js';
import { throttled } from './throttle.js';
import { backupStep } from './database-steps.js';
import { rollbackHop, touchedNewestFirst } from './rollback.js';
import { labelField, unitLabel } from '../cluster-names.js';

// One hop: pull every unit's target before anything stops, back up (first hop
// and each migrating one), swap the units one at a time, and commit (remove
// the way back) only once every unit of the hop is healthy. Events, timings
// and reasons name a unit by its label (one name may be a unit on each of
// several engines); the drivers act on the unit's own name on its engine.

export async function runHop(ctx: RunContext, stage: Unit[], plan: Plan, hopIndex: number): Promise<RunSummary | undefined> {
	const { journal } = ctx;
	const tag = plan.hops[hopIndex]!;
	const lastHop = hopIndex === plan.hops.length - 1;
	const hopNote = plan.hops.length > 1 ? ` (hop ${hopIndex + 1} of ${plan.hops.length})` : '';
	const database = plan.database;
	const migrates = database?.migratingHops.includes(tag) ?? false;
	await journal.startHop(tag, hopIndex, migrates);
	ctx.timings.hopStarted(tag);
	for (const unit of stage) await journal.addUnit({ ...ctx.driver(unit.kind).record(unit, tag), engine: unit.engine, ...labelField(unit) });
	const stayed = hopIndex === 0 ? 'nothing was stopped' : `the containers stay on ${plan.hops[hopIndex - 1]}`;
	const endsBeforeAnyStop = async (lead: Unit, reason: string, what: string) =>
		ctx.finish(
			ExitCode.rolledBack,
			stage.map((unit) => ctx.summary(unit, unit === lead ? 'failed' : 'not-attempted', {
				reason: unit === lead ? `${reason} (${stayed})` : `not attempted: the ${what} failed (${stayed})`,
			})),
			'rolled-back',
		);

	// Pull before anything stops: a slow or failing pull must not add downtime.
	// Each engine pulls for itself (a cluster over hosts: every host needs the image).
	const lead = stage[0]!;
	const pullers = firstOfEachEngine(stage);
	for (const puller of pullers) {
		try {
			await pull(ctx, puller);
		} catch (error) {
			const message = `${messageOf(error)}${hopNote}`;
			ctx.emit({ type: 'failure', container: unitLabel(puller), step: 'pull', message });
			await journal.setHop(tag, 'rolled-back');
			return endsBeforeAnyStop(puller, message, 'pull');
		}
	}
	for (const other of stage) {
		if (pullers.includes(other)) continue;
		const onEngine = pullers.length > 1 ? ` on ${other.engine}` : '';
		ctx.emit({ type: 'step-done', container: unitLabel(other), step: 'pull', durationMs: 0, detail: `${other.targetRef} already pulled${onEngine}` });
	}

	if (migrates) {
		// The first start runs the migration: give it longer than an ordinary start.
		for (const unit of stage) unit.health = { ...unit.health, timeoutMs: database!.migrationTimeoutMs ?? unit.health.timeoutMs * 5 };
		for (const unit of stage) await journal.setPhase(unit.key, 'pulled', { health: unit.health });
	}
	if (database?.offline && (hopIndex === 0 || migrates)) {
		const stopped = await stopAll(ctx, stage, 'offline backup');
		if (stopped) return failHop(ctx, stage, [], stopped.unit, stopped.reason, true, plan, hopIndex);
	}
	if (database && (hopIndex === 0 || migrates)) {
		try {
			await backupStep(ctx, database, lead as Unit & { inspect?: unknown }, tag);
		} catch (error) {
			const reason = `backup failed: ${messageOf(error)}`;
			ctx.emit({ type: 'failure', container: unitLabel(lead), step: 'backup', message: reason });
			if (database.offline) return failHop(ctx, stage, [], lead, reason, true, plan, hopIndex);
			await journal.setHop(tag, 'rolled-back');
			return endsBeforeAnyStop(lead, reason, 'backup');
		}
	}
	if (database?.stopAllFirst && migrates && stage.length > 1) {
		const stopped = await stopAll(ctx, stage, '--stop-all-first');
		if (stopped) return failHop(ctx, stage, [], stopped.unit, stopped.reason, true, plan, hopIndex);
	}

	const swapped: Unit[] = [];
	for (const unit of stage) {
		if (ctx.aborted) return failHop(ctx, stage, swapped, unit, `aborted by the operator before ${unitLabel(unit)} was touched`, false, plan, hopIndex);
		try {
			await swap(ctx, unit);
			swapped.push(unit);
		} catch (error) {
			const failure = error instanceof TransitionFailure ? error : new TransitionFailure('start', messageOf(error));
			ctx.emit({ type: 'failure', container: unitLabel(unit), step: failure.step, message: `${failure.message}${hopNote}`, detail: failure.detail });
			return failHop(ctx, stage, swapped, unit, failure.message, true, plan, hopIndex);
		}
	}

	// Every unit of the hop is healthy: only now is the way back removed. In a
	// cluster this keeps every node's way back until the whole hop has passed.
	await journal.setHop(tag, 'committing');
	for (const unit of stage) {
		const parked = ctx.driver(unit.kind).kept(unit);
		if (plan.keepOld && lastHop) {
			ctx.timings.keptOld(unitLabel(unit), parked);
		} else {
			try {
				await runTransition(ctx, unit, ctx.driver(unit.kind).commit(journal.container(unit.key)));
			} catch (error) {
				ctx.timings.keptOld(unitLabel(unit), parked);
				ctx.emit({ type: 'warning', container: unitLabel(unit), message: `could not remove ${parked}: ${messageOf(error)}` });
				if (!lastHop) {
					// The next hop would need the -old name; stop here rather than guess.
					await journal.setHop(tag, 'committed');
					return ctx.finish(ExitCode.rolledBack, stage.map((each) => ctx.summary(each, 'rolled-back', { reason: `stopped after ${tag}: ${parked} could not be removed` })), 'rolled-back');
				}
			}
		}
		await journal.setPhase(unit.key, 'committed');
		ctx.timings.committed(unitLabel(unit), unit.to);
		await ctx.audit({ container: unitLabel(unit), action: 'upgraded', from: unit.from, to: unit.to });
	}
	await journal.setHop(tag, 'committed');
	return undefined;
}

/** The first unit on each engine, in stage order: the one that pulls there. */
function firstOfEachEngine(stage: Unit[]): Unit[] {
	const seen = new Set<string>();
	return stage.filter((unit) => !seen.has(unit.engine) && Boolean(seen.add(unit.engine)));
}

async function pull(ctx: RunContext, unit: Unit): Promise<void> {
	const started = Date.now();
	const label = unitLabel(unit);
	ctx.emit({ type: 'step-started', container: label, step: 'pull', detail: unit.targetRef });
	const final = await ctx.driver(unit.kind).prepare(unit, {
		signal: ctx.deps.signal,
		onWarning: (message) => ctx.emit({ type: 'warning', container: label, message }),
		onProgress: throttled((progress) => ctx.emit({ type: 'progress', container: label, step: 'pull', progress })),
	});
	ctx.emit({ type: 'progress', container: label, step: 'pull', progress: final });
	const durationMs = Date.now() - started;
	ctx.timings.pulled(label, durationMs);
	ctx.emit({ type: 'step-done', container: label, step: 'pull', durationMs, detail: unit.targetRef });
	await ctx.journal.setPhase(unit.key, 'pulled');
}

/** The unit's transitions in order; an abort is honoured between any two of them. */
async function swap(ctx: RunContext, unit: Unit): Promise<void> {
	await ctx.journal.setPhase(unit.key, 'swapping');
	await ctx.audit({ container: unitLabel(unit), action: 'swap-started', from: unit.from, to: unit.to });
	const transitions = ctx.driver(unit.kind).swap(unit);
	for (const [index, transition] of transitions.entries()) {
		if (index > 0 && ctx.aborted) throw new TransitionFailure(transition.step, `aborted by the operator before: ${transition.intent}`);
		await runTransition(ctx, unit, transition, transition.step === 'health' ? 'health' : undefined);
	}
}

/** Stop every unit of the hop (journaled), for an offline backup or --stop-all-first. */
async function stopAll(ctx: RunContext, stage: Unit[], why: string): Promise<{ unit: Unit; reason: string } | undefined> {
	for (const unit of stage) {
		try {
			await runTransition(ctx, unit, ctx.driver(unit.kind).stop(unit, why));
		} catch (error) {
			return { unit, reason: `stopping ${unitLabel(unit)} for ${why} failed: ${messageOf(error)}` };
		}
	}
	return undefined;
}

/**
 * A unit failed (or the operator aborted): roll back every unit of this hop
 * that was touched, newest first, from the journal.
 */
export async function failHop(
	ctx: RunContext,
	stage: Unit[],
	swapped: Unit[],
	failed: Unit,
	reason: string,
	failedWasTouched: boolean,
	plan: Plan,
	hopIndex: number,
): Promise<RunSummary> {
	const { journal } = ctx;
	const tag = plan.hops[hopIndex]!;
	const landed = hopIndex === 0 ? '' : `; earlier hops stay: now on ${plan.hops[hopIndex - 1]}`;
	const byKey = new Map(stage.map((unit) => [unit.key, unit]));
	const failedLabel = unitLabel(failed);
	const why = (label: string) => `${label === failedLabel ? reason : `rolled back because ${failedLabel} failed: ${reason}`}${landed}`;
	const records = touchedNewestFirst(stage.map((unit) => journal.container(unit.key)));
	const results = new Map<string, ContainerSummary>();
	const migrates = Boolean(plan.database?.migratingHops.includes(tag));
	const outcomes = await rollbackHop(ctx, {
		records,
		restore: migrates ? plan.database : undefined,
		reasonFor: (record) => why(unitLabel(record)),
		onUnitDone: (record, outcome) => {
			const unit = byKey.get(record.key)!;
			const base = { backup: ctx.backupShown(), restored: outcome.restored };
			let summary: ContainerSummary;
			if (outcome.ok) {
				ctx.timings.downtimeClosed(unitLabel(unit));
				summary = ctx.summary(unit, 'rolled-back', { reason: why(unitLabel(unit)), ...base });
			} else {
				summary = ctx.summary(unit, 'rollback-failed', {
					reason: `${why(unitLabel(unit))}; rollback incomplete: ${outcome.problems.join('; ')}`,
					state: outcome.state,
					commands: outcome.commands,
					...base,
				});
			}
			ctx.emit({ type: 'container-done', summary });
			results.set(unit.key, summary);
		},
	});
	for (const unit of stage) {
		if (results.has(unit.key)) continue;
		const summary = ctx.summary(unit, 'not-attempted', {
			reason: `${unit === failed ? reason : `not attempted: ${failedLabel} ${failedWasTouched ? 'failed' : 'was not reached'}`}${landed}`,
		});
		ctx.emit({ type: 'container-done', summary });
		results.set(unit.key, summary);
	}
	const allBack = [...outcomes.values()].every((outcome) => outcome.ok);
	await journal.setHop(tag, allBack ? 'rolled-back' : 'rollback-failed');
	return ctx.finish(allBack ? ExitCode.rolledBack : ExitCode.rollbackIncomplete, stage.map((unit) => results.get(unit.key)!), allBack ? 'rolled-back' : 'rollback-failed');
}
