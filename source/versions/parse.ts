// Image tags are not semver, but most release tags are close: `v1.2.3`, `3.7`,
// `3.7.1-2`, `1.4.0-rc.1`, `7.2.4-alpine`. This module turns the ones that name a
// release into comparable versions and ignores the rest (`latest`, `sha-abc`).
//
// Rules, chosen so that every tag has exactly one reading:
// - An optional leading `v`, then MAJOR.MINOR or MAJOR.MINOR.PATCH (no leading
//   zeros). `3.7` reads as 3.7.0. A bare number (`16`, `20240205`) is not read as
//   a version: such tags are usually floating aliases or build numbers.
// - After `-`, a suffix of digits only (`3.7.1-2`) or `r` + digits (`-r5`) is a
//   package REVISION: a rebuild of the same release. It sorts after the release
//   and after lower revisions (3.7.1 < 3.7.1-1 < 3.7.1-2 < 3.7.2). Semver would
//   call `-2` a pre-release sorting *before* 3.7.1, which is wrong for images.
//   `…-<variant>-r5` is variant + revision.
// - A suffix whose first part starts with a pre-release word (alpha, beta, rc,
//   pre, preview, dev, snapshot, nightly, canary, next, milestone, m1, ea) is a
//   PRE-RELEASE, ordered by semver rules (`1.4.0-rc.1` < `1.4.0`).
// - Any other suffix (`alpine`, `bookworm`, `ce.0`) is a VARIANT: a flavour of
//   the same release. Versions are compared only within one variant, so an
//   upgrade never silently moves an operator from `-alpine` to the default image.

// Two functions, not semver's index: this module is read before the wizard's
// first frame (the container list), and the index loads every range and comparator.
import compare from 'semver/functions/compare.js';
import valid from 'semver/functions/valid.js';

export interface VersionTag {
	tag: string;
	/** Normalised semver without revision or variant: '3.7.0', '1.4.0-rc.1'. */
	version: string;
	/** Package revision (`-2`, `-r5`); 0 when the tag has none. */
	revision: number;
	prerelease: boolean;
	/** Flavour suffix ('alpine', 'ce.0'); '' for the plain image. */
	variant: string;
}

const CORE = /^[vV]?(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:-(.+))?$/;
const PRERELEASE_WORD = /^(?:alpha|beta|rc|pre|preview|dev|snapshot|nightly|canary|next|milestone|m|ea)(?=$|[\d._-])/i;
const REVISION_ONLY = /^r?(\d{1,9})$/;
const VARIANT_REVISION = /^(.+)-r(\d{1,9})$/;

export function parseVersionTag(tag: string): VersionTag | null {
	const match = CORE.exec(tag);
	if (!match) return null;
	const [, major, minor, patch = '0', suffix] = match;
	const base = `${major}.${minor}.${patch}`;

	let version = base;
	let revision = 0;
	let prerelease = false;
	let variant = '';
	if (suffix !== undefined) {
		const revisionOnly = REVISION_ONLY.exec(suffix);
		const variantRevision = VARIANT_REVISION.exec(suffix);
		if (revisionOnly) {
			revision = Number(revisionOnly[1]);
		} else if (PRERELEASE_WORD.test(suffix)) {
			// Semver identifiers allow only [0-9A-Za-z-]; `_` is the usual stand-in for '.'.
			const identifiers = suffix.replace(/_/g, '.').split('.');
			if (identifiers.some((part) => part.length === 0 || (/^\d+$/.test(part) && part.length > 1 && part.startsWith('0')))) return null;
			version = `${base}-${identifiers.join('.')}`;
			prerelease = true;
		} else if (variantRevision) {
			variant = variantRevision[1];
			revision = Number(variantRevision[2]);
		} else {
			variant = suffix;
		}
	}
	if (!valid(version)) return null;
	return { tag, version, revision, prerelease, variant };
}

/** Ascending order: semver precedence, then revision. */
export function compareVersionTags(a: Pick<VersionTag, 'version' | 'revision'>, b: Pick<VersionTag, 'version' | 'revision'>): number {
	return compare(a.version, b.version) || (a.revision ?? 0) - (b.revision ?? 0);
}

export interface SelectOptions {
	/** Keep pre-releases; off by default, an upgrade to an rc must be asked for. */
	pre?: boolean;
	/** Only tags matching (tested against the tag text). */
	include?: RegExp;
	/** Drop tags matching. */
	exclude?: RegExp;
	/** Keep only this flavour ('' = plain tags, the default); pass the running tag's variant. */
	variant?: string;
}

/**
 * The version tags worth offering, newest first. When several tags read as the
 * same version (`3.7` and `3.7.0`, `v1.2.3` and `1.2.3`), the most explicit
 * spelling wins: a full MAJOR.MINOR.PATCH without `v`.
 */
export function selectVersions(tags: readonly string[], options: SelectOptions = {}): VersionTag[] {
	const variant = options.variant ?? '';
	const byVersion = new Map<string, VersionTag>();
	for (const tag of tags) {
		if (options.include && !matchesTag(options.include, tag)) continue;
		if (options.exclude && matchesTag(options.exclude, tag)) continue;
		const parsed = parseVersionTag(tag);
		if (!parsed || parsed.variant !== variant) continue;
		if (parsed.prerelease && !options.pre) continue;
		const key = `${parsed.version}#${parsed.revision}`;
		const existing = byVersion.get(key);
		if (!existing || explicitness(tag) > explicitness(existing.tag) || (explicitness(tag) === explicitness(existing.tag) && tag < existing.tag)) {
			byVersion.set(key, parsed);
		}
	}
	return [...byVersion.values()].sort((a, b) => compareVersionTags(b, a));
}

/**
 * Other tags that read as the same release as `tag` (`v3.3.0` for `3.3.0`,
 * `3.7.0` for `3.7`): what a --to that is not in the registry most likely meant.
 */
export function sameReleaseTags(tag: string, tags: readonly string[]): string[] {
	const wanted = parseVersionTag(tag);
	if (!wanted) return [];
	return tags
		.filter((other) => {
			const parsed = other === tag ? null : parseVersionTag(other);
			return parsed !== null && parsed.version === wanted.version && parsed.revision === wanted.revision && parsed.variant === wanted.variant;
		})
		.sort((a, b) => explicitness(b) - explicitness(a) || a.localeCompare(b));
}

function explicitness(tag: string): number {
	const core = tag.replace(/^[vV]/, '').split('-')[0];
	return core.split('.').length * 2 + (/^[vV]/.test(tag) ? 0 : 1);
}

// A /g or /y expression keeps lastIndex between calls; reset it so every tag is tested whole.
export function matchesTag(pattern: RegExp, text: string): boolean {
	pattern.lastIndex = 0;
	return pattern.test(text);
}
