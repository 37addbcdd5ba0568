import { ExitCode, messageOf } from '../errors.js';
import type { RunSummary } from '../events.js';
import { planEvent } from '../plan/describe.js';
import { finalTag, type Plan, type Unit } from '../plan/plan.js';
import { RunContext, type ExecutorDeps } from './context.js';
import { Gates, migrationGate, skipBackupGate } from './gates.js';
import { runHop } from './hop.js';
import { labelField, labelUnits, unitLabel } from '../cluster-names.js';

// The executor runs a Plan. It is the one engine behind every mode: views only
// render its events and answer its gates. It knows units, hops, gates, the
// journal and events; what a unit is on an engine belongs to its driver.

export type { ExecutorDeps } from './context.js';

export class Executor {
	private readonly ctx: RunContext;
	private readonly gates: Gates;

	constructor(deps: ExecutorDeps) {
		this.ctx = new RunContext(deps);
		this.gates = new Gates(this.ctx);
	}

	async run(plan: Plan): Promise<RunSummary> {
		const { ctx, gates } = this;
		const { journal } = ctx;
		// One name may be a unit on each of several engines: from here on each unit is known by its label.
		labelUnits(plan.units);
		const names = plan.units.map(unitLabel);
		const describeUnit = (unit: Unit, whole: Plan) => ctx.driver(unit.kind).describe(unit, whole);
		const onAbort = () => ctx.emit({ type: 'abort', reason: String(ctx.deps.signal?.reason ?? 'aborted by the operator') });
		ctx.deps.signal?.addEventListener('abort', onAbort, { once: true });
		try {
			ctx.know(plan.units);
			const steps = Object.fromEntries(plan.units.map((unit) => [unitLabel(unit), ctx.driver(unit.kind).steps(unit)]));
			ctx.emit({ type: 'run-started', runId: journal.doc.runId, containers: names, dryRun: false, journal: journal.path, steps });
			ctx.emit(planEvent(plan, describeUnit));
			for (const warning of plan.path.warnings) ctx.emit({ type: 'warning', message: warning });
			await journal.setPlan({
				repository: plan.path.repository,
				hops: plan.hops,
				keepOld: plan.keepOld,
				engine: plan.engine,
				...(plan.engines ? { engines: plan.engines } : {}),
				units: plan.units.map((unit) => ({ kind: unit.kind, name: unit.name, engine: unit.engine, ...labelField(unit) })),
				...(plan.database?.locator ? { database: { ...plan.database.locator, display: plan.database.display } } : {}),
			});

			const last = finalTag(plan);
			ctx.timings.start(plan.units, `${plan.path.repository}:${last}`);
			const notTouched = (reason: string) => plan.units.map((unit) => ctx.summary(unit, 'not-attempted', { reason }));

			const go = await gates.ask({
				kind: 'confirm-plan',
				title: 'Run this plan?',
				message: `Upgrade ${names.join(', ')} from ${plan.path.current} to ${last}${plan.hops.length > 1 ? ` through ${plan.hops.slice(0, -1).join(', ')}` : ''}`,
			});
			if (!go) return ctx.finish(ExitCode.usage, notTouched('cancelled before anything was changed'), 'done');
			if (plan.path.majorGate) {
				const major = await gates.ask({
					kind: 'major-upgrade',
					title: 'Major upgrade',
					message: `${plan.path.current} -> ${last} crosses a major version: expect breaking changes; read the release notes first`,
					details: plan.path.releaseNotes.map((note) => `${note.tag}: ${note.url}`),
				});
				if (!major) return ctx.finish(ExitCode.usage, notTouched('major upgrade not acknowledged; nothing was changed'), 'done');
			}
			const ownBackups = plan.units.flatMap((unit) => ctx.driver(unit.kind).backupGate?.(unit) ?? []);
			if (ownBackups.length > 0) {
				// The units back themselves up as their first step: their gate, not the app database's.
				for (const gate of ownBackups) {
					if (!(await gates.ask(gate))) return ctx.finish(ExitCode.usage, notTouched('backup not confirmed; nothing was changed'), 'done');
				}
			} else if (!plan.database) {
				ctx.emit({ type: 'warning', message: 'no database backup will be taken (--skip-backup): a failed migration cannot be undone' });
				const skip = await gates.ask(skipBackupGate());
				if (!skip) return ctx.finish(ExitCode.usage, notTouched('upgrade without a backup not confirmed; nothing was changed'), 'done');
			} else {
				const settled = await gates.settleBackup(plan.database);
				if ('refused' in settled) return ctx.finish(ExitCode.usage, notTouched(settled.refused), 'done');
				// Asked even when the backup was skipped: a migration with no way back needs acknowledging all the more.
				for (const tag of plan.database.migratingHops) {
					const acknowledged = await gates.ask(migrationGate(plan, tag, settled.database === undefined));
					if (!acknowledged) return ctx.finish(ExitCode.usage, notTouched(`schema migration of ${tag} not acknowledged; nothing was changed`), 'done');
				}
				if (!settled.database && plan.database.migratingHops.includes(plan.hops[0]!)) {
					// Without a database plan the hop no longer knows it migrates; keep the longer
					// first start it would have had, so a slow migration is not taken for a failure.
					for (const unit of plan.units) {
						unit.health = { ...unit.health, timeoutMs: plan.database.migrationTimeoutMs ?? unit.health.timeoutMs * 5 };
					}
				}
				// From here on the run backs up where the operator said, or (skipped) takes
				// no backup and so restores nothing on rollback.
				plan = { ...plan, database: settled.database };
			}

			let stage = plan.units;
			for (const [hopIndex, tag] of plan.hops.entries()) {
				if (hopIndex > 0) {
					// Later hops start from the units the previous hop left: planned from what runs
					// now, so the create options carry forward exactly what is running.
					try {
						stage = labelUnits(await Promise.all(stage.map((unit) => ctx.driver(unit.kind).replan(unit, `${plan.path.repository}:${tag}`))));
					} catch (error) {
						const reason = `planning the hop to ${tag} failed: ${messageOf(error)}; the containers stay on ${plan.hops[hopIndex - 1]}`;
						ctx.emit({ type: 'failure', container: unitLabel(stage[0]!), step: 'preflight', message: reason });
						return ctx.finish(ExitCode.rolledBack, stage.map((unit) => ctx.summary(unit, 'rolled-back', { reason })), 'rolled-back');
					}
				}
				const outcome = await runHop(ctx, stage, plan, hopIndex);
				if (outcome) return outcome;
			}

			const results = stage.map((unit) => {
				const driver = ctx.driver(unit.kind);
				const parked = driver.kept(unit);
				const keptOld = plan.keepOld ? parked : ctx.timings.keptOld(unitLabel(unit));
				const removal = keptOld ? driver.keptRemoval?.(unit) : undefined;
				const summary = ctx.summary(unit, 'upgraded', { keptOld, ...(removal ? { keptRemoval: removal } : {}), backup: ctx.backupShown(), backups: ctx.backupsShown(plan.hops, plan.path.current) });
				ctx.emit({ type: 'container-done', summary });
				return summary;
			});
			return ctx.finish(ExitCode.ok, results, 'done');
		} finally {
			ctx.deps.signal?.removeEventListener('abort', onAbort);
		}
	}
}
