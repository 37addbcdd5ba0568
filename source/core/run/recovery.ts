import { hostname } from 'node:os';
import { ExitCode, messageOf } from '../errors.js';
import type { ContainerSummary, RunSummary } from '../events.js';
import { currentUser, type HopRecord, type JournalDoc, type UnitRecord } from '../journal/journal.js';
import type { RestoreTarget } from '../ports.js';
import type { RunContext } from './context.js';
import { runTransition } from './journaled-step.js';
import { rollbackHop, touchedNewestFirst } from './rollback.js';
import { handOver } from './hand-over.js';
import { engineOfRecord } from '../journal/read-journal.js';
import { summaryNames, unitLabel } from '../cluster-names.js';

// `upgrade-wizard recover`: a run whose process is gone is put back from its
// journal. The interrupted hop is rolled back with the very code a failure
// uses (rollback.ts), against what the engine holds now; a hop that had
// already committed (only the -old removal was left) is finished instead.
// Recovery journals into the same file, so a recover that is itself killed
// is simply recovered again.

export type RecoveryAction = 'roll-back' | 'finish-commit' | 'close';

export interface RecoveryPlan {
	runId: string;
	/** The hop recover acts on, if any. */
	hop?: HopRecord;
	action: RecoveryAction;
	units: UnitRecord[];
	/** What recover will do, in words (the Recovery screen and --dry-run show it). */
	steps: string[];
	/** A migrating start had begun: the database is restored from this backup. */
	restoreFrom?: string;
}

/** The hop a crash interrupted: the last one the run started. */
function interruptedHop(doc: JournalDoc): HopRecord | undefined {
	return doc.hops.at(-1);
}

function unitsOf(doc: JournalDoc, tag: string): UnitRecord[] {
	return Object.values(doc.containers).filter((record) => record.hop === tag);
}

function needsRestore(doc: JournalDoc, hop: HopRecord, units: UnitRecord[]): boolean {
	const started = units.some((record) => record.actions.some((action) => action.startsTarget));
	return hop.migrates && started && Boolean(doc.plan?.database) && Boolean(doc.backups?.length);
}

export function planRecovery(ctx: RunContext): RecoveryPlan {
	const doc = ctx.journal.doc;
	const hop = interruptedHop(doc);
	if (!hop || hop.status === 'committed') {
		return { runId: doc.runId, hop, action: 'close', units: hop ? unitsOf(doc, hop.tag) : [], steps: ['nothing to undo: mark the run as finished'] };
	}
	const units = unitsOf(doc, hop.tag);
	if (hop.status === 'committing') {
		const left = units.filter((record) => record.phase !== 'committed');
		const steps = left.map((record) => ctx.driver(record.kind).commit(record).intent);
		return { runId: doc.runId, hop, action: 'finish-commit', units, steps: steps.length > 0 ? steps : ['the hop had committed: mark the run as finished'] };
	}
	const touched = touchedNewestFirst(units);
	const steps: string[] = [];
	for (const phase of ['detach', 'revive'] as const) {
		if (phase === 'revive' && needsRestore(doc, hop, touched)) steps.push(`restore the database ${doc.plan?.database?.display ?? ''} from ${doc.backups!.at(-1)!.path}, row counts checked`);
		for (const record of touched) {
			const driver = ctx.driver(record.kind);
			const labels = record.actions
				.filter((action) => action.status !== 'undone' && driver.phaseOf(action.undo) === phase)
				.sort((a, b) => b.seq - a.seq)
				.map((action) => driver.label(record, action.undo));
			steps.push(...new Set(labels));
		}
	}
	for (const record of touched) steps.push(`check that ${unitLabel(record)} is healthy`);
	return {
		runId: doc.runId,
		hop,
		action: 'roll-back',
		units,
		steps: steps.length > 0 ? steps : ['nothing was touched: mark the run as finished'],
		...(needsRestore(doc, hop, touched) ? { restoreFrom: doc.backups!.at(-1)!.path } : {}),
	};
}

export interface RecoverOptions {
	/** The database to restore into, found again from the journal's locator (only asked when a restore is needed). */
	restoreTarget(): Promise<RestoreTarget>;
}

