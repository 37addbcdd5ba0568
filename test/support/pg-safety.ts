import { readdir, readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { expect } from 'vitest';

// Helpers for the database-safety tests: what a test must be able to prove is
// that a secret never reached a process's arguments, that an error is one line,
// and that a failed backup left nothing behind.

/** Command lines of every process on the machine that mention `needle`. */
export async function processesMentioning(needle: string): Promise<string[]> {
	const found: string[] = [];
	for (const pid of await readdir('/proc')) {
		if (!/^\d+$/.test(pid)) continue;
		const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
		if (cmdline.includes(needle)) found.push(cmdline.split('\0').join(' '));
	}
	return found;
}

export async function filesIn(dir: string): Promise<string[]> {
	return (await readdir(dir).catch(() => [] as string[])).filter((name) => !name.startsWith('.')).sort();
}

/** A rejection that is one line, of the expected kind, and never shows the secret. */
export async function expectDatabaseFault(promise: Promise<unknown>, kind: string, pattern: RegExp, secret: string): Promise<Error> {
	let error: unknown;
	try {
		await promise;
	} catch (caught) {
		error = caught;
	}
	expect(error, 'expected a rejection').toBeInstanceOf(Error);
	const { message } = error as Error;
	expect((error as { kind?: string }).kind, message).toBe(kind);
	expect(message).toMatch(pattern);
	expect(message.split('\n')).toHaveLength(1);
	expect(message).not.toContain(secret);
	expect(message).not.toContain(encodeURIComponent(secret));
	return error as Error;
}

/** Run the world's psql as its superuser (the password through the environment). */
export async function superPsql(w: { pgBin: string; pgHost: string; pgPort: number; pgSuperuser: string; pgSuperuserPassword: string }, database: string, sql: string): Promise<string> {
	const { stdout } = await execa(`${w.pgBin}/psql`, ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-h', w.pgHost, '-p', String(w.pgPort), '-U', w.pgSuperuser, '-d', database, '-c', sql], {
		env: { PGPASSWORD: w.pgSuperuserPassword },
	});
	return stdout.trim();
}
