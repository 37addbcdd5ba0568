import { createReadStream } from 'node:fs';
import { PassThrough, Readable, Transform } from 'node:stream';
import type Docker from 'dockerode';
import { keyLine } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { sha256File } from './backup-files.js';
import { listedSchemas, parseListing } from './dump-listing.js';
import { DatabaseError, RestoreError, errorText } from './errors.js';
import { findPgDump, type PgTools } from './pg-tools.js';
import { majorOf, serverInfo } from './server-info.js';
import { PSQL_ARGS, psqlFailure, queryJson, SqlError, type TableRows } from './sql.js';
import { containerRunner, hostRunner, type ToolRunner } from './tool-runner.js';

// Rollback's way back from a migration: the database becomes exactly what the
// backup holds, or stays exactly as it was. pg_restore --clean only drops
// objects the dump knows, so tables a half-applied migration created would
// survive it; instead pg_restore writes its --clean script and psql runs it
// inside one transaction after a prelude that drops every user relation (and
// schemas created since). COMMIT is sent only when pg_restore read the whole
// archive, so any failure leaves the database untouched. Then exact row
// counts are compared with those recorded at backup time.

export interface RestoreOptions {
	target: DatabaseTarget;
	backup: { path: string; sha256: string; tables: TableRows[] };
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
	verified: Array<{ schema: string; name: string; expected: number; actual: number }>;
}

const PROGRESS_INTERVAL_MS = 200;

function sqlLiteral(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

/** Drops every user relation, and the schemas the dump does not create, inside the restore's transaction. */
export function restorePrelude(dumpSchemas: string[], lockTimeoutMs: number): string {
	const keep = ['public', ...dumpSchemas].map(sqlLiteral).join(', ');
	return `SET client_min_messages = warning;
BEGIN;
SET LOCAL lock_timeout = '${Math.max(1, Math.round(lockTimeoutMs))}ms';
DO $uw_restore$
DECLARE r record;
BEGIN
	FOR r IN
		SELECT n.nspname, c.relname, c.relkind
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
			AND n.nspname NOT IN ('pg_catalog', 'information_schema')
			AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
		-- tables first: their serial and identity sequences go with them
		ORDER BY CASE WHEN c.relkind IN ('r', 'p', 'f') THEN 0 WHEN c.relkind IN ('v', 'm') THEN 1 ELSE 2 END
	LOOP
		EXECUTE format('DROP %s IF EXISTS %I.%I CASCADE',
			CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
			r.nspname, r.relname);
	END LOOP;
	FOR r IN
		SELECT n.nspname FROM pg_namespace n
		WHERE n.nspname <> ALL (ARRAY[${keep}]::text[])
			AND n.nspname NOT IN ('pg_catalog', 'information_schema')
			AND n.nspname !~ '^pg_'
			AND pg_has_role(n.nspowner, 'MEMBER')
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', r.nspname);
	END LOOP;
END
$uw_restore$;
`;
}

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

async function runnerForRestore(target: DatabaseTarget, context: RestoreContext, opts: RestoreOptions): Promise<ToolRunner> {
	if (target.kind === 'container') return containerRunner(target, opts.docker);
	const tools = await (opts.findTools ?? findPgDump)(context.major);
	if (!tools) {
		throw new RestoreError('no-pg-dump', `no pg_restore for PostgreSQL ${context.major} or newer on this host (looked in /usr/lib/postgresql/*/bin and PATH)`);
	}
	return hostRunner(target, tools);
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
	const restoring = runner.run('pg_restore', restoreArgs, {
		createStdin: () => createReadStream(opts.backup.path).pipe(new ProgressMeter(startedAt, opts.onProgress)),
		stdout: script,
		signal: stopRestore.signal,
	});
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

function compareTables(expected: TableRows[], actual: TableRows[]): { verified: RestoreResult['verified']; problems: string[] } {
	const key = (t: { schema: string; name: string }) => JSON.stringify([t.schema, t.name]);
	const now = new Map(actual.map((t) => [key(t), t.rows]));
	const wanted = new Set(expected.map(key));
	const problems: string[] = [];
	const verified = expected.map((t) => {
		const rows = now.get(key(t));
		if (rows === undefined) problems.push(`${t.schema}.${t.name} is missing`);
		else if (rows !== t.rows) problems.push(`${t.schema}.${t.name} has ${rows} rows, the backup ${t.rows}`);
		return { schema: t.schema, name: t.name, expected: t.rows, actual: rows ?? -1 };
	});
	for (const t of actual) if (!wanted.has(key(t))) problems.push(`${t.schema}.${t.name} is not in the backup`);
	return { verified, problems };
}

export async function restoreDatabase(opts: RestoreOptions): Promise<RestoreResult> {
	const { target, backup } = opts;
	const startedAt = Date.now();
	try {
		const actualSha = await sha256File(backup.path).catch((error: NodeJS.ErrnoException) => {
			throw new RestoreError('verify-failed', `cannot read the backup ${backup.path} (${error.code ?? errorText(error)})`);
		});
		if (actualSha !== backup.sha256) {
			throw new RestoreError('verify-failed', `the backup ${backup.path} does not match its checksum; not restoring it`);
		}
		const context = await queryJson<{ num: number; super: boolean }>(
			target,
			`SELECT jsonb_build_object('num', current_setting('server_version_num')::int, 'super', (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))`,
			opts.docker,
		);
		const restoreContext: RestoreContext = { major: majorOf(context!.num), superuser: Boolean(context!.super) };
		const runner = await runnerForRestore(target, restoreContext, opts);

		const listing = await runner.run('pg_restore', ['--list'], { archive: backup.path });
		if (listing.exitCode !== 0) {
			throw new RestoreError('verify-failed', `pg_restore cannot read ${backup.path} (${keyLine(listing.stderr) || `exit code ${listing.exitCode}`})`);
		}
		await runRestore(target, runner, opts, restoreContext, listedSchemas(parseListing(listing.stdout)), startedAt);

		const after = await serverInfo(target, opts.docker);
		const { verified, problems } = compareTables(backup.tables, after.tables);
		if (problems.length > 0) {
			const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
			throw new RestoreError('verify-failed', `the restored database does not match the backup: ${shown}`);
		}
		return { durationMs: Date.now() - startedAt, verified };
	} catch (error) {
		throw asRestoreError(error, target);
	}
}
