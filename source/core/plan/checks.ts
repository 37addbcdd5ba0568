import { valueAt } from './health.js';

// The generic guide's post-upgrade checklist (version, health, logs), with the
// profile's facts: where the app reports its running version, which log lines
// mean failure, and whether a failed check rolls back (`gate`) or is a warning.

export interface PostChecks {
	/** GET this container port and path; the JSON value at `json` must be the target version (a leading `v` ignored). */
	version?: { port: number; path: string; json: string };
	/** Log lines (regular expressions, ignoring case) that mean failure, watched from the start to `watchS` after the gate. */
	logs?: { fail: string[]; watchS: number };
	/** A failed check rolls the unit back instead of being a warning. */
	gate: boolean;
}

export type CheckName = 'version' | 'health' | 'logs';

export interface ChecklistItem {
	check: CheckName;
	status: 'done' | 'failed' | 'not done';
	detail: string;
	/** The log lines that matched, at most a few. */
	lines?: string[];
}

/** `1.2.3` and `v1.2.3` are one version. */
export function sameVersion(reported: unknown, target: string): boolean {
	const plain = (text: string) => text.trim().replace(/^v(?=\d)/i, '');
	return (typeof reported === 'string' || typeof reported === 'number') && plain(String(reported)) === plain(target);
}

export function versionProblem(body: unknown, json: string, target: string): string | undefined {
	const found = valueAt(body, json);
	if (found === undefined) return `${json} is missing`;
	return sameVersion(found, target) ? undefined : `${json} is ${JSON.stringify(found)}, not ${target}`;
}

/** What a unit that passed its gate without a profile's checks shows. */
export function defaultChecklist(healthDetail = 'the health gate passed'): ChecklistItem[] {
	return [
		{ check: 'version', status: 'not done', detail: 'the profile names no version check' },
		{ check: 'health', status: 'done', detail: healthDetail },
		{ check: 'logs', status: 'not done', detail: 'the profile names no failure log lines' },
	];
}

/** One line: `checklist: version done (1.1.0); health done; logs failed (2 lines match Traceback)`. */
export function describeChecklist(items: readonly ChecklistItem[]): string {
	return `checklist: ${items.map((item) => `${item.check} ${item.status}${item.detail ? ` (${item.detail})` : ''}`).join('; ')}`;
}

/** The plan's line for a profile's checks: what is asked, and whether a failure rolls back. */
export function describeChecks(checks: PostChecks): string {
	const what = [
		checks.version ? `version at :${checks.version.port}${checks.version.path} (${checks.version.json})` : '',
		checks.logs ? `no log line matching ${checks.logs.fail.join(', ')} until ${checks.logs.watchS} s after the gate` : '',
	].filter(Boolean);
	return `post-upgrade checks: ${what.join('; ')}${checks.gate ? ' (a failure rolls back)' : ' (warnings)'}`;
}
