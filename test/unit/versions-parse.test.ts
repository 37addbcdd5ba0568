import { describe, expect, it } from 'vitest';
import { compareVersionTags, parseVersionTag, sameReleaseTags } from '../../source/versions/parse.js';

describe('parseVersionTag', () => {
	const read: Array<[string, { version: string; revision?: number; prerelease?: boolean; variant?: string }]> = [
		['1.2.3', { version: '1.2.3' }],
		['v1.2.3', { version: '1.2.3' }],
		['V2.0.1', { version: '2.0.1' }],
		['3.7', { version: '3.7.0' }],
		['v3.7', { version: '3.7.0' }],
		['0.9.12', { version: '0.9.12' }],
		['3.7.1-2', { version: '3.7.1', revision: 2 }],
		['3.7.1-r5', { version: '3.7.1', revision: 5 }],
		['1.4.0-rc.1', { version: '1.4.0-rc.1', prerelease: true }],
		['1.4.0-rc1', { version: '1.4.0-rc1', prerelease: true }],
		['1.4.0-beta_2', { version: '1.4.0-beta.2', prerelease: true }],
		['2.0-alpha', { version: '2.0.0-alpha', prerelease: true }],
		['1.4.0-M1', { version: '1.4.0-M1', prerelease: true }],
		['7.2.4-alpine', { version: '7.2.4', variant: 'alpine' }],
		['16.8.1-ce.0', { version: '16.8.1', variant: 'ce.0' }],
		['16.2.0-debian-12-r5', { version: '16.2.0', variant: 'debian-12', revision: 5 }],
		['7.2-bookworm', { version: '7.2.0', variant: 'bookworm' }],
	];
	it.each(read)('%s', (tag, expected) => {
		expect(parseVersionTag(tag)).toEqual({ tag, revision: 0, prerelease: false, variant: '', ...expected });
	});

	const ignored = ['latest', 'stable', 'main', 'sha-abc1234', '16', '20240205', '1.2.3.4', '01.2.3', '1.02.3', 'v', '', '1.2.3-rc.01', 'edge', 'nightly'];
	it.each(ignored)('ignores %j', (tag) => {
		expect(parseVersionTag(tag)).toBeNull();
	});

	it('orders pre-release < release < revisions < next patch', () => {
		const order = ['3.7.1-rc.1', '3.7.1', '3.7.1-1', '3.7.1-2', '3.7.1-10', '3.7.2'].map((tag) => parseVersionTag(tag)!);
		const shuffled = [...order].reverse().sort(compareVersionTags);
		expect(shuffled.map((v) => v.tag)).toEqual(order.map((v) => v.tag));
	});
});

// Issue 15 (14): `--to 3.3.0` on a `v`-tagged repository says "did you mean v3.3.0?".
describe('sameReleaseTags', () => {
	it.each([
		['3.3.0', ['v3.2.0', 'v3.3.0', 'v3.3.1', 'latest'], ['v3.3.0']],
		['v1.2.3', ['1.2.3', '1.2.4'], ['1.2.3']],
		['3.7', ['3.7.0', 'v3.7.0', 'v3.7', '3.7.1'], ['3.7.0', 'v3.7.0', 'v3.7']],
		['3.7.1', ['3.7.1-2', '3.7.1-alpine', '3.7.1-rc.1'], []],
		['7.2.4-alpine', ['v7.2.4-alpine', '7.2.4'], ['v7.2.4-alpine']],
		['latest', ['1.0.0'], []],
		['9.9.9', ['1.0.0', 'v1.0.0'], []],
	])('%s among %j', (tag, tags, expected) => {
		expect(sameReleaseTags(tag, tags)).toEqual(expected);
	});
});
