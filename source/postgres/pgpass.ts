import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

// ~/.pgpass (or PGPASSFILE), read with libpq's rules so a password the operator
// already keeps there works for the wizard too: first matching line wins, `*`
// matches anything, `\:` and `\\` escape, and a file readable by group or
// others is ignored (libpq refuses it as well, for the same reason).

export interface PgpassQuery {
	host: string;
	port: number;
	database: string;
	user: string;
}

/** The fields of one pgpass line, unescaped; undefined for comments and short lines. */
export function parsePgpassLine(line: string): string[] | undefined {
	if (line.trim() === '' || line.startsWith('#')) return undefined;
	const fields: string[] = [];
	let current = '';
	for (let i = 0; i < line.length; i++) {
		const ch = line[i]!;
		if (ch === '\\' && i + 1 < line.length) {
			current += line[++i];
		} else if (ch === ':' && fields.length < 4) {
			fields.push(current);
			current = '';
		} else {
			current += ch;
		}
	}
	fields.push(current);
	return fields.length === 5 ? fields : undefined;
}

export function pgpassPath(env: NodeJS.ProcessEnv): string {
	return env.PGPASSFILE && env.PGPASSFILE.length > 0 ? env.PGPASSFILE : join(env.HOME || homedir(), '.pgpass');
}

/**
 * Password for the first line matching any of `hosts` (libpq matches a socket
 * connection to the default directory as "localhost", so callers pass both).
 */
export async function pgpassPassword(
	env: NodeJS.ProcessEnv,
	query: Omit<PgpassQuery, 'host'> & { hosts: string[] },
): Promise<string | undefined> {
	const path = pgpassPath(env);
	let text: string;
	try {
		const info = await stat(path);
		if (!info.isFile() || (info.mode & 0o077) !== 0) return undefined;
		text = await readFile(path, 'utf8');
	} catch {
		return undefined;
	}
	const matches = (pattern: string, value: string) => pattern === '*' || pattern === value;
	for (const line of text.split(/\r?\n/)) {
		const fields = parsePgpassLine(line);
		if (!fields) continue;
		const [host, port, database, user, password] = fields as [string, string, string, string, string];
		if (
			query.hosts.some((candidate) => matches(host, candidate)) &&
			matches(port, String(query.port)) &&
			matches(database, query.database) &&
			matches(user, query.user)
		) {
			return password;
		}
	}
	return undefined;
}
