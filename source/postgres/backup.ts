import { createHash } from 'node:crypto';
import { stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { dockerFor } from '../docker/engine.js';
import { connectionKindOfText, connectionMessage, keyLine } from './connection-errors.js';
import type { DatabaseTarget } from './database-target.js';
import { createPrivateFile, ensureBackupDir, pathExists, removeQuietly, sha256File, sha256Line, writePrivateFile } from './backup-files.js';
import { listedTables, listsTable, parseListing } from './dump-listing.js';
import { BackupError, DatabaseError, errorText } from './errors.js';
import { findPgDump, type PgTools } from './pg-tools.js';
import { openSnapshotSession, type SnapshotSession } from './snapshot-session.js';
import { SqlError, type TableRows } from './sql.js';
import { containerRunner, hostRunner, type ToolRunner } from './tool-runner.js';

export { checkBackupSpace } from './backup-files.js';

// The backup is the only way back from a migration, so it is not a backup
// until it is proven: complete (pg_dump exited 0), non-empty, readable
// (pg_restore --list lists every table the server has), and checksummed. Any
// failure leaves no file behind, so a partial dump can never be mistaken for
// one.

export interface BackupResult {
	path: string;
	sizeBytes: number;
	sha256: string;
	/** <path>.sha256, in sha256sum format. */
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
	/** "<container>-<from>-to-<to>-<timestamp>"; files are <stem>.dump, <stem>.dump.sha256, <stem>.inspect.json. */
	fileStem: string;
	/** Saved beside the dump as <stem>.inspect.json (0600); redacted by the caller. */
	containerInspect?: unknown;
	/** Bytes written and time since the dump started; at most every 200 ms. */
	onProgress?: (bytes: number, elapsedMs: number) => void;
	docker?: Docker;
	signal?: AbortSignal;
	/** How host tools are found for a server major (default findPgDump). */
	findTools?: (serverMajor: number) => Promise<PgTools | undefined>;
}

const PROGRESS_INTERVAL_MS = 200;

/** Writes the dump to its file, hashing and counting as it goes. */
export class HashingFileSink extends Writable {
	readonly hash = createHash('sha256');
	bytes = 0;
	private lastProgress: number;

	constructor(
		private readonly handle: FileHandle,
		private readonly startedAt: number,
		private readonly onProgress?: (bytes: number, elapsedMs: number) => void,
	) {
		super({ highWaterMark: 1024 * 1024 });
		this.lastProgress = startedAt;
	}

	override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
		this.writeAll(chunk).then(() => done(), done);
	}

	private async writeAll(chunk: Buffer): Promise<void> {
		let offset = 0;
		while (offset < chunk.length) {
			const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset);
			offset += bytesWritten;
		}
		this.hash.update(chunk);
		this.bytes += chunk.length;
		const now = Date.now();
		if (this.onProgress && now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
			this.lastProgress = now;
			this.onProgress(this.bytes, now - this.startedAt);
		}
	}

	override _final(done: (error?: Error | null) => void): void {
		// On disk before we call it a backup.
		this.handle.sync().then(() => done(), done);
	}
}

function checkStem(stem: string): void {
	if (!stem || stem.startsWith('.') || /[/\\\0]/.test(stem)) {
		throw new BackupError('not-writable', `invalid backup file name "${stem}"`);
	}
}

function toolFailure(target: DatabaseTarget, runner: ToolRunner, tool: string, exitCode: number, stderr: string): BackupError {
	if (exitCode === 126 || exitCode === 127 || /executable file not found/i.test(stderr)) {
		return new BackupError('no-pg-dump', `no ${tool} in ${runner.where}`);
	}
	const kind = connectionKindOfText(stderr);
	if (kind) return new BackupError(kind, connectionMessage(kind, target, keyLine(stderr)), [target.password]);
	return new BackupError('dump-failed', `${tool} failed for ${target.display}: ${keyLine(stderr) || `exit code ${exitCode}`}`, [target.password]);
}

/** What libpq tools print when the server went away after they connected (shut down, killed, connection cut). */
const LOST_SERVER = /terminating connection|server closed the connection unexpectedly|connection to server was lost|could not receive data from server|PQgetCopyData\(\) failed|SSL SYSCALL error|SSL connection has been closed unexpectedly|the database system is shutting down|no connection to the server/i;

/** The server's own words when it gave any (FATAL/ERROR), else the line that says the connection broke. */
export function lostServerDetail(stderr: string): string {
	const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
	const server = lines.find((line) => /\b(FATAL|PANIC|ERROR):/.test(line));
	if (server) return server.replace(/^.*?\b(?=(FATAL|PANIC|ERROR):)/, '').replace(/\s+/g, ' ');
	const broke = lines.find((line) => LOST_SERVER.test(line) && !/PQgetCopyData/.test(line));
	return broke ? broke.replace(/^(pg_dump|pg_restore|psql):\s*((error|detail):\s*)?/, '').replace(/^Error message from server:\s*/i, '') : keyLine(stderr);
}

/**
 * pg_dump did not finish. When the database went away in the middle (its
 * container stopped, the server shut down or was killed), say that, rather
 * than a bare exit code: it is the database, not the backup, that needs
 * looking at.
 */
