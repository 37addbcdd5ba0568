import { describe, expect, it } from 'vitest';
import { selectVersions } from '../../source/versions/parse.js';
import { planUpgradePath, type AvailableVersion, type PlanUpgradePathInput } from '../../source/versions/path.js';
import { skippedByFilters, type FilterSkip } from '../../source/versions/filter-skips.js';

// The catalogue most cases upgrade through: several minors, a major, an rc.
const TAGS = [
	'latest', 'stable', 'sha-abc1234',
	'1.5.0', '1.5.3', '1.5.4',
	'1.6.0', '1.6.1', '1.6.5',
	'1.7.0', '1.7.1', '1.7.2',
	'1.8.0', '1.8.3',
	'2.0.0-rc.1', '2.0.0', '2.0.2',
	'2.1.0', '2.2.0-beta.1',
];

// The report of issue 15 (10): an rc newer than the newest stable of a minor.
const RC_TAGS = ['3.1.0', '3.2.0', '3.2.3', '3.3.0', '3.3.1-rc1', '4.0.0-rc.1', '4.0.0'];

function available(tags: string[] = TAGS, pre = false): AvailableVersion[] {
	return selectVersions(tags, { pre });
}

type Expectation = {
	kind: string;
	hops: string[];
	majorGate?: boolean;
	refused?: RegExp;
	newerMajor?: string;
};

