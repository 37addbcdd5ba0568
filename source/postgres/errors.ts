// Errors of the database layer. The executor maps them to exit codes and shows
// `message` to the operator as one line, so every message is built here from the
// target's display form (never the password) and scrubbed once more on the way in.

export type DatabaseErrorKind =
	| 'bad-url'
	| 'unreachable'
	| 'auth'
	| 'no-database'
	| 'no-pg-dump'
	| 'disk'
	| 'not-writable'
	| 'dump-failed'
	| 'verify-failed'
	| 'restore-failed'
	| 'query-failed';

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s/]+)(@)/gi;
const KEYWORD_PASSWORD = /(password\s*=\s*)('[^']*'|\S+)/gi;

/** One line with URL and keyword passwords masked, and any known secret masked too. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
	let out = text.replace(/\s*\n\s*/g, ' ').trim();
	out = out.replace(URL_PASSWORD, '$1***$3').replace(KEYWORD_PASSWORD, '$1***');
	for (const secret of secrets) {
		if (!secret) continue;
		for (const form of new Set([secret, encodeURIComponent(secret)])) {
			if (out.includes(form)) out = out.split(form).join('***');
		}
	}
	return out;
}

export class DatabaseError extends Error {
	constructor(
		readonly kind: DatabaseErrorKind,
		message: string,
		secrets: ReadonlyArray<string | undefined> = [],
	) {
		super(scrub(message, secrets));
		this.name = 'DatabaseError';
	}
}

export class BackupError extends DatabaseError {
	constructor(kind: DatabaseErrorKind, message: string, secrets: ReadonlyArray<string | undefined> = []) {
		super(kind, message, secrets);
		this.name = 'BackupError';
	}
}

export class RestoreError extends DatabaseError {
	constructor(kind: DatabaseErrorKind, message: string, secrets: ReadonlyArray<string | undefined> = []) {
		super(kind, message, secrets);
		this.name = 'RestoreError';
	}
}

export function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
