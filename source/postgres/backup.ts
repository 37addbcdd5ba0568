import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type Docker from 'dockerode';
import { keyLine } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { createPrivateFile, ensureBackupDir, pathExists, removeQuietly, sha256File, sha256Line, writePrivateFile } from './backup-files.js';
import { listedTables, listsTable, parseListing } from './dump-listing.js';
import { BackupError, DatabaseError, errorText } from './errors.js';
import { findPgDump, type PgTools } from './pg-tools.js';
import { runDirectoryDump, sealDirectoryDump } from './directory-dump.js';
import type { BackupFormat } from './dump-format.js';
import { openSnapshotSession, type SnapshotSession } from './snapshot-session.js';
import { SqlError, type TableRows } from './sql.js';
import { containerRunner, hostRunner, type ToolRunner } from './tool-runner.js';

export { checkBackupSpace } from './backup-files.js';
export { HashingFileSink } from './hashing-sink.js';
export { lostServerDetail } from './dump-failure.js';
import { dumpFailure } from './dump-failure.js';
import { HashingFileSink } from './hashing-sink.js';

// The backup is the only way back from a migration, so it is not a backup
// until it is proven: complete (pg_dump exited 0), non-empty, readable
// (pg_restore --list lists every table the server has), and checksummed. Any
// failure leaves no file behind, so a partial dump can never be mistaken for
// one.

export interface BackupResult {
	/** The dump file (custom) or directory (directory format). */
	path: string;
	format: BackupFormat;
	/** pg_dump workers (1 for the custom format). */
	jobs: number;
	/** Directory format: how many files the manifest lists. */
	files?: number;
	sizeBytes: number;
	/** Custom: of the file. Directory: of the manifest (one sha256 per file). */
	sha256: string;
	/** <path>.sha256, in sha256sum format (the manifest, for a directory). */
	sha256Path: string;
	serverVersion: string;
	/** Exact row counts, taken in the very snapshot pg_dump dumped. */
	tables: TableRows[];
	inspectPath?: string;
	/** "schema.name" of every table the dump defines. */
	listedTables: string[];
	/** Where pg_dump ran: host tools or a container. */
	dumpedBy: string;
	durationMs: number;
}

export interface BackupOptions {
	target: DatabaseTarget;
	dir: string;
	/** "<container>-<from>-to-<to>-<timestamp>"; files are <stem>.dump (or the directory <stem>.dir), its .sha256, <stem>.inspect.json. */
	fileStem: string;
	/** Default custom; directory needs host tools (directory-dump.ts). */
	format?: BackupFormat;
	/** pg_dump -j for the directory format. */
	jobs?: number;
	/** Saved beside the dump as <stem>.inspect.json (0600); redacted by the caller. */
	containerInspect?: unknown;
	/** Bytes written and time since the dump started; at most every 200 ms. */
	onProgress?: (bytes: number, elapsedMs: number) => void;
	docker?: Docker;
	signal?: AbortSignal;
	/** How host tools are found for a server major (default findPgDump). */
	findTools?: (serverMajor: number) => Promise<PgTools | undefined>;
}

function checkStem(stem: string): void {
	if (!stem || stem.startsWith('.') || /[/\\\0]/.test(stem)) {
		throw new BackupError('not-writable', `invalid backup file name "${stem}"`);
	}
}

async function runnerForBackup(target: DatabaseTarget, session: SnapshotSession, opts: BackupOptions): Promise<ToolRunner> {
	if (target.kind === 'container') return containerRunner(target, opts.docker);
	const tools = await (opts.findTools ?? findPgDump)(session.major);
	if (!tools) {
		throw new BackupError(
			'no-pg-dump',
			`no pg_dump for PostgreSQL ${session.major} or newer on this host (looked in /usr/lib/postgresql/*/bin and PATH); install postgresql-client-${session.major}`,
		);
	}
	return hostRunner(target, tools);
}