const cases: Array<{ name: string; input: PlanUpgradePathInput; expected: Expectation }> = [
	{
		name: "walk 'direct' (a profile's policy): straight to the target, across minors and majors",
		input: { current: '1.5.3', available: available(), target: '2.1.0', allowMajor: true, walk: 'direct' },
		expected: { kind: 'major', hops: ['2.1.0'], majorGate: true },
	},
	{
		name: "walk 'direct' still bridges a minUpgradeFrom",
		input: {
			current: '1.5.3',
			available: available().map((entry) => (entry.tag === '2.1.0' ? { ...entry, minUpgradeFrom: '1.8.0' } : entry)),
			target: '2.1.0',
			allowMajor: true,
			walk: 'direct',
		},
		expected: { kind: 'major', hops: ['2.0.2', '2.1.0'], majorGate: true },
	},
	{
		name: 'skipped minor is walked through its newest patch',
		input: { current: '1.5.3', available: available(), target: '1.7.2', allowMajor: false },
		expected: { kind: 'minor', hops: ['1.6.5', '1.7.2'] },
	},
	{
		name: 'two skipped minors: each visited in order',
		input: { current: '1.5.3', available: available(), target: '1.8.0', allowMajor: false },
		expected: { kind: 'minor', hops: ['1.6.5', '1.7.2', '1.8.0'] },
	},
	{
		name: 'patch inside a line goes direct',
		input: { current: '1.7.0', available: available(), target: '1.7.2', allowMajor: false },
		expected: { kind: 'patch', hops: ['1.7.2'] },
	},
	{
		name: 'next minor goes direct',
		input: { current: '1.6.1', available: available(), target: '1.7.1', allowMajor: false },
		expected: { kind: 'minor', hops: ['1.7.1'] },
	},
	{
		name: 'major target from the newest of the old major: gated, direct',
		input: { current: '1.8.3', available: available(), target: '2.0.0', allowMajor: false },
		expected: { kind: 'major', hops: ['2.0.0'], majorGate: true },
	},
	{
		name: 'major target: newest of the old major first, then the target',
		input: { current: '1.8.0', available: available(), target: '2.0.0', allowMajor: false },
		expected: { kind: 'major', hops: ['1.8.3', '2.0.0'], majorGate: true },
	},
	{
		name: 'major target from an older minor walks both majors',
		input: { current: '1.6.0', available: available(), target: '2.1.0', allowMajor: false },
		expected: { kind: 'major', hops: ['1.7.2', '1.8.3', '2.0.2', '2.1.0'], majorGate: true },
	},
	{
		name: 'downgrade is refused',
		input: { current: '2.0.0', available: available(), target: '1.8.0', allowMajor: true },
		expected: { kind: 'none', hops: [], refused: /restore a backup instead/ },
	},
	{
		name: 'target equal to current is nothing to do',
		input: { current: '1.7.2', available: available(), target: '1.7.2', allowMajor: false },
		expected: { kind: 'none', hops: [] },
	},
	{
		name: 'unknown target tag is refused',
		input: { current: '1.7.2', available: available(), target: '9.9.9', allowMajor: false },
		expected: { kind: 'none', hops: [], refused: /9\.9\.9 is not among the available versions/ },
	},
	{
		name: 'no target: newest stable of the current major, walking minors',
		input: { current: '1.6.1', available: available(), allowMajor: false },
		expected: { kind: 'minor', hops: ['1.7.2', '1.8.3'], newerMajor: '2.1.0' },
	},
	{
		name: 'no target, already newest in major: nothing, but the newer major is told',
		input: { current: '1.8.3', available: available(), allowMajor: false },
		expected: { kind: 'none', hops: [], newerMajor: '2.1.0' },
	},
	{
		name: 'no target with allowMajor: newest stable overall',
		input: { current: '1.8.3', available: available(), allowMajor: true },
		expected: { kind: 'major', hops: ['2.0.2', '2.1.0'], majorGate: true },
	},
	{
		name: 'pre-releases are not offered without pre',
		input: { current: '2.1.0', available: available(), allowMajor: false },
		expected: { kind: 'none', hops: [], newerMajor: undefined },
	},
	{
		name: 'pre-releases are offered with pre',
		input: { current: '2.1.0', available: available(TAGS, true), allowMajor: false, pre: true },
		expected: { kind: 'minor', hops: ['2.2.0-beta.1'] },
	},
	{
		name: 'pre-release is not used as an intermediate hop without pre',
		input: { current: '1.8.3', available: available(TAGS, true), target: '2.0.2', allowMajor: false },
		expected: { kind: 'major', hops: ['2.0.2'], majorGate: true },
	},
	// Issue 15 (10): with --pre only the final target may be a pre-release; every
	// intermediate hop is the newest *stable* release of its minor.
	{
		name: 'pre with allowMajor: an rc is never an intermediate hop (3.3.0, not 3.3.1-rc1)',
		input: { current: '3.1.0', available: available(RC_TAGS, true), allowMajor: true, pre: true },
		expected: { kind: 'major', hops: ['3.2.3', '3.3.0', '4.0.0'], majorGate: true },
	},
	{
		name: 'pre: a pre-release of the old major is not its "last release" stop',
		input: { current: '3.3.0', available: available(RC_TAGS, true), target: '4.0.0', allowMajor: true, pre: true },
		expected: { kind: 'major', hops: ['4.0.0'], majorGate: true },
	},
	{
		name: 'pre: the final target may be a pre-release, the hops to it are stable',
		input: { current: '3.1.0', available: available([...RC_TAGS, '4.1.0-rc.2'], true), target: '4.1.0-rc.2', allowMajor: true, pre: true },
		expected: { kind: 'major', hops: ['3.2.3', '3.3.0', '4.0.0', '4.1.0-rc.2'], majorGate: true },
	},
	{
		name: 'pre without a target: the newest pre-release is the target, reached through stable hops',
		input: { current: '4.0.0', available: available([...RC_TAGS, '4.1.0-rc.2', '4.1.0', '4.1.1-rc.1', '4.2.0-beta.1'], true), allowMajor: false, pre: true },
		expected: { kind: 'minor', hops: ['4.1.0', '4.2.0-beta.1'] },
	},
	{
		name: 'pre: a minor with only pre-releases is not a stop',
		input: { current: '3.1.0', available: available([...RC_TAGS, '3.4.0-rc.1'], true), target: '4.0.0', allowMajor: true, pre: true },
		expected: { kind: 'major', hops: ['3.2.3', '3.3.0', '4.0.0'], majorGate: true },
	},
	{
		name: 'pre: a minUpgradeFrom bridge is stable too',
		input: {
			current: '1.0.0',
			available: [
				{ tag: '1.0.0', version: '1.0.0' },
				{ tag: '1.0.1', version: '1.0.1' },
				{ tag: '1.0.2-rc.1', version: '1.0.2-rc.1' },
				{ tag: '1.1.0', version: '1.1.0', minUpgradeFrom: '1.0.1' },
			],
			target: '1.1.0',
			allowMajor: false,
			pre: true,
		},
		expected: { kind: 'minor', hops: ['1.0.1', '1.1.0'] },
	},
	{
		name: 'explicitly named pre-release target is honoured',
		input: { current: '1.8.3', available: available(TAGS, true), target: '2.0.0-rc.1', allowMajor: false },
		expected: { kind: 'major', hops: ['2.0.0-rc.1'], majorGate: true },
	},
	{
		name: 'minUpgradeFrom above the previous hop forces a bridge (newest that satisfies)',
		input: {
			current: '1.7.0',
			available: [
				{ tag: '1.7.0', version: '1.7.0' },
				{ tag: '1.7.1', version: '1.7.1' },
				{ tag: '1.7.2', version: '1.7.2' },
				{ tag: '1.7.3', version: '1.7.3', minUpgradeFrom: '1.7.2' },
			],
			target: '1.7.3',
			allowMajor: false,
		},
		expected: { kind: 'patch', hops: ['1.7.2', '1.7.3'] },
	},
	{
		name: 'minUpgradeFrom chains: the bridge has its own minimum',
		input: {
			current: '1.0.0',
			available: [
				{ tag: '1.0.0', version: '1.0.0' },
				{ tag: '1.0.1', version: '1.0.1' },
				{ tag: '1.0.2', version: '1.0.2', minUpgradeFrom: '1.0.1' },
				{ tag: '1.0.3', version: '1.0.3', minUpgradeFrom: '1.0.2' },
			],
			target: '1.0.3',
			allowMajor: false,
		},
		expected: { kind: 'patch', hops: ['1.0.1', '1.0.2', '1.0.3'] },
	},
	{
		name: 'minUpgradeFrom already met by the walk adds nothing',
		input: {
			current: '1.5.3',
			available: available().map((v) => (v.tag === '2.0.0' ? { ...v, minUpgradeFrom: '1.8.0' } : v)),
			target: '2.0.0',
			allowMajor: false,
		},
		expected: { kind: 'major', hops: ['1.6.5', '1.7.2', '1.8.3', '2.0.0'], majorGate: true },
	},
	{
		name: 'minUpgradeFrom that nothing available satisfies is refused',
		input: {
			current: '1.0.0',
			available: [
				{ tag: '1.0.0', version: '1.0.0' },
				{ tag: '1.1.0', version: '1.1.0', minUpgradeFrom: '1.0.5' },
			],
			target: '1.1.0',
			allowMajor: false,
		},
		expected: { kind: 'none', hops: [], refused: /1\.1\.0 can only be reached from 1\.0\.5 or later/ },
	},
	{
		name: 'coerced two-part tags take part like full versions',
		input: { current: '3.6', available: selectVersions(['3.6', '3.7', '3.7.1', '3.8', 'v3.9.0']), allowMajor: false },
		expected: { kind: 'minor', hops: ['3.7.1', '3.8', 'v3.9.0'] },
	},
	{
		name: 'a package revision is a newer build of the same release',
		input: { current: '3.7.1', available: selectVersions(['3.7.1', '3.7.1-1', '3.7.1-2']), allowMajor: false },
		expected: { kind: 'patch', hops: ['3.7.1-2'] },
	},
	{
		name: 'include/exclude shape what is offered',
		input: { current: '1.6.0', available: selectVersions(TAGS, { exclude: /^1\.7\./ }), target: '1.8.3', allowMajor: false },
		expected: { kind: 'minor', hops: ['1.8.3'] },
	},
	{
		name: 'a running version that is not a version is refused',
		input: { current: 'latest', available: available(), allowMajor: false },
		expected: { kind: 'none', hops: [], refused: /not a version/ },
	},
];

