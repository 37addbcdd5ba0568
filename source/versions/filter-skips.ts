// --tag-include and --tag-exclude shape which tags are offered, and through
// that the walk too: a filter that drops every release of a minor the walk must
// go through makes the upgrade jump that minor (and its migrations) without a
// word. Filtering is the operator's right; a silent skip is not, so the minors
// a filter took out of the walk are found here and turned into a warning.

import semver from 'semver';
import { planUpgradePath, type AvailableVersion } from './path.js';
import { matchesTag, parseVersionTag } from './parse.js';

export interface FilterSkip {
	/** The minor line the filtered walk no longer visits: '1.7'. */
	line: string;
	/** The hop the unfiltered walk would have made on it. */
	hop: string;
	/** The filter that took it out. */
	by: '--tag-exclude' | '--tag-include';
	/** The running version's own line: its newest release is where a major upgrade starts from. */
	currentLine: boolean;
}

export interface FilterSkipsInput {
	current: string;
	/** The final hop of the filtered path (it is the target of both walks). */
	target: AvailableVersion;
	/** Tags of the filtered path, in order. */
	filteredHops: readonly string[];
	/** What would be offered without --tag-include/--tag-exclude (same variant and --pre). */
	unfiltered: readonly AvailableVersion[];
	include?: RegExp;
	exclude?: RegExp;
}

/** Minor lines the unfiltered walk goes through and the filtered one does not. */
export function skippedByFilters(input: FilterSkipsInput): FilterSkip[] {
	if (!input.include && !input.exclude) return [];
	const available = input.unfiltered.some((entry) => entry.tag === input.target.tag) ? input.unfiltered : [...input.unfiltered, input.target];
	const unfiltered = planUpgradePath({ current: input.current, available, target: input.target.tag, allowMajor: true });
	if (unfiltered.refused) return [];
	const visited = new Set(input.filteredHops.map(lineOf));
	const currentLine = lineOf(input.current);
	const skips: FilterSkip[] = [];
	for (const hop of unfiltered.hops.slice(0, -1)) {
		const line = lineOf(hop.tag);
		if (visited.has(line)) continue;
		visited.add(line);
		skips.push({ line, hop: hop.tag, by: input.exclude && matchesTag(input.exclude, hop.tag) ? '--tag-exclude' : '--tag-include', currentLine: line === currentLine });
	}
	return skips;
}

function lineOf(tag: string): string {
	const version = parseVersionTag(tag)?.version ?? semver.valid(semver.clean(tag) ?? '') ?? tag;
	return version.split('.').slice(0, 2).join('.');
}
