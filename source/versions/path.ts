// The sequence of versions an upgrade goes through. Apps migrate their schema
// release by release and many only test the step from the previous minor, so
// skipping minors is done as a walk, never as a jump.
//
// Rules:
// - Default target: the newest stable version in the current major (any major
//   when allowMajor). An explicit target may be in a newer major; that is a
//   major upgrade and sets majorGate so the operator confirms it.
// - Every minor line strictly between the current one and the target's is
//   visited at its newest patch: 1.5.3 -> 1.7.2 = [1.6.latest, 1.7.2]. Across
//   majors this is the same walk: 1.6.0 -> 2.1.0 = [1.7.l, 1.8.l, 2.0.l, 2.1.0].
// - Leaving a major, the newest version of that major is visited first, even in
//   the current line (1.8.0 -> 2.0.0 with 1.8.3 out = [1.8.3, 2.0.0]): vendors
//   support major upgrades from the last release of the previous major.
// - A hop whose minUpgradeFrom is above the version before it gets the newest
//   version in between that satisfies it inserted first; that one is checked the
//   same way. No such version -> refused.
// - Intermediate hops (minor stops, the last of a major, minUpgradeFrom bridges)
//   are always stable releases: a pre-release is nobody's supported upgrade
//   source, and an rc newer than the minor's last stable (3.3.1-rc1 over 3.3.0)
//   would otherwise win the "newest of its minor" choice. `pre` only lets the
//   final target be a pre-release, as does naming one.
// - Lower target -> refused (a downgrade cannot undo migrations); same -> none.
// - walk 'direct' (a product whose migrations chain any release to any later
//   one, a profile says so): no minor or major stops, only minUpgradeFrom
//   bridges.

import semver from 'semver';
import { compareVersionTags, parseVersionTag } from './parse.js';

export type UpgradeKind = 'none' | 'patch' | 'minor' | 'major';

export interface AvailableVersion {
	tag: string;
	version: string;
	revision?: number;
	/** Oldest version this one supports upgrading from (vendor "required stop"). */
	minUpgradeFrom?: string;
}

export interface UpgradeHop {
	tag: string;
	version: string;
	revision: number;
	/** Relative to the version before this hop. */
	kind: Exclude<UpgradeKind, 'none'>;
}

export interface UpgradePath {
	kind: UpgradeKind;
	hops: UpgradeHop[];
	majorGate: boolean;
	refused?: { reason: string };
	/** Newest stable release of a later major, when it is not the target: worth telling the operator. */
	newerMajor?: { tag: string; version: string };
}

export interface PlanUpgradePathInput {
	/** Running version: a tag or label value ('1.5.3', 'v1.5.3', '3.7.1-2'). */
	current: string;
	available: readonly AvailableVersion[];
	/** Tag to go to; default is the newest stable in the current major. */
	target?: string;
	allowMajor?: boolean;
	pre?: boolean;
	/** 'minors' (the default): every minor line is visited; 'direct': straight to the target. */
	walk?: 'minors' | 'direct';
}

interface Candidate {
	tag: string;
	version: string;
	revision: number;
	prerelease: boolean;
	major: number;
	minor: number;
	minUpgradeFrom?: { version: string; revision: number };
}

type Position = Pick<Candidate, 'version' | 'revision' | 'major' | 'minor'>;

