import { UsageError } from '../core/errors.js';
import { stateDir } from '../core/journal/state-dir.js';
import { holderOf, interruptedRuns, isInterrupted, parkedBy } from '../core/journal/read-journal.js';
import type { Engine } from '../docker/engine.js';

// What the state dir's journals say about containers a new run would touch:
// one an interrupted run holds is refused (recover first), and a parked
// `<name>-old` is explained by the run that parked it.

/** A container an interrupted run holds is the operator's to recover, whatever state it is in now. */
export async function refuseHeld(engine: Engine, names: string[], env: NodeJS.ProcessEnv): Promise<void> {
	const interrupted = await interruptedRuns(stateDir(env), engine.endpoint);
	for (const name of names) {
		const holder = holderOf(interrupted, name);
		if (holder) {
			throw new UsageError(
				`${name} belongs to the interrupted run ${holder.runId} (started ${holder.startedAt} by ${holder.user}@${holder.host}); put it back first with: upgrade-wizard recover ${holder.runId}`,
			);
		}
	}
}

export async function explainParked(env: NodeJS.ProcessEnv, parkedName: string): Promise<string | undefined> {
	const run = await parkedBy(stateDir(env), parkedName);
	if (!run?.doc) return undefined;
	return `parked by run ${run.doc.runId}, journal ${run.path}${isInterrupted(run.doc) ? '; that run was interrupted: upgrade-wizard recover puts it back' : ''}`;
}