describe('planUpgradePath', () => {
	it.each(cases)('$name', ({ input, expected }) => {
		const path = planUpgradePath(input);
		expect(path.kind).toBe(expected.kind);
		expect(path.hops.map((hop) => hop.tag)).toEqual(expected.hops);
		expect(path.majorGate).toBe(expected.majorGate ?? false);
		if (expected.refused) expect(path.refused?.reason).toMatch(expected.refused);
		else expect(path.refused).toBeUndefined();
		if ('newerMajor' in expected) expect(path.newerMajor?.tag).toBe(expected.newerMajor);
	});

	it('labels each hop with its own kind relative to the hop before it', () => {
		const path = planUpgradePath({ current: '1.8.0', available: available(), target: '2.1.0', allowMajor: false });
		expect(path.hops.map((hop) => `${hop.tag}:${hop.kind}`)).toEqual(['1.8.3:patch', '2.0.2:major', '2.1.0:minor']);
	});

	it('accepts a label value with build metadata as the running version', () => {
		const path = planUpgradePath({ current: 'v1.7.0+build.5', available: available(), target: '1.7.2', allowMajor: false });
		expect(path.hops.map((hop) => hop.tag)).toEqual(['1.7.2']);
	});
});

describe('selectVersions', () => {
	const cases: Array<{ name: string; tags: string[]; options?: Parameters<typeof selectVersions>[1]; expected: string[] }> = [
		{ name: 'ignores non-version tags, newest first', tags: ['latest', 'stable', 'sha-abc', '1.0.0', '1.2.0', '1.1.0', 'main', '16', '20240205'], expected: ['1.2.0', '1.1.0', '1.0.0'] },
		{ name: 'drops pre-releases by default', tags: ['1.0.0', '1.1.0-rc.1', '1.1.0-beta2'], expected: ['1.0.0'] },
		{ name: 'keeps pre-releases with pre, in semver order', tags: ['1.0.0', '1.1.0-rc.1', '1.1.0-beta.2', '1.1.0'], options: { pre: true }, expected: ['1.1.0', '1.1.0-rc.1', '1.1.0-beta.2', '1.0.0'] },
		{ name: 'include keeps only matching tags', tags: ['1.0.0', '1.1.0', '2.0.0'], options: { include: /^1\./ }, expected: ['1.1.0', '1.0.0'] },
		{ name: 'exclude drops matching tags (a /g regex does not skip any)', tags: ['1.0.0', '1.1.0', '1.1.1', '2.0.0'], options: { exclude: /^1\.1\./g }, expected: ['2.0.0', '1.0.0'] },
		{ name: 'coerced spellings collapse onto the most explicit tag', tags: ['3.7', '3.7.0', 'v3.7.0', 'v3.8', '3.6'], expected: ['v3.8', '3.7.0', '3.6'] },
		{ name: 'revisions sort after their release', tags: ['3.7.1-2', '3.7.1', '3.7.2', '3.7.1-10', '3.7.1-1'], expected: ['3.7.2', '3.7.1-10', '3.7.1-2', '3.7.1-1', '3.7.1'] },
		{ name: 'variants are kept apart from plain tags', tags: ['7.2.4', '7.2.5-alpine', '7.2.4-alpine', '7.2.6'], expected: ['7.2.6', '7.2.4'] },
		{ name: 'one variant on request', tags: ['7.2.4', '7.2.5-alpine', '7.2.4-alpine', '7.2.6'], options: { variant: 'alpine' }, expected: ['7.2.5-alpine', '7.2.4-alpine'] },
	];
	it.each(cases)('$name', ({ tags, options, expected }) => {
		expect(selectVersions(tags, options).map((v) => v.tag)).toEqual(expected);
	});
});