export function planUpgradePath(input: PlanUpgradePathInput): UpgradePath {
	const current = readVersion(input.current);
	if (!current) return refuse(`the running version ${JSON.stringify(input.current)} is not a version that can be compared`);
	const all = candidates(input.available);
	const eligible = all.filter((c) => input.pre || !c.prerelease);
	const newest = (list: Candidate[]) => list.reduce<Candidate | undefined>((best, c) => (!best || compareVersionTags(c, best) > 0 ? c : best), undefined);
	const newerMajorCandidate = newest(eligible.filter((c) => c.major > current.major && !c.prerelease));

	let target: Candidate | undefined;
	if (input.target !== undefined) {
		target = all.find((c) => c.tag === input.target);
		if (!target) {
			const listed = input.available.some((a) => a.tag === input.target);
			return refuse(listed ? `tag ${input.target} does not name a version` : `tag ${input.target} is not among the available versions`);
		}
	} else {
		target = newest(eligible.filter((c) => compareVersionTags(c, current) > 0 && (input.allowMajor || c.major === current.major)));
	}
	const newerMajor = newerMajorCandidate && (!target || newerMajorCandidate.major > target.major) ? { tag: newerMajorCandidate.tag, version: newerMajorCandidate.version } : undefined;
	if (!target) return { kind: 'none', hops: [], majorGate: false, ...(newerMajor ? { newerMajor } : {}) };

	const order = compareVersionTags(target, current);
	if (order < 0) {
		return refuse(`${target.tag} is older than the running ${input.current}: a downgrade cannot undo schema migrations; restore a backup instead`);
	}
	if (order === 0) return { kind: 'none', hops: [], majorGate: false, ...(newerMajor ? { newerMajor } : {}) };

	const between = all.filter((c) => !c.prerelease && compareVersionTags(c, current) > 0 && compareVersionTags(c, target!) < 0);
	const stops = new Map<string, Candidate>();
	const direct = input.walk === 'direct';
	for (const [line, members] of groupBy(between, (c) => `${c.major}.${c.minor}`)) {
		const isCurrentLine = line === `${current.major}.${current.minor}`;
		const isTargetLine = line === `${target.major}.${target.minor}`;
		if (!direct && !isCurrentLine && !isTargetLine) stops.set(line, newest(members)!);
	}
	for (let major = current.major; !direct && major < target.major; major++) {
		const last = newest(between.filter((c) => c.major === major));
		if (last) stops.set(`${last.major}.${last.minor}`, last);
	}
	const hops = [...stops.values(), target].sort(compareVersionTags);

	const refusal = satisfyMinimums(hops, current, between);
	if (refusal) return refuse(refusal);

	const withKinds: UpgradeHop[] = hops.map((hop, i) => ({ tag: hop.tag, version: hop.version, revision: hop.revision, kind: kindBetween(i === 0 ? current : hops[i - 1], hop) }));
	const kind = kindBetween(current, target);
	return { kind, hops: withKinds, majorGate: kind === 'major', ...(newerMajor ? { newerMajor } : {}) };
}

/** Inserts hops in place until every hop's minUpgradeFrom holds; returns a reason when it cannot. */
function satisfyMinimums(hops: Candidate[], current: Position, pool: Candidate[]): string | undefined {
	let previous: Position = current;
	for (let i = 0; i < hops.length; ) {
		const hop = hops[i];
		const minimum = hop.minUpgradeFrom;
		if (minimum && compareVersionTags(previous, minimum) < 0) {
			const bridge = pool
				.filter((c) => compareVersionTags(c, minimum) >= 0 && compareVersionTags(c, previous) > 0 && compareVersionTags(c, hop) < 0)
				.reduce<Candidate | undefined>((best, c) => (!best || compareVersionTags(c, best) > 0 ? c : best), undefined);
			if (!bridge) {
				return `${hop.tag} can only be reached from ${minimum.version} or later, and no available version between ${previous.version} and ${hop.tag} is`;
			}
			hops.splice(i, 0, bridge); // checked on the next turn against the same previous
			continue;
		}
		previous = hop;
		i++;
	}
	return undefined;
}

function candidates(available: readonly AvailableVersion[]): Candidate[] {
	const seen = new Set<string>();
	const out: Candidate[] = [];
	for (const entry of available) {
		const fromTag = parseVersionTag(entry.tag);
		const version = semver.valid(entry.version) ?? fromTag?.version;
		if (!version) continue;
		const revision = entry.revision ?? (fromTag && fromTag.version === version ? fromTag.revision : 0);
		const key = `${version}#${revision}`;
		if (seen.has(key)) continue;
		seen.add(key);
		const minimum = entry.minUpgradeFrom !== undefined ? readVersion(entry.minUpgradeFrom) : undefined;
		out.push({
			tag: entry.tag,
			version,
			revision,
			prerelease: semver.prerelease(version) !== null,
			major: semver.major(version),
			minor: semver.minor(version),
			...(minimum ? { minUpgradeFrom: { version: minimum.version, revision: minimum.revision } } : {}),
		});
	}
	return out;
}

function readVersion(text: string): Position | undefined {
	const parsed = parseVersionTag(text.trim());
	// Label values may carry semver build metadata (1.2.3+abc), which tags cannot.
	const version = parsed?.version ?? semver.valid(semver.clean(text) ?? '') ?? undefined;
	if (!version) return undefined;
	return { version, revision: parsed?.revision ?? 0, major: semver.major(version), minor: semver.minor(version) };
}

function kindBetween(from: Position, to: Position): Exclude<UpgradeKind, 'none'> {
	if (to.major !== from.major) return 'major';
	if (to.minor !== from.minor) return 'minor';
	return 'patch';
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
	const groups = new Map<string, T[]>();
	for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
	return groups;
}

function refuse(reason: string): UpgradePath {
	return { kind: 'none', hops: [], majorGate: false, refused: { reason } };
}
