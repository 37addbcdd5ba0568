import semver from 'semver';
import type { ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { UsageError, oneLine, messageOf } from '../core/errors.js';
import type { RegistryReads } from '../registry/memo-registry.js';
import { isRegistryError } from '../registry/errors.js';
import { compareVersionTags, parseVersionTag, sameReleaseTags, selectVersions } from '../versions/parse.js';
import { planUpgradePath, type AvailableVersion, type UpgradeHop } from '../versions/path.js';
import { skippedByFilters } from '../versions/filter-skips.js';
import { tagOf, repositoryOf } from '../docker/discovery.js';
import type { Profile } from '../profiles/profile.js';
import { majorChangeRefusal, postgresMajorOf, postgresMajorTarget } from '../targets/postgres-server/major.js';
import { familyChangeWarning } from '../targets/postgres-server/major-targets.js';

// From "this container, maybe --to" to the ordered hops of its upgrade: the
// registry's tags, the running version, release metadata read from the image
// configs (no pull), and the semver rules in versions/path.ts.

export interface VersionFilters {
	pre: boolean;
	include?: RegExp;
	exclude?: RegExp;
	allowMajor: boolean;
}

export interface ResolvedPath {
	repository: string;
	current: string;
	/** Set when the running tag names no version: how `current` was found. */
	currentFrom?: CurrentVersionSource;
	hops: UpgradeHop[];
	majorGate: boolean;
	newerMajor?: { tag: string; version: string };
	/** Release notes URLs of the hops, from their image labels. */
	releaseNotes: Array<{ tag: string; url: string }>;
	/** Schema version each hop's image declares, by tag. */
	schemaVersions: Record<string, string>;
	warnings: string[];
	/** The registry did not answer and --to names an image already on the engine: it is used as it is, not pulled. */
	localTarget?: boolean;
	/** A PostgreSQL server to a newer major (--to): one hop, run by the postgres-server unit kind. */
	postgresMajor?: { from: number; to: number };
}

const MAX_CONFIG_LOOKUPS = 40;

/** The running version: the tag, else the image's version label, else its digest matched in the registry. */
export async function currentVersion(
	client: RegistryReads,
	container: ContainerInspectInfo,
	image: ImageInspectInfo,
	profile: Profile,
	versionTags: string[],
): Promise<string | undefined> {
	return (await findCurrentVersion(client, container, image, profile, versionTags))?.version;
}

/** How the running version was found when the container's tag does not say it (a floating tag such as latest). */
export interface CurrentVersionSource {
	source: 'label' | 'digest';
	/** The tag the container runs, which names no version. */
	runningTag: string;
	/** The image label that gave the version ('label' only). */
	label?: string;
}

/** currentVersion, saying how it knows: the plan tells the operator when it was not the tag. */
export async function findCurrentVersion(
	client: RegistryReads,
	container: ContainerInspectInfo,
	image: ImageInspectInfo,
	profile: Profile,
	versionTags: string[],
): Promise<{ version: string; from?: CurrentVersionSource } | undefined> {
	const tag = tagOf(container.Config.Image);
	if (tag && parseVersionTag(tag)) return { version: tag };
	const runningTag = tag ?? 'latest';
	const label = image.Config?.Labels?.[profile.labels.version];
	if (label && parseVersionTag(label)) return { version: label, from: { source: 'label', runningTag, label: profile.labels.version } };
	const digests = new Set((image.RepoDigests ?? []).map((entry) => entry.slice(entry.indexOf('@') + 1)));
	if (digests.size === 0) return undefined;
	const repository = repositoryOf(container.Config.Image);
	for (const candidate of versionTags.slice(0, MAX_CONFIG_LOOKUPS)) {
		const manifest = await client.getManifest(`${repository}:${candidate}`).catch(() => undefined);
		if (manifest && (digests.has(manifest.digest) || (manifest.indexDigest && digests.has(manifest.indexDigest)))) {
			return { version: candidate, from: { source: 'digest', runningTag } };
		}
	}
	return undefined;
}

export async function resolveUpgradePath(input: {
	client: RegistryReads;
	container: ContainerInspectInfo;
	image: ImageInspectInfo;
	profile: Profile;
	to?: string;
	filters: VersionFilters;
	/** Interactive runs may pick a major upgrade in the UI; --yes needs --to or --allow-major. */
	requireExplicitMajor: boolean;
	localImageExists: (ref: string) => Promise<boolean>;
}): Promise<ResolvedPath> {
	const { client, container, image, profile, to, filters } = input;
	const name = container.Name.replace(/^\//, '');
	const repository = repositoryOf(container.Config.Image);
	const warnings: string[] = [];
	let tags: string[];
	try {
		tags = await client.listTags(repository);
	} catch (error) {
		const cause = isRegistryError(error) ? oneLine(error.message) : oneLine(messageOf(error));
		// An explicit target already in the engine's store can go without the registry.
		if (to && (await input.localImageExists(`${repository}:${to}`))) {
			warnings.push(`cannot list tags of ${repository} (${cause}); upgrading straight to the local ${to} without path checks`);
			const current = tagOf(container.Config.Image) ?? '?';
			const parsed = parseVersionTag(to);
			const was = parseVersionTag(current);
			const kind = !parsed || !was ? 'minor' : semver.major(parsed.version) !== semver.major(was.version) ? 'major' : semver.minor(parsed.version) !== semver.minor(was.version) ? 'minor' : 'patch';
			const hops: UpgradeHop[] = [{ tag: to, version: parsed?.version ?? to, revision: parsed?.revision ?? 0, kind }];
			// A newer PostgreSQL major named with --to is the procedure, from the local image as well.
			const major = postgresMajorTarget(name, container.Config.Env, to, undefined);
			if (major) {
				const hops: UpgradeHop[] = [{ tag: to, version: `${major.to}.0.0`, revision: 0, kind: 'major' }];
				return { repository, current, hops, majorGate: true, releaseNotes: [], schemaVersions: {}, warnings, postgresMajor: major, localTarget: true };
			}
			const majorChange = majorChangeRefusal(name, container.Config.Env, [{ tag: to }]);
			if (majorChange) throw new UsageError(majorChange);
			// As announced: the local image is used, never pulled (the registry does not answer).
			return { repository, current, hops, majorGate: false, releaseNotes: [], schemaVersions: {}, warnings, localTarget: true };
		}
		throw new UsageError(`${name}: ${cause}`);
	}
	if (to !== undefined && !tags.includes(to)) {
		// `--to 3.3.0` on a repository that tags `v3.3.0`: the release is there under another spelling.
		const spellings = sameReleaseTags(to, tags);
		const hint = spellings.length > 0 ? `; did you mean ${spellings.join(' or ')}?` : '';
		throw new UsageError(`${name}: tag not found: ${repository}:${to} is not in its registry${hint}`);
	}
	if (to !== undefined && postgresMajorOf(container.Config.Env) !== undefined) {
		// Postgres tags name majors (`15`, `15-alpine`): a newer one is a data move, not a walk over versions.
		const targetEnv = (await client.getImageConfig(`${repository}:${to}`).catch(() => undefined))?.env;
		const major = postgresMajorTarget(name, container.Config.Env, to, targetEnv);
		if (major) {
			const current = tagOf(container.Config.Image) ?? String(major.from);
			const familyChange = familyChangeWarning(tagOf(container.Config.Image), to);
			if (familyChange) warnings.push(familyChange);
			const hops: UpgradeHop[] = [{ tag: to, version: `${major.to}.0.0`, revision: 0, kind: 'major' }];
			return { repository, current, hops, majorGate: true, releaseNotes: [], schemaVersions: {}, warnings, postgresMajor: major };
		}
	}
	const runningTag = tagOf(container.Config.Image);
	const variant = runningTag ? (parseVersionTag(runningTag)?.variant ?? '') : '';
	const offered = selectVersions(tags, { pre: filters.pre, include: filters.include, exclude: filters.exclude, variant });
	const found = await findCurrentVersion(client, container, image, profile, offered.map((entry) => entry.tag));
	const current = found?.version;
	const currentFrom = found?.from;
	if (!current) {
		throw new UsageError(`${name}: cannot tell which version ${container.Config.Image} is (no version tag, label or matching digest); name the target with --to`);
	}
	const available: AvailableVersion[] = offered.map((entry) => ({ tag: entry.tag, version: entry.version, revision: entry.revision }));
	// A target named explicitly is honoured even when it is a pre-release or a variant tag.
	if (to !== undefined && !available.some((entry) => entry.tag === to)) {
		const parsed = parseVersionTag(to);
		if (!parsed) throw new UsageError(`${name}: tag ${to} is not a version, so no upgrade path can be checked`);
		available.push({ tag: to, version: parsed.version, revision: parsed.revision });
		if (parsed.variant) warnings.push(`${to} is a variant tag (${parsed.variant}); it is upgraded to directly`);
	}

	// Release metadata (minimum version to upgrade from, schema version, notes) is
	// read from the image configs in the range that matters, without pulling.
	const walk = profile.upgrade.walk;
	const first = planUpgradePath({ current, available, target: to, allowMajor: filters.allowMajor || to !== undefined, pre: filters.pre, walk });
	if (first.refused) throw new UsageError(`${name}: ${first.refused.reason}`);
	if (first.hops.length === 0) {
		return { repository, current, currentFrom, hops: [], majorGate: false, newerMajor: first.newerMajor, releaseNotes: [], schemaVersions: {}, warnings };
	}
	const lastHop = first.hops[first.hops.length - 1]!;
	const from = parseVersionTag(current)!;
	const inRange = available.filter((entry) => {
		const parsed = parseVersionTag(entry.tag);
		return parsed && compareVersionTags(parsed, from) > 0 && compareVersionTags(parsed, lastHop) <= 0;
	});
	const labels = new Map<string, Record<string, string>>();
	const envs = new Map<string, string[]>();
	for (const entry of inRange.slice(0, MAX_CONFIG_LOOKUPS)) {
		const config = await client.getImageConfig(`${repository}:${entry.tag}`).catch(() => undefined);
		if (config) labels.set(entry.tag, config.labels);
		if (config) envs.set(entry.tag, config.env);
	}
	for (const entry of available) {
		const minimum = labels.get(entry.tag)?.[profile.labels.minUpgradeFrom];
		if (minimum) entry.minUpgradeFrom = minimum;
	}
	const path = planUpgradePath({ current, available, target: to ?? lastHop.tag, allowMajor: true, pre: filters.pre, walk });
	if (path.refused) throw new UsageError(`${name}: ${path.refused.reason}`);
	if (path.majorGate && input.requireExplicitMajor && to === undefined && !filters.allowMajor) {
		throw new UsageError(`${name}: ${lastHop.tag} is a major upgrade from ${current}; name it with --to or pass --allow-major`);
	}
	const majorChange = majorChangeRefusal(name, container.Config.Env, path.hops.map((hop) => ({ tag: hop.tag, env: envs.get(hop.tag) })));
	if (majorChange) throw new UsageError(majorChange);
	warnings.push(...filterSkipWarnings({ tags, variant, current, available, hops: path.hops, filters }));
	const releaseNotes = path.hops
		.map((hop) => ({ tag: hop.tag, url: labels.get(hop.tag)?.[profile.labels.releaseNotes] }))
		.filter((entry): entry is { tag: string; url: string } => Boolean(entry.url));
	const schemaVersions: Record<string, string> = {};
	for (const hop of path.hops) {
		const schema = labels.get(hop.tag)?.[profile.labels.schemaVersion];
		if (schema !== undefined) schemaVersions[hop.tag] = schema;
	}
	return { repository, current, currentFrom, hops: path.hops, majorGate: path.majorGate, newerMajor: path.newerMajor, releaseNotes, schemaVersions, warnings };
}

/** A tag filter that took a minor out of the walk is said, never silently skipped. */
function filterSkipWarnings(input: { tags: string[]; variant: string; current: string; available: AvailableVersion[]; hops: UpgradeHop[]; filters: VersionFilters }): string[] {
	const { filters, hops, current } = input;
	const final = hops[hops.length - 1]!;
	const target = input.available.find((entry) => entry.tag === final.tag) ?? { tag: final.tag, version: final.version, revision: final.revision };
	const skips = skippedByFilters({
		current,
		target,
		filteredHops: hops.map((hop) => hop.tag),
		unfiltered: selectVersions(input.tags, { pre: filters.pre, variant: input.variant }),
		include: filters.include,
		exclude: filters.exclude,
	});
	return skips.map((skip) =>
		skip.currentLine
			? `${skip.by} leaves out ${skip.hop}, the newest ${skip.line} release, which a major upgrade to ${final.tag} starts from: the upgrade leaves major ${skip.line.split('.')[0]} from an older release, which the app may not support; loosen ${skip.by} to go through it`
			: `${skip.by} leaves out ${skip.hop}, the stop on ${skip.line} between ${current} and ${final.tag}: the upgrade skips minor ${skip.line} and its migrations, which the app may not support; loosen ${skip.by} to go through it`,
	);
}