// Issue 15 (10): a tag filter that drops a minor the walk must go through is a warning, not a silent skip.
describe('skippedByFilters', () => {
	const cases: Array<{ name: string; current: string; target: string; filter: { include?: RegExp; exclude?: RegExp }; expected: Array<Partial<FilterSkip>> }> = [
		{ name: 'an exclude that drops a whole skipped minor', current: '1.6.0', target: '1.8.3', filter: { exclude: /^1\.7\./ }, expected: [{ line: '1.7', hop: '1.7.2', by: '--tag-exclude', currentLine: false }] },
		{ name: 'an exclude that drops only the newest patch of a minor (another patch is the stop)', current: '1.6.0', target: '1.8.3', filter: { exclude: /^1\.7\.2$/ }, expected: [] },
		{ name: 'an exclude of nothing on the way', current: '1.6.0', target: '1.8.3', filter: { exclude: /rc/ }, expected: [] },
		{ name: 'an include that keeps only the target major drops the old major\'s last minors', current: '1.6.0', target: '2.1.0', filter: { include: /^2\./ }, expected: [{ line: '1.7', hop: '1.7.2', by: '--tag-include' }, { line: '1.8', hop: '1.8.3', by: '--tag-include' }] },
		{ name: 'the newest release of the running line, which a major upgrade starts from', current: '1.8.0', target: '2.0.0', filter: { exclude: /^1\.8\.3$/ }, expected: [{ line: '1.8', hop: '1.8.3', by: '--tag-exclude', currentLine: true }] },
		{ name: 'no filter, no skips', current: '1.6.0', target: '1.8.3', filter: {}, expected: [] },
	];
	it.each(cases)('$name', ({ current, target, filter, expected }) => {
		const filtered = selectVersions(TAGS, filter);
		const targetEntry = filtered.find((entry) => entry.tag === target) ?? available().find((entry) => entry.tag === target)!;
		const withTarget = filtered.some((entry) => entry.tag === target) ? filtered : [...filtered, targetEntry];
		const path = planUpgradePath({ current, available: withTarget, target, allowMajor: true });
		const skips = skippedByFilters({ current, target: targetEntry, filteredHops: path.hops.map((hop) => hop.tag), unfiltered: available(), ...filter });
		expect(skips).toHaveLength(expected.length);
		skips.forEach((skip, i) => expect(skip).toMatchObject(expected[i]!));
	});
});