async function dumpFailure(target: DatabaseTarget, runner: ToolRunner, docker: Docker | undefined, exitCode: number, stderr: string): Promise<BackupError> {
	const lost = LOST_SERVER.test(stderr);
	if (target.container) {
		const engine = docker ?? dockerFor();
		const inspectState = () => engine.getContainer(target.container!).inspect().then((info) => info.State, () => undefined);
		let state = await inspectState();
		// A tool killed with its container (or cut off by a shutting-down server) ends a
		// moment before the engine marks the container stopped: wait for that, bounded.
		const killed = lost || exitCode < 0 || exitCode >= 128;
		for (let attempt = 0; killed && state?.Running && attempt < 30; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			state = await inspectState();
		}
		if (!state) return new BackupError('unreachable', `the database container ${target.container} disappeared during the dump`);
		if (!state.Running) {
			const how = state.OOMKilled ? 'killed for lack of memory' : `${state.Status || 'not running'}, exit code ${state.ExitCode}`;
			return new BackupError('unreachable', `the database container ${target.container} stopped during the dump (${how})`);
		}
	}
	if (lost) {
		return new BackupError('unreachable', `lost the database server of ${target.display} during the dump (${lostServerDetail(stderr)})`, [target.password]);
	}
	return toolFailure(target, runner, 'pg_dump', exitCode, stderr);
}

async function runnerForBackup(target: DatabaseTarget, session: SnapshotSession, opts: BackupOptions): Promise<ToolRunner> {
	if (target.kind === 'container') return containerRunner(target, opts.docker);
	const tools = await (opts.findTools ?? findPgDump)(session.info.major);
	if (!tools) {
		throw new BackupError(
			'no-pg-dump',
			`no pg_dump for PostgreSQL ${session.info.major} or newer on this host (looked in /usr/lib/postgresql/*/bin and PATH); install postgresql-client-${session.info.major}`,
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

export async function backupDatabase(opts: BackupOptions): Promise<BackupResult> {
	const { target, dir, fileStem, signal } = opts;
	const startedAt = Date.now();
	const path = join(dir, `${fileStem}.dump`);
	const sha256Path = `${path}.sha256`;
	const inspectPath = join(dir, `${fileStem}.inspect.json`);
	const created: string[] = [];
	let session: SnapshotSession | undefined;
	/** pg_dump finished: a later failure is of a whole dump, not a partial one. */
	let dumped = false;
	const aborted = () => new BackupError('dump-failed', `backup of ${target.display} aborted; no partial dump was kept`);
	try {
		checkStem(fileStem);
		if (signal?.aborted) throw aborted();
		await ensureBackupDir(dir);
		session = await openSnapshotSession(target, opts.docker);
		const { info } = session;
		const runner = await runnerForBackup(target, session, opts);

		const handle = await createPrivateFile(path);
		created.push(path);
		const sink = new HashingFileSink(handle, Date.now(), opts.onProgress);
		let dump;
		try {
			dump = await runner.run('pg_dump', ['--format=custom', '--no-password', `--snapshot=${session.snapshot}`], { stdout: sink, signal });
		} finally {
			await handle.close().catch(() => undefined);
			await session.close();
			session = undefined;
		}
		if (dump.aborted || signal?.aborted) throw aborted();
		if (dump.error) {
			const code = (dump.error as NodeJS.ErrnoException).code;
			if (code === 'ENOSPC' || code === 'EDQUOT') throw new BackupError('disk', `the backup dir ${dir} ran out of space during the dump`);
			throw new BackupError('dump-failed', `cannot write the dump to ${path}: ${errorText(dump.error)}`);
		}
		if (dump.exitCode !== 0) throw await dumpFailure(target, runner, opts.docker, dump.exitCode, dump.stderr);
		dumped = true;

		const sizeBytes = (await stat(path)).size;
		if (sizeBytes === 0 || sizeBytes !== sink.bytes) {
			throw new BackupError('verify-failed', `the dump ${path} is ${sizeBytes === 0 ? 'empty' : 'not the size pg_dump wrote'}`);
		}
		const sha256 = sink.hash.digest('hex');
		if ((await sha256File(path)) !== sha256) {
			throw new BackupError('verify-failed', `the dump ${path} on disk does not match what pg_dump wrote`);
		}
		const listed = await verifyDump(target, runner, path, info.tables, signal);

		created.push(sha256Path);
		await writePrivateFile(sha256Path, sha256Line(sha256, basename(path)));
		if (opts.containerInspect !== undefined) {
			created.push(inspectPath);
			await writePrivateFile(inspectPath, `${JSON.stringify(opts.containerInspect, null, '\t')}\n`);
		}
		if (signal?.aborted) throw aborted();
		return {
			path,
			sizeBytes,
			sha256,
			sha256Path,
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
			// Say what became of the file, so nobody goes looking for a backup that is not one.
			if (!created.includes(path) || /no partial dump was kept/.test(error.message)) throw error;
			const left = await pathExists(path);
			const fate = left ? `the ${dumped ? 'unverified' : 'partial'} dump ${path} could not be removed: delete it, it is not a backup` : dumped ? 'the unverified dump was removed' : 'no partial dump was kept';
			throw new BackupError(error.kind, `${error.message}; ${fate}`);
		}
		if (signal?.aborted) throw aborted();
		if (error instanceof SqlError) throw new BackupError('dump-failed', `cannot read ${target.display}: ${error.message}`, [target.password]);
		if (error instanceof DatabaseError) throw new BackupError(error.kind, error.message);
		throw new BackupError('dump-failed', `backup of ${target.display} failed: ${errorText(error)}`, [target.password]);
	}
}
