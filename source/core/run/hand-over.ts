import { posix } from 'node:path';
import type { UnitRecord } from '../journal/journal.js';
import type { EmbeddedDatabase } from '../plan/database.js';
import type { RunContext } from './context.js';

// Exit 3: the rollback (or recovery) could not put a unit back. The operator
// gets what is where now, read from the engine, and the commands to finish by
// hand, derived from the journal's typed undos that did not run.

/** What is on the engine now and what to type to finish by hand (exit 3). */
export async function handOver(ctx: RunContext, record: UnitRecord): Promise<{ state: string[]; commands: string[] }> {
	const { state, commands } = await ctx.driver(record.kind).handOver(record);
	const failedRestore = ctx.journal.doc.restores?.find((entry) => entry.status !== 'done');
	const embedded = ctx.journal.doc.plan?.database?.embedded;
	if (failedRestore && embedded) {
		commands.unshift(...embeddedRestoreByHand(embedded, record.from, failedRestore.backup));
	} else if (failedRestore) {
		// The connection comes from the operator's own environment: no password is printed.
		commands.unshift(`pg_restore --clean --if-exists --single-transaction --no-owner -d <database> ${failedRestore.backup}   # then compare row counts with the journal's backups[]`);
	}
	return { state, commands: [...new Set(commands)] };
}

/** What restoreDataDir does, typed by hand: empty the directory with the old image's find, then unpack the copy into the stopped container. */
export function embeddedRestoreByHand(embedded: EmbeddedDatabase, oldImage: string, backup: string): string[] {
	const { mount, dataDir, container } = embedded;
	return [
		`docker run --rm --user 0:0 --network none --mount type=${mount.type},source=${mount.source},target=${mount.destination} --entrypoint find ${oldImage} ${dataDir} -mindepth 1 -maxdepth 1 -exec rm -rf {} +`,
		`docker cp - ${container}:${posix.dirname(dataDir)} < ${backup}   # the copy of ${dataDir}; with ${container} stopped`,
	];
}
