import { messageOf } from '../errors.js';
import type { BackupRecord } from '../journal/journal.js';
import type { DatabasePlan } from '../plan/database.js';
import type { Unit } from '../plan/plan.js';
import type { RestoreTarget } from '../ports.js';
import { fileStamp, formatBytes } from '../../text/format.js';
import type { RunContext } from './context.js';
import { throttled } from './throttle.js';
import { unitLabel } from '../cluster-names.js';

// The database's two journaled steps: the verified backup before anything
// stops, and the restore a rollback (or a recovery) runs from the backup the
// journal recorded, never from what memory believes.

/** pg_dump -Fc (or -Fd -j N), verified, checksummed; recorded in the journal before anything stops. */
export async function backupStep(ctx: RunContext, database: DatabasePlan, lead: Unit & { inspect?: unknown }, tag: string): Promise<BackupRecord> {
	const started = Date.now();
	// Named for the hop it guards: the versions before and after it.
	const from = lead.from.slice(lead.from.lastIndexOf(':') + 1);
	const fileStem = `${lead.name}-${from}-to-${tag}-${fileStamp()}`.replace(/[^A-Za-z0-9._-]/g, '_');
	const label = unitLabel(lead);
	ctx.emit({ type: 'step-started', container: label, step: 'backup', detail: `${database.display} -> ${database.backupDir}` });
	const result = await ctx.deps.database.backup(database, {
		fileStem,
		hop: tag,
		containerInspect: lead.inspect === undefined ? undefined : ctx.deps.redactor.value(lead.inspect),
		signal: ctx.deps.signal,
		onProgress: throttled((bytes, elapsedMs) => ctx.emit({ type: 'progress', container: label, step: 'backup', bytes, elapsedMs })),
	});
	const { sha256Path: _sha256Path, ...record } = result;
	await ctx.journal.recordBackup(record);
	await ctx.audit({ container: label, action: 'backup', detail: `${result.path} sha256 ${result.sha256}` });
	ctx.emit({
		type: 'step-done',
		container: label,
		step: 'backup',
		durationMs: Date.now() - started,
		detail: `${result.path} (${formatBytes(result.sizeBytes)}, sha256 ${result.sha256.slice(0, 16)}…, ${
			result.dataDir
				? `${result.dataDir.entries} entries of ${result.dataDir.path} verified`
				: result.format === 'directory'
					? `directory format, pg_dump -j ${result.jobs ?? 1}, ${result.files ?? '?'} files in its manifest, ${result.tables.length} tables verified`
					: `${result.tables.length} tables verified`
		})`,
	});
	return record;
}

/** pg_restore of the journal's newest backup into the same database, row counts checked; returns a problem or nothing. */
export async function restoreStep(ctx: RunContext, database: RestoreTarget, label: string): Promise<string | undefined> {
	const backup = ctx.journal.lastBackup();
	if (!backup) return 'no backup of this run to restore from';
	const started = Date.now();
	ctx.emit({ type: 'step-started', container: label, step: 'restore', detail: `${backup.path} -> ${database.display}` });
	const record = await ctx.journal.intendRestore(backup.path);
	try {
		const verified = await ctx.deps.database.restore(
			database,
			backup,
			throttled((bytes, elapsedMs) => ctx.emit({ type: 'progress', container: label, step: 'restore', bytes, elapsedMs })),
		);
		await ctx.journal.settleRestore(record, 'done');
		await ctx.audit({ container: label, action: 'database-restored', detail: backup.path });
		ctx.emit({ type: 'step-done', container: label, step: 'restore', durationMs: Date.now() - started, detail: verified });
		return undefined;
	} catch (error) {
		const message = messageOf(error);
		await ctx.journal.settleRestore(record, 'failed', message);
		ctx.emit({ type: 'failure', container: label, step: 'restore', message });
		return `restoring the database from ${backup.path} failed: ${message}`;
	}
}
