import { constants } from 'node:fs';
import { access, readdir, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';
import { execa } from 'execa';

// pg_dump refuses servers newer than itself, and a dump made by an older
// pg_dump may miss newer server features, so the host's tools are chosen by
// major version: the newest installed major that is >= the server's.

export interface PgTools {
	pgDump: string;
	pgRestore: string;
	psql: string;
	major: number;
}

/** Where distributions install versioned client binaries side by side. */
const VERSIONED_ROOTS: Array<{ root: string; pattern: RegExp; bin: string }> = [
	{ root: '/usr/lib/postgresql', pattern: /^\d+(\.\d+)?$/, bin: 'bin' }, // Debian, Ubuntu
	{ root: '/usr', pattern: /^pgsql-\d+$/, bin: 'bin' }, // PGDG RPMs
	{ root: '/opt/homebrew/opt', pattern: /^postgresql@\d+$/, bin: 'bin' },
	{ root: '/usr/local/opt', pattern: /^postgresql@\d+$/, bin: 'bin' },
];

async function executable(path: string): Promise<boolean> {
	try {
		await access(path, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

async function candidateDirs(env: NodeJS.ProcessEnv): Promise<string[]> {
	const dirs: string[] = [];
	for (const { root, pattern, bin } of VERSIONED_ROOTS) {
		const entries = await readdir(root).catch(() => [] as string[]);
		for (const entry of entries) if (pattern.test(entry)) dirs.push(join(root, entry, bin));
	}
	for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
		const tool = join(dir, 'pg_dump');
		if (!(await executable(tool))) continue;
		// Debian's /usr/bin/pg_dump is pg_wrapper, which picks a version by
		// cluster configuration: the real binaries are found above.
		const real = await realpath(tool).catch(() => tool);
		if (basename(real) === 'pg_wrapper') continue;
		dirs.push(dirname(real));
	}
	return [...new Set(dirs)];
}

export function parseToolMajor(versionOutput: string): number | undefined {
	const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(versionOutput);
	if (!match) return undefined;
	const major = Number(match[1]);
	// Before 10 the major was two numbers (9.6); 9 sorts below every server we accept anyway.
	return major;
}

async function toolsIn(dir: string): Promise<PgTools | undefined> {
	const pgDump = join(dir, 'pg_dump');
	const pgRestore = join(dir, 'pg_restore');
	const psql = join(dir, 'psql');
	for (const tool of [pgDump, pgRestore, psql]) if (!(await executable(tool))) return undefined;
	const result = await execa(pgDump, ['--version'], { reject: false, timeout: 10_000 });
	const major = result.exitCode === 0 ? parseToolMajor(String(result.stdout)) : undefined;
	return major === undefined ? undefined : { pgDump, pgRestore, psql, major };
}

/** Every set of host tools, newest major first. */
export async function listPgTools(options: { dirs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<PgTools[]> {
	const dirs = options.dirs ?? (await candidateDirs(options.env ?? process.env));
	const found = (await Promise.all(dirs.map((dir) => toolsIn(dir)))).filter((tools): tools is PgTools => tools !== undefined);
	return found.sort((a, b) => b.major - a.major);
}

/** host binaries: /usr/lib/postgresql/x/bin (and the like) and PATH; the newest major >= the server's, else undefined. */
export async function findPgDump(serverMajor: number, options: { dirs?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<PgTools | undefined> {
	const tools = await listPgTools(options);
	return tools.find((candidate) => candidate.major >= serverMajor);
}
