import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { formatBytes, formatDuration } from '../../text/format.js';
import type { DatabaseInfo } from './inventory.js';
import { failureLine, ident, runSql, tool, type Conn } from './server-sql.js';

// Moving the data from the old server to the temporary server of the new
// major, with the new major's tools, run inside the temporary server: roles
// and other globals first (pg_dumpall --globals-only), then each database as a
// directory-format dump written with parallel jobs into the temporary
// container's own scratch directory and restored with parallel jobs (tables,
// then indexes and constraints, N at a time), then ANALYZE: a restored
// cluster has no planner statistics.

export class MoveError extends Error {}

export interface MoveProgress {
	database: string;
	doneBytes: number;
	totalBytes: number;
}

export interface MoveInput {
	docker: Docker;
	/** The temporary server's container: the tools run there. */
	temp: string;
	old: Conn;
	/** The temporary server, over its local socket. */
	fresh: Conn;
	databases: DatabaseInfo[];
	/** Databases the temporary server's first start created (POSTGRES_DB): empty, dropped before their own is restored. */
	created: string[];
	jobs: number;
	signal?: AbortSignal;
	onProgress(progress: MoveProgress): void;
	onLine(line: string): void;
}

/** psql of the globals script: only the bootstrap superuser's CREATE ROLE may fail (initdb made it). */
export function unexpectedGlobalsErrors(stderr: string, superuser: string): string[] {
	return stderr
		.split('\n')
		.filter((line) => /\bERROR:/.test(line))
		.filter((line) => !line.includes(`role "${superuser}" already exists`));
}

export async function moveGlobals(input: Pick<MoveInput, 'docker' | 'temp' | 'old' | 'fresh'>): Promise<void> {
	const { docker, temp, old, fresh } = input;
	const dumped = await tool(docker, temp, { ...old, database: 'postgres' }, ['pg_dumpall', '--globals-only', '--no-password']);
	if (dumped.exitCode !== 0) throw new MoveError(`pg_dumpall --globals-only of the old server failed: ${failureLine(dumped, old)}`);
	const applied = await tool(docker, temp, { ...fresh, database: 'postgres' }, ['psql', '-X', '-q', '-v', 'VERBOSITY=default', '-f', '-'], { stdin: Readable.from([dumped.stdout]) });
	const errors = unexpectedGlobalsErrors(applied.stderr, fresh.user);
	if (applied.exitCode !== 0 || errors.length > 0) {
		throw new MoveError(`restoring the roles on the new server failed: ${errors[0]?.replace(/^.*?ERROR:\s*/, '') ?? failureLine(applied, fresh)}`);
	}
}

/** Milliseconds of each phase of one database's move, for the log line. */
interface Phases {
	dump: number;
	restore: number;
	analyze: number;
}

async function moveDatabase(input: MoveInput, db: DatabaseInfo, index: number): Promise<Phases> {
	const { docker, temp, old, fresh, jobs, signal } = input;
	const scratch = `/tmp/upgrade-wizard-move-${index}`;
	const create = db.name !== 'postgres';
	if (create && input.created.includes(db.name)) await runSql(docker, temp, { ...fresh, database: 'postgres' }, `DROP DATABASE ${ident(db.name)};\n`);
	const phases: Phases = { dump: 0, restore: 0, analyze: 0 };
	let t0 = Date.now();
	try {
		const dump = await tool(docker, temp, { ...old, database: db.name }, ['pg_dump', '--format=directory', `--jobs=${jobs}`, '--compress=0', '--no-password', `--file=${scratch}`], { signal });
		if (dump.exitCode !== 0) throw new MoveError(`pg_dump of ${db.name} from the old server failed: ${failureLine(dump, old)}`);
		phases.dump = Date.now() - t0;
		t0 = Date.now();
		// -C creates the database as the old server had it (owner, encoding, locale, settings).
		const target = create ? 'postgres' : db.name;
		const restore = await tool(
			docker,
			temp,
			{ ...fresh, database: target },
			['pg_restore', `--jobs=${jobs}`, '--exit-on-error', '--no-password', ...(create ? ['--create'] : []), `--dbname=${target}`, scratch],
			{ signal },
		);
		if (restore.exitCode !== 0) throw new MoveError(`pg_restore of ${db.name} into the new server failed: ${failureLine(restore, fresh)}`);
		phases.restore = Date.now() - t0;
	} finally {
		await tool(docker, temp, fresh, ['rm', '-rf', scratch]).catch(() => undefined);
	}
	t0 = Date.now();
	await runSql(docker, temp, { ...fresh, database: db.name }, 'ANALYZE;\n');
	phases.analyze = Date.now() - t0;
	return phases;
}

/** Every database, one after the other, each with `jobs` parallel workers; progress in bytes of the old server's databases. */
export async function moveDatabases(input: MoveInput): Promise<string> {
	const started = Date.now();
	const totalBytes = input.databases.reduce((sum, db) => sum + db.sizeBytes, 0);
	let doneBytes = 0;
	for (const [index, db] of input.databases.entries()) {
		if (input.signal?.aborted) throw new MoveError('the data move was aborted');
		input.onProgress({ database: db.name, doneBytes, totalBytes });
		const one = Date.now();
		const phases = await moveDatabase(input, db, index);
		doneBytes += db.sizeBytes;
		input.onLine(`moved ${db.name} (${formatBytes(db.sizeBytes)}) in ${formatDuration(Date.now() - one)}: dump ${formatDuration(phases.dump)}, restore ${formatDuration(phases.restore)}, ANALYZE ${formatDuration(phases.analyze)}`);
		input.onProgress({ database: db.name, doneBytes, totalBytes });
	}
	return `${input.databases.length} database${input.databases.length === 1 ? '' : 's'}, ${formatBytes(totalBytes)}, ${input.jobs} parallel job${input.jobs === 1 ? '' : 's'}, in ${formatDuration(Date.now() - started)}`;
}
