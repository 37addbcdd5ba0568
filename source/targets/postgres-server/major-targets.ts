import type { TargetRow } from '../../core/wizard-backend.js';
import { majorOfTag, postgresMajorOf } from './major.js';

// The Version screen's rows for a PostgreSQL server container: its registry
// tags name majors (`15`, `15.4`, `15-alpine`), which the semver walk does not
// read as versions. A newer major is the major-upgrade procedure (one hop, the
// data moved to a new volume); an older one can never be chosen. Only tags of
// the running tag's family are offered (`13-alpine` stays on `-alpine`):
// another libc or base image is a change of its own, made with --to.

/** `15-alpine` -> `alpine`, `15.4-bookworm` -> `bookworm`, `15` -> ''. */
export function tagFamily(tag: string): string {
	const match = /^\d+(?:\.\d+){0,2}(?:-(.+))?$/.exec(tag);
	return match ? (match[1] ?? '') : tag;
}

/** A family change the operator named with --to, as a plan warning; undefined when it stays. */
export function familyChangeWarning(runningTag: string | undefined, to: string): string | undefined {
	if (runningTag === undefined) return undefined;
	const [was, now] = [tagFamily(runningTag), tagFamily(to)];
	if (was === now) return undefined;
	const say = (family: string) => (family ? `-${family}` : 'the plain image');
	return `${to} changes the image family from ${say(was)} to ${say(now)} (another base image, libc or locale data): indexes on text may need REINDEX afterwards`;
}

export const MAJOR_PROCEDURE_NOTE = 'PostgreSQL major upgrade: the data moves to a new volume, the old volume is kept';

/** Rows for the tags that name another major than the running one, newest first; undefined for a container that is no PostgreSQL server. */
export function postgresMajorRows(env: readonly string[] | undefined, runningTag: string | undefined, tags: readonly string[]): TargetRow[] | undefined {
	const running = postgresMajorOf(env);
	// An app built FROM a postgres image carries PG_MAJOR too: only a tag naming that major is a server's.
	if (running === undefined || runningTag === undefined || majorOfTag(runningTag) !== running) return undefined;
	const family = runningTag === undefined ? '' : tagFamily(runningTag);
	const rows: Array<TargetRow & { major: number }> = [];
	for (const tag of tags) {
		const major = majorOfTag(tag);
		if (major === undefined || major === running || tagFamily(tag) !== family) continue;
		const row: TargetRow & { major: number } = { tag, version: tag, kind: major > running ? 'major' : 'downgrade', prerelease: false, hops: [], major };
		if (major < running) row.disabledReason = `downgrade: PostgreSQL ${major} cannot read the data directory of ${running}`;
		else row.releaseNotes = MAJOR_PROCEDURE_NOTE;
		rows.push(row);
	}
	// Newest major first; within one major the most specific tag (15.4 before 15) last, so the bare major leads.
	rows.sort((a, b) => b.major - a.major || a.tag.length - b.tag.length || a.tag.localeCompare(b.tag));
	return rows.map(({ major: _major, ...row }) => row);
}
