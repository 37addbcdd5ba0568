// Errors of the database layer. The executor maps them to exit codes and shows
// `message` to the operator as one line, so every message is built here from the
// target's display form (never the password) and scrubbed once more on the way in.

import { maskSecrets, maskUrlPasswords } from '../text/redact.js';

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

/** One line with URL and keyword passwords masked, and any known secret masked too. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
	return maskSecrets(maskUrlPasswords(text.replace(/\s*\n\s*/g, ' ').trim()), secrets);
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