/** Check the archive: pg_restore can read it and it defines every table the server had. */
async function verifyDump(target: DatabaseTarget, runner: ToolRunner, path: string, tables: TableRows[], signal?: AbortSignal): Promise<string[]> {
	const listing = await runner.run('pg_restore', ['--list'], { archive: path, signal });
	if (listing.aborted) throw new BackupError('dump-failed', 'backup aborted');
	if (listing.exitCode !== 0) {
		throw new BackupError('verify-failed', `the dump cannot be read back (pg_restore --list: ${keyLine(listing.stderr) || `exit code ${listing.exitCode}`})`, [target.password]);
	}
	const entries = parseListing(listing.stdout);
	const missing = tables.filter((t) => !listsTable(entries, t.schema, t.name)).map((t) => `${t.schema}.${t.name}`);
	if (missing.length > 0) {
		throw new BackupError('verify-failed', `the dump does not list table${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
	}
	return listedTables(entries);
}

interface Dumped {
	path: string;
	sizeBytes: number;
	sha256: string;
	sha256Path: string;
	files?: number;
}

/** pg_dump -Fc streamed through the checksum into one file. */
async function customDump(opts: BackupOptions, runner: ToolRunner, session: SnapshotSession, path: string, created: string[], onDumped: () => void): Promise<Dumped> {
	const handle = await createPrivateFile(path);
	created.push(path);
	const sink = new HashingFileSink(handle, Date.now(), opts.onProgress);
	let dump;
	try {
		dump = await runner.run('pg_dump', ['--format=custom', '--no-password', `--snapshot=${session.snapshot}`], { stdout: sink, signal: opts.signal });
	} finally {
		await handle.close().catch(() => undefined);
		await session.close();
	}
	if (dump.aborted || opts.signal?.aborted) throw abortedError(opts.target);
	if (dump.error) {
		const code = (dump.error as NodeJS.ErrnoException).code;
		if (code === 'ENOSPC' || code === 'EDQUOT') throw new BackupError('disk', `the backup dir ${opts.dir} ran out of space during the dump`);
		throw new BackupError('dump-failed', `cannot write the dump to ${path}: ${errorText(dump.error)}`);
	}
	if (dump.exitCode !== 0) throw await dumpFailure(opts.target, runner, opts.docker, dump.exitCode, dump.stderr);
	onDumped();
	const sizeBytes = (await stat(path)).size;
	if (sizeBytes === 0 || sizeBytes !== sink.bytes) {
		throw new BackupError('verify-failed', `the dump ${path} is ${sizeBytes === 0 ? 'empty' : 'not the size pg_dump wrote'}`);
	}
	const sha256 = sink.hash.digest('hex');
	if ((await sha256File(path)) !== sha256) {
		throw new BackupError('verify-failed', `the dump ${path} on disk does not match what pg_dump wrote`);
	}
	const sha256Path = `${path}.sha256`;
	created.push(sha256Path);
	await writePrivateFile(sha256Path, sha256Line(sha256, basename(path)));
	return { path, sizeBytes, sha256, sha256Path };
}

/** pg_dump -Fd -j N into a new directory, then every file hashed into the manifest. */
async function directoryDump(opts: BackupOptions, runner: ToolRunner, session: SnapshotSession, path: string, created: string[], onDumped: () => void): Promise<Dumped> {
	if (opts.target.kind !== 'host') throw new BackupError('dump-failed', 'a directory-format backup needs pg_dump on the host');
	created.push(path, `${path}.sha256`);
	let dump;
	try {
		dump = await runDirectoryDump({ runner, path, snapshot: session.snapshot, jobs: Math.max(1, opts.jobs ?? 1), signal: opts.signal, onProgress: opts.onProgress });
	} finally {
		await session.close();
	}
	if (dump.aborted || opts.signal?.aborted) throw abortedError(opts.target);
	if (dump.exitCode !== 0 && /No space left on device|Disk quota exceeded/i.test(dump.stderr)) {
		throw new BackupError('disk', `the backup dir ${opts.dir} ran out of space during the dump`);
	}
	if (dump.exitCode !== 0) throw await dumpFailure(opts.target, runner, opts.docker, dump.exitCode, dump.stderr);
	onDumped();
	const sealed = await sealDirectoryDump(path);
	if (sealed.sizeBytes === 0) throw new BackupError('verify-failed', `the dump ${path} is empty`);
	return { path, sizeBytes: sealed.sizeBytes, sha256: sealed.sha256, sha256Path: sealed.manifestPath, files: sealed.files };
}

function abortedError(target: DatabaseTarget): BackupError {
	return new BackupError('dump-failed', `backup of ${target.display} aborted; no partial dump was kept`);
}

export async function backupDatabase(opts: BackupOptions): Promise<BackupResult> {
	const { target, dir, fileStem, signal } = opts;
	const startedAt = Date.now();
	const format = opts.format ?? 'custom';
	const path = join(dir, format === 'directory' ? `${fileStem}.dir` : `${fileStem}.dump`);
	const inspectPath = join(dir, `${fileStem}.inspect.json`);
	const created: string[] = [];
	let session: SnapshotSession | undefined;
	/** pg_dump finished: a later failure is of a whole dump, not a partial one. */
	let dumped = false;
	try {
		checkStem(fileStem);
		if (signal?.aborted) throw abortedError(target);
		await ensureBackupDir(dir);
		session = await openSnapshotSession(target, opts.docker);
		const counting = session.info;
		const runner = await runnerForBackup(target, session, opts);
		const dump = format === 'directory' ? directoryDump : customDump;
		const result = await dump(opts, runner, session, path, created, () => (dumped = true));
		session = undefined;
		const info = await counting;
		const listed = await verifyDump(target, runner, path, info.tables, signal);
		if (opts.containerInspect !== undefined) {
			created.push(inspectPath);
			await writePrivateFile(inspectPath, `${JSON.stringify(opts.containerInspect, null, '\t')}\n`);
		}
		if (signal?.aborted) throw abortedError(target);
		return {
			...result,
			format,
			jobs: format === 'directory' ? Math.max(1, opts.jobs ?? 1) : 1,
			serverVersion: info.serverVersion,
			tables: info.tables,
			...(opts.containerInspect !== undefined ? { inspectPath } : {}),
			listedTables: listed,
			dumpedBy: runner.where,
			durationMs: Date.now() - startedAt,
		};
	} catch (error) {
		await session?.close();
		await removeQuietly(created);
		if (error instanceof BackupError) {
			// Say what became of the dump, so nobody goes looking for a backup that is not one.
			if (!created.includes(path) || /no partial dump was kept/.test(error.message)) throw error;
			const left = await pathExists(path);
			const fate = left ? `the ${dumped ? 'unverified' : 'partial'} dump ${path} could not be removed: delete it, it is not a backup` : dumped ? 'the unverified dump was removed' : 'no partial dump was kept';
			throw new BackupError(error.kind, `${error.message}; ${fate}`);
		}
		if (signal?.aborted) throw abortedError(target);
		if (error instanceof SqlError) throw new BackupError('dump-failed', `cannot read ${target.display}: ${error.message}`, [target.password]);
		if (error instanceof DatabaseError) throw new BackupError(error.kind, error.message);
		throw new BackupError('dump-failed', `backup of ${target.display} failed: ${errorText(error)}`, [target.password]);
	}
}
