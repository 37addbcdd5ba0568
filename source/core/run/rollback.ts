import { messageOf } from '../errors.js';
import type { JournalAction, UnitRecord } from '../journal/journal.js';
import type { RestoreTarget, UndoPhase } from '../ports.js';
import type { RunContext } from './context.js';
import { restoreStep } from './database-steps.js';
import { handOver } from './hand-over.js';
import { unitLabel } from '../cluster-names.js';

// Rollback of one hop, from the journal: the one code path behind "roll back
// after a failure" and "recover after a crash". Each unit's not-yet-undone
// actions are undone newest first, in two phases: first everything of the new
// version goes (detach), then, with nothing of it running, the database is
// restored when a migrating start had begun, and only then do the old units
// start again (revive) and have their health checked.

export interface RollbackOutcome {
	ok: boolean;
	/** The problems that kept it from being back, empty when ok. */
	problems: string[];
	restored: boolean;
	/** "old container … is back as app: healthy" when ok. */
	detail?: string;
	state?: string[];
	commands?: string[];
}

export interface RollbackInput {
	/** The hop's touched units, the one touched last first. */
	records: UnitRecord[];
	/** Set when the hop migrates and a backup exists: restored once any unit's target was started. */
	restore?: RestoreTarget;
	/** Why each unit is rolled back, for events and the audit log. */
	reasonFor(record: UnitRecord): string;
	/** Called as each unit ends (summaries are emitted in order, unit by unit). */
	onUnitDone(record: UnitRecord, outcome: RollbackOutcome): Promise<void> | void;
}

/** The units of a hop that had anything done to them, the one touched last first. */
export function touchedNewestFirst(records: UnitRecord[]): UnitRecord[] {
	const last = (record: UnitRecord) => Math.max(0, ...record.actions.map((action) => action.seq));
	return records.filter((record) => record.actions.length > 0).sort((a, b) => last(b) - last(a));
}

async function undoPhase(ctx: RunContext, record: UnitRecord, phase: UndoPhase, problems: string[]): Promise<void> {
	const driver = ctx.driver(record.kind);
	const pending = record.actions
		.filter((action) => action.status !== 'undone' && driver.phaseOf(action.undo) === phase)
		.sort((a, b) => b.seq - a.seq);
	// Two transitions can share one undo (create and start both "remove the new
	// container"): it runs once, the other is settled with it.
	const ran = new Set<string>();
	for (const action of pending) {
		const label = driver.label(record, action.undo);
		if (ran.has(label)) {
			await ctx.journal.settle(action, 'undone');
			continue;
		}
		ran.add(label);
		await runUndo(ctx, record, action, label, problems);
	}
}

async function runUndo(ctx: RunContext, record: UnitRecord, action: JournalAction, label: string, problems: string[]): Promise<void> {
	const driver = ctx.driver(record.kind);
	try {
		await driver.undo(record, action.undo, { emit: ctx.emitterFor(record) });
		await ctx.journal.settle(action, 'undone');
		ctx.emit({ type: 'rollback-step', container: unitLabel(record), action: label, ok: true });
	} catch (error) {
		problems.push(`${label}: ${messageOf(error)}`);
		await ctx.journal.settle(action, 'undo-failed', { error: messageOf(error) });
		ctx.emit({ type: 'rollback-step', container: unitLabel(record), action: label, ok: false, detail: messageOf(error) });
	}
}

export async function rollbackHop(ctx: RunContext, input: RollbackInput): Promise<Map<string, RollbackOutcome>> {
	const { journal } = ctx;
	const problems = new Map<string, string[]>();
	for (const record of input.records) {
		ctx.emit({ type: 'rollback-started', container: unitLabel(record), reason: input.reasonFor(record) });
		await journal.setPhase(record.key, 'rolling-back');
		const list: string[] = [];
		await undoPhase(ctx, record, 'detach', list);
		problems.set(record.key, list);
	}

	// Any start at all (even one that failed) may have run the migration.
	const started = input.records.some((record) => record.actions.some((action) => action.startsTarget));
	let restored = false;
	if (input.restore && started) {
		const blocked = [...problems.values()].some((list) => list.length > 0);
		const lead = input.records[0]!;
		const restoreProblem = blocked
			? 'the database was not restored because the new containers could not all be removed'
			: await restoreStep(ctx, input.restore, unitLabel(lead));
		if (restoreProblem) for (const list of problems.values()) list.push(restoreProblem);
		else restored = true;
	}

	const outcomes = new Map<string, RollbackOutcome>();
	for (const record of input.records) {
		const driver = ctx.driver(record.kind);
		const list = problems.get(record.key)!;
		// Never start the old version on a database that is not back where it was.
		if (list.length === 0) await undoPhase(ctx, record, 'revive', list);
		let detail: string | undefined;
		if (list.length === 0) {
			const verdict = await driver.verifyBack(record, { emit: ctx.emitterFor(record) });
			if (verdict.ok) detail = `${verdict.back ?? `${unitLabel(record)} is back`}${restored ? ', database restored from the backup' : ''}: ${verdict.detail}`;
			else list.push(verdict.reason);
		}
		const reason = input.reasonFor(record);
		let outcome: RollbackOutcome;
		if (list.length === 0) {
			await journal.setPhase(record.key, 'rolled-back');
			await ctx.audit({ container: unitLabel(record), action: 'rolled-back', from: record.to, to: record.from, detail: reason });
			ctx.emit({ type: 'rollback-done', container: unitLabel(record), ok: true, detail });
			outcome = { ok: true, problems: [], restored, detail };
		} else {
			await journal.setPhase(record.key, 'rollback-failed');
			await ctx.audit({ container: unitLabel(record), action: 'rollback-failed', from: record.to, to: record.from, detail: list.join('; ') });
			const { state, commands } = await handOver(ctx, record);
			ctx.emit({ type: 'rollback-done', container: unitLabel(record), ok: false, detail: list.join('; ') });
			outcome = { ok: false, problems: list, restored, state, commands };
		}
		outcomes.set(record.key, outcome);
		await input.onUnitDone(record, outcome);
	}
	return outcomes;
}
