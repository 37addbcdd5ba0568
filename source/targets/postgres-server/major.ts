import { UsageError } from '../../core/errors.js';
import { envValue } from '../../profiles/database-location.js';

// A container that IS a PostgreSQL server (the official image and its
// derivatives say so with PG_MAJOR in their env) cannot change major by an
// image swap: the new server refuses the old data directory, or, worse, an
// entrypoint initialises a fresh cluster over an empty-looking mount. A newer
// major named with --to is the postgres-server unit kind's procedure (one hop:
// dump and restore go straight to the target); a path that would cross a
// major on its own, and any downgrade, are refused before anything is touched;
// a minor within the major is an ordinary swap.

/** PG_MAJOR from an env list ("15", "9.6"), as a comparable number. */
export function postgresMajorOf(env: readonly string[] | undefined): number | undefined {
	const value = envValue(env, 'PG_MAJOR')?.trim();
	return value && /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
}

/** The major a Postgres tag names: `15`, `15.4`, `15-alpine`, `9.6.24-bookworm`. */
export function majorOfTag(tag: string): number | undefined {
	const match = /^(\d+)(?:\.(\d+))?/.exec(tag);
	if (!match) return undefined;
	const major = Number(match[1]);
	// Before 10 the major was two numbers (9.6).
	return major < 10 && match[2] !== undefined ? Number(`${major}.${match[2]}`) : major;
}

/** Why the path must not be run as a swap, or undefined when every hop stays on the running major. */
export function majorChangeRefusal(name: string, runningEnv: readonly string[] | undefined, hops: Array<{ tag: string; env?: readonly string[] }>): string | undefined {
	const running = postgresMajorOf(runningEnv);
	if (running === undefined) return undefined;
	for (const hop of hops) {
		const target = postgresMajorOf(hop.env) ?? majorOfTag(hop.tag);
		if (target === undefined || target === running) continue;
		if (target < running) return `${name} runs PostgreSQL ${running} and ${hop.tag} is PostgreSQL ${target}: a downgrade of a PostgreSQL server is not possible (its data directory is of a newer major); nothing was touched`;
		return `${name} runs PostgreSQL ${running} and ${hop.tag} is PostgreSQL ${target}: a new major moves the data to a new volume (dump and restore), which an image swap does not do; name the target with --to (e.g. --to ${target}) to run that procedure, or stay within ${running}; nothing was touched`;
	}
	return undefined;
}

/** --to names another major than the server runs: the major upgrade (from, to), or a refusal (a downgrade). */
export function postgresMajorTarget(name: string, runningEnv: readonly string[] | undefined, to: string, targetEnv: readonly string[] | undefined): { from: number; to: number } | undefined {
	const running = postgresMajorOf(runningEnv);
	if (running === undefined) return undefined;
	const target = postgresMajorOf(targetEnv) ?? majorOfTag(to);
	if (target === undefined || target === running) return undefined;
	if (target < running) {
		throw new UsageError(`${name} runs PostgreSQL ${running} and ${to} is PostgreSQL ${target}: a downgrade of a PostgreSQL server is not possible (its data directory is of a newer major); nothing was touched`);
	}
	return { from: running, to: target };
}
