import { messageOf } from '../errors.js';
import { TransitionFailure, type Transition } from '../ports.js';
import type { UnitPhase } from '../journal/journal.js';
import type { Unit } from '../plan/plan.js';
import type { RunContext } from './context.js';
import { unitLabel } from '../cluster-names.js';

// One destructive transition: its intent and typed undo are journaled before
// it runs, its outcome after. A crash between the two leaves an 'intent' entry
// that rollback and recovery treat exactly like a done one (undos are idempotent).

export async function runTransition(ctx: RunContext, unit: Pick<Unit, 'key' | 'name' | 'label'> & { engine?: string }, transition: Transition, phase?: UnitPhase): Promise<void> {
	const { journal } = ctx;
	const started = Date.now();
	// Events and timings name the unit by its label; the driver's own events are relabelled on their way out.
	const label = unitLabel(unit);
	if (phase) await journal.setPhase(unit.key, phase);
	if (transition.downtime === 'opens') ctx.timings.downtimeOpened(label);
	if (transition.announce !== null && !transition.quiet) ctx.emit({ type: 'step-started', container: label, step: transition.step, detail: transition.announce ?? transition.intent });
	const action = await journal.intend(unit.key, transition);
	let detail: string | void;
	try {
		detail = await transition.run({
			emit: ctx.emitterFor(unit),
			signal: ctx.deps.signal,
			record: async (data, undo) => {
				Object.assign(journal.container(unit.key), data);
				await journal.settle(action, 'intent', { data, undo });
			},
			recordBackup: async (backup) => {
				await journal.recordBackup(backup);
				await ctx.audit({ container: label, action: 'backup', detail: `${backup.path} sha256 ${backup.sha256}` });
			},
		});
	} catch (error) {
		await journal.settle(action, 'failed', { error: messageOf(error) });
		throw error instanceof TransitionFailure ? error : new TransitionFailure(transition.step, messageOf(error));
	}
	await journal.settle(action, 'done');
	if (transition.downtime === 'closes') ctx.timings.downtimeClosed(label);
	if (!transition.quiet) ctx.emit({ type: 'step-done', container: label, step: transition.step, durationMs: Date.now() - started, ...(detail ? { detail } : {}) });
}
