import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { PassThrough, Readable, Transform } from 'node:stream';
import type Docker from 'dockerode';
import { keyLine } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { sha256File } from './backup-files.js';
import { dumpJobs, type BackupFormat } from './dump-format.js';
import { checkDumpDirectory } from './dump-manifest.js';
import { restoreBySwap } from './parallel-restore.js';
import { restorePrelude } from './restore-prelude.js';
import { compareTables, problemsText, type VerifiedTable } from './restore-check.js';
import { listedSchemas, parseListing } from './dump-listing.js';
import { DatabaseError, RestoreError, errorText } from './errors.js';
import { findPgDump, type PgTools } from './pg-tools.js';
import { majorOf, serverInfo } from './server-info.js';
import { PSQL_ARGS, psqlFailure, queryJson, SqlError, type TableRows } from './sql.js';
import { containerRunner, hostRunner, type ToolRunner } from './tool-runner.js';

export { restorePrelude } from './restore-prelude.js';

// Rollback's way back from a migration: the database becomes exactly what the
// backup holds, or stays exactly as it was. pg_restore --clean only drops
// objects the dump knows, so tables a half-applied migration created would
// survive it; instead pg_restore writes its --clean script and psql runs it
// inside one transaction after a prelude that drops every user relation (and
// schemas created since). COMMIT is sent only when pg_restore read the whole
// archive, so any failure leaves the database untouched. Then exact row
// counts are compared with those recorded at backup time. A directory-format
// backup is restored in parallel where the database can be swapped for a
// restored copy (parallel-restore.ts), else the same one-transaction way.

export interface RestoreOptions {
	target: DatabaseTarget;
	/** format absent: custom (journals before directory backups). */
	backup: { path: string; sha256: string; tables: TableRows[]; format?: BackupFormat };
	/** pg_restore -j for a directory backup (default: from the cores and the tables). */
	jobs?: number;
	docker?: Docker;
	/** Archive bytes read and time since the restore started; at most every 200 ms. */
	onProgress?: (bytes: number, elapsedMs: number) => void;
	signal?: AbortSignal;
	/** How long the restore waits for locks other sessions hold (default 60 s). */
	lockTimeoutMs?: number;
	/** How host tools are found for a server major (default findPgDump). */
	findTools?: (serverMajor: number) => Promise<PgTools | undefined>;
}

export interface RestoreResult {
	durationMs: number;
	verified: VerifiedTable[];
	/** How it was restored, in words: one transaction, or pg_restore -j into a scratch database swapped in (and why not). */
	how: string;
}

const PROGRESS_INTERVAL_MS = 200;

const EPILOGUE = 'COMMIT;\n';

class ProgressMeter extends Transform {
	private bytes = 0;
	private last: number;
	constructor(
		private readonly startedAt: number,
		private readonly onProgress?: (bytes: number, elapsedMs: number) => void,
	) {
		super();
		this.last = startedAt;
	}
	override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (error: null, chunk: Buffer) => void): void {
		this.bytes += chunk.length;
		const now = Date.now();
		if (this.onProgress && now - this.last >= PROGRESS_INTERVAL_MS) {
			this.last = now;
			this.onProgress(this.bytes, now - this.startedAt);
		}
		done(null, chunk);
	}
}

interface RestoreContext {
	major: number;
	superuser: boolean;
}

function asRestoreError(error: unknown, target: DatabaseTarget): RestoreError {
	if (error instanceof RestoreError) return error;
	if (error instanceof SqlError) return new RestoreError('restore-failed', `restore of ${target.display} failed: ${error.message}`, [target.password]);
	if (error instanceof DatabaseError) return new RestoreError(error.kind, error.message);
	return new RestoreError('restore-failed', `restore of ${target.display} failed: ${errorText(error)}`, [target.password]);
}

async function runnerForRestore(target: DatabaseTarget, context: RestoreContext, opts: RestoreOptions): Promise<{ runner: ToolRunner; tools?: PgTools }> {
	if (target.kind === 'container') {
		if (opts.backup.format === 'directory') throw new RestoreError('no-pg-dump', `${opts.backup.path} is a directory-format dump, which is restored with host tools, and the database is reached through a container`);
		return { runner: containerRunner(target, opts.docker) };
	}
	const tools = await (opts.findTools ?? findPgDump)(context.major);
	if (!tools) {
		throw new RestoreError('no-pg-dump', `no pg_restore for PostgreSQL ${context.major} or newer on this host (looked in /usr/lib/postgresql/*/bin and PATH)`);
	}
	return { runner: hostRunner(target, tools), tools };
}

