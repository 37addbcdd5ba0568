import type { UnitRecord } from '../journal/journal.js';
import type { RunContext } from './context.js';

// Exit 3: the rollback (or recovery) could not put a unit back. The operator
// gets what is where now, read from the engine, and the commands to finish by
// hand, derived from the journal's typed undos that did not run.

/** What is on the engine now and what to type to finish by hand (exit 3). */
export async function handOver(ctx: RunContext, record: UnitRecord): Promise<{ state: string[]; commands: string[] }> {
	const { state, commands } = await ctx.driver(record.kind).handOver(record);
	const failedRestore = ctx.journal.doc.restores?.find((entry) => entry.status !== 'done');
	if (failedRestore) {
		// The connection comes from the operator's own environment: no password is printed.
		commands.unshift(`pg_restore --clean --if-exists --single-transaction --no-owner -d <database> ${failedRestore.backup}   # then compare row counts with the journal's backups[]`);
	}
	return { state, commands: [...new Set(commands)] };
}