export async function recoverRun(ctx: RunContext, options: RecoverOptions): Promise<RunSummary> {
	const { journal } = ctx;
	const doc = journal.doc;
	const plan = planRecovery(ctx);
	// Records of journals written before engines had names are on the run's one engine.
	ctx.know(plan.units.map((record) => ({ name: record.name, label: unitLabel(record), engine: engineOfRecord(doc, record) })));
	await journal.setRecovery({ pid: process.pid, host: hostname(), user: currentUser(), startedAt: new Date().toISOString(), status: 'running' });
	ctx.emit({ type: 'run-started', runId: doc.runId, containers: plan.units.map(unitLabel), dryRun: false, journal: journal.path });
	ctx.emit({ type: 'plan', lines: [`Recover run ${doc.runId} (started ${doc.startedAt} by ${doc.user}@${doc.host})`, ...plan.steps.map((step) => `- ${step}`)] });
	const summaries: ContainerSummary[] = [];
	const summary = (record: UnitRecord, result: ContainerSummary['result'], extra: Partial<ContainerSummary> = {}): ContainerSummary => {
		const out: ContainerSummary = { ...summaryNames(record), engine: engineOfRecord(doc, record), from: record.from, to: record.to, result, ...extra };
		ctx.emit({ type: 'container-done', summary: out });
		summaries.push(out);
		return out;
	};
	let allBack = true;

	if (plan.action === 'finish-commit' && plan.hop) {
		const lastHop = doc.plan ? plan.hop.index === doc.plan.hops.length - 1 : true;
		for (const record of plan.units) {
			if (record.phase === 'committed') {
				summary(record, 'upgraded', { reason: `${unitLabel(record)} runs ${record.to}; the hop had committed before the interruption` });
				continue;
			}
			try {
				const removed = record.actions.some((action) => action.kind === 'remove-old' && action.status === 'done');
				if (!removed && !(doc.plan?.keepOld && lastHop)) await runTransition(ctx, record, ctx.driver(record.kind).commit(record));
				await journal.setPhase(record.key, 'committed');
				await ctx.audit({ container: unitLabel(record), action: 'upgraded', from: record.from, to: record.to, detail: 'finished by recover' });
				summary(record, 'upgraded', { reason: `the hop to ${plan.hop.tag} had passed its health gates; recover finished it` });
			} catch (error) {
				allBack = false;
				const { state, commands } = await handOver(ctx, record);
				summary(record, 'rollback-failed', { reason: `finishing the hop failed: ${messageOf(error)}`, state, commands });
			}
		}
		await journal.setHop(plan.hop.tag, allBack ? 'committed' : 'committing');
	} else if (plan.action === 'roll-back' && plan.hop) {
		const hop = plan.hop;
		const records = touchedNewestFirst(plan.units);
		let restore: RestoreTarget | undefined;
		let restoreProblem: string | undefined;
		if (plan.restoreFrom) {
			try {
				restore = await options.restoreTarget();
			} catch (error) {
				restoreProblem = `the database to restore could not be found again: ${messageOf(error)}`;
			}
		}
		const reason = `recovered after the run was interrupted during the hop to ${hop.tag}`;
		if (restoreProblem) {
			// Without the database, nothing of the old version may start on a half-migrated schema.
			allBack = false;
			ctx.emit({ type: 'failure', container: records[0] ? unitLabel(records[0]) : '-', step: 'restore', message: restoreProblem });
			for (const record of records) {
				const { state, commands } = await handOver(ctx, record);
				summary(record, 'rollback-failed', { reason: `${reason}; ${restoreProblem}`, state, commands });
			}
		} else {
			const outcomes = await rollbackHop(ctx, {
				records,
				restore,
				reasonFor: () => reason,
				onUnitDone: (record, outcome) => {
					summary(record, outcome.ok ? 'rolled-back' : 'rollback-failed', {
						reason: outcome.ok ? reason : `${reason}; rollback incomplete: ${outcome.problems.join('; ')}`,
						restored: outcome.restored,
						...(outcome.ok ? {} : { state: outcome.state, commands: outcome.commands }),
					});
				},
			});
			allBack = [...outcomes.values()].every((outcome) => outcome.ok);
		}
		for (const record of plan.units) {
			if (!records.includes(record)) summary(record, 'not-attempted', { reason: `${unitLabel(record)} had not been touched in the hop to ${hop.tag}` });
		}
		await journal.setHop(hop.tag, allBack ? 'rolled-back' : 'rollback-failed');
	}

	await journal.setRecovery({ ...doc.recovery!, finishedAt: new Date().toISOString(), status: allBack ? 'recovered' : 'recover-failed' });
	return ctx.finish(allBack ? ExitCode.ok : ExitCode.rollbackIncomplete, summaries, allBack ? 'recovered' : 'rollback-failed');
}