/** Stream pg_restore's script into psql between the prelude and (only on success) COMMIT. */
async function runRestore(
	target: DatabaseTarget,
	runner: ToolRunner,
	opts: RestoreOptions,
	context: RestoreContext,
	dumpSchemas: string[],
	startedAt: number,
): Promise<void> {
	const stopRestore = new AbortController();
	const onOuterAbort = () => stopRestore.abort();
	opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
	const script = new PassThrough();
	// A superuser restores ownership as it was; anyone else can only own what it creates.
	const restoreArgs = ['--clean', '--if-exists', '--file=-', ...(context.superuser ? [] : ['--no-owner'])];
	// A directory dump is read by path (host tools only); a file is streamed, which also works into a container.
	const input = opts.backup.format === 'directory'
		? { archive: opts.backup.path }
		: { createStdin: () => createReadStream(opts.backup.path).pipe(new ProgressMeter(startedAt, opts.onProgress)) };
	const restoring = runner.run('pg_restore', restoreArgs, { ...input, stdout: script, signal: stopRestore.signal });
	async function* psqlInput() {
		yield restorePrelude(dumpSchemas, opts.lockTimeoutMs ?? 60_000);
		for await (const chunk of script) yield chunk as Buffer;
		const restored = await restoring;
		if (restored.exitCode === 0 && !restored.aborted && !restored.error) yield EPILOGUE;
	}
	const applying = runner.run('psql', PSQL_ARGS, { stdin: Readable.from(psqlInput()), signal: opts.signal });
	// psql stopping early (a failed statement) must not leave pg_restore blocked on a full pipe.
	const stopFeeding = () => {
		stopRestore.abort();
		script.destroy();
	};
	applying.then(stopFeeding, stopFeeding);
	const [restored, applied] = await Promise.all([restoring, applying]).finally(() => opts.signal?.removeEventListener('abort', onOuterAbort));
	if (opts.signal?.aborted || applied.aborted) {
		throw new RestoreError('restore-failed', `restore of ${target.display} aborted; the database was left as it was`);
	}
	if (applied.exitCode !== 0) {
		const failure = psqlFailure(target, runner.where, applied.exitCode, applied.stderr);
		if (!(failure instanceof SqlError)) throw failure;
		throw new RestoreError('restore-failed', `restore of ${target.display} failed, the database was left as it was: ${failure.message}`, [target.password]);
	}
	if (restored.exitCode !== 0 || restored.error) {
		const why = restored.error ? errorText(restored.error) : keyLine(restored.stderr) || `exit code ${restored.exitCode}`;
		throw new RestoreError('restore-failed', `pg_restore cannot read ${opts.backup.path} (${why}); the database was left as it was`, [target.password]);
	}
}

/** The backup is what was written: the file's sha256, or every file against the manifest and the manifest against its sha256. */
async function checkIntegrity(backup: RestoreOptions['backup']): Promise<void> {
	const cannotRead = (error: NodeJS.ErrnoException) => {
		throw new RestoreError('verify-failed', `cannot read the backup ${backup.path} (${error.code ?? errorText(error)})`);
	};
	if (backup.format === 'directory') {
		const problems = await checkDumpDirectory(backup.path, `${backup.path}.sha256`, backup.sha256).catch(cannotRead);
		if (problems.length > 0) throw new RestoreError('verify-failed', `the backup ${backup.path} does not match its manifest (${problemsText(problems)}); not restoring it`);
		return;
	}
	const actualSha = await sha256File(backup.path).catch(cannotRead);
	if (actualSha !== backup.sha256) {
		throw new RestoreError('verify-failed', `the backup ${backup.path} does not match its checksum; not restoring it`);
	}
}

export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreResult> {
	const { target, backup } = opts;
	const startedAt = Date.now();
	try {
		await checkIntegrity(backup);
		const context = await queryJson<{ num: number; super: boolean }>(
			target,
			`SELECT jsonb_build_object('num', current_setting('server_version_num')::int, 'super', (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))`,
			opts.docker,
		);
		const restoreContext: RestoreContext = { major: majorOf(context!.num), superuser: Boolean(context!.super) };
		const { runner, tools } = await runnerForRestore(target, restoreContext, opts);

		const listing = await runner.run('pg_restore', ['--list'], { archive: backup.path });
		if (listing.exitCode !== 0) {
			throw new RestoreError('verify-failed', `pg_restore cannot read ${backup.path} (${keyLine(listing.stderr) || `exit code ${listing.exitCode}`})`);
		}
		let how = 'in one transaction';
		if (backup.format === 'directory' && tools) {
			const jobs = opts.jobs ?? dumpJobs(availableParallelism(), backup.tables.length);
			if (jobs >= 2) {
				const swap = await restoreBySwap({
					target, tools, archive: backup.path, tables: backup.tables, jobs, superuser: restoreContext.superuser,
					signal: opts.signal, onProgress: opts.onProgress, lockTimeoutMs: opts.lockTimeoutMs,
				});
				if (swap.restored) {
					return { durationMs: Date.now() - startedAt, verified: swap.verified, how: `pg_restore -j ${jobs} into a scratch database, swapped in${swap.note ? `; ${swap.note}` : ''}` };
				}
				how = `in one transaction (not in parallel: ${swap.why})`;
			}
		}
		await runRestore(target, runner, opts, restoreContext, listedSchemas(parseListing(listing.stdout)), startedAt);

		const after = await serverInfo(target, opts.docker);
		const { verified, problems } = compareTables(backup.tables, after.tables);
		if (problems.length > 0) {
			throw new RestoreError('verify-failed', `the restored database does not match the backup: ${problemsText(problems)}`);
		}
		return { durationMs: Date.now() - startedAt, verified, how };
	} catch (error) {
		throw asRestoreError(error, target);
	}
}
