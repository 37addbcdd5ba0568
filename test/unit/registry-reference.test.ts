import { describe, expect, it } from 'vitest';
import { formatImageReference, ImageReferenceError, isLoopbackRegistry, parseImageReference, withTag } from '../../source/registry/reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
	const table: Array<[string, { registry: string; repository: string; tag?: string; digest?: string; familiar: string }]> = [
		['redis', { registry: 'docker.io', repository: 'library/redis', familiar: 'redis' }],
		['redis:7.2', { registry: 'docker.io', repository: 'library/redis', tag: '7.2', familiar: 'redis:7.2' }],
		['library/redis', { registry: 'docker.io', repository: 'library/redis', familiar: 'redis' }],
		['docker.io/redis', { registry: 'docker.io', repository: 'library/redis', familiar: 'redis' }],
		['docker.io/library/redis:7', { registry: 'docker.io', repository: 'library/redis', tag: '7', familiar: 'redis:7' }],
		['index.docker.io/library/redis', { registry: 'docker.io', repository: 'library/redis', familiar: 'redis' }],
		['bitnami/postgresql:16', { registry: 'docker.io', repository: 'bitnami/postgresql', tag: '16', familiar: 'bitnami/postgresql:16' }],
		['ghcr.io/a/b:1', { registry: 'ghcr.io', repository: 'a/b', tag: '1', familiar: 'ghcr.io/a/b:1' }],
		['GHCR.IO/a/b', { registry: 'ghcr.io', repository: 'a/b', familiar: 'ghcr.io/a/b' }],
		[`host:5000/a/b@${DIGEST}`, { registry: 'host:5000', repository: 'a/b', digest: DIGEST, familiar: `host:5000/a/b@${DIGEST}` }],
		[`host:5000/a/b:1.0@${DIGEST}`, { registry: 'host:5000', repository: 'a/b', tag: '1.0', digest: DIGEST, familiar: `host:5000/a/b:1.0@${DIGEST}` }],
		['localhost:5000/x', { registry: 'localhost:5000', repository: 'x', familiar: 'localhost:5000/x' }],
		['localhost/x:v1', { registry: 'localhost', repository: 'x', tag: 'v1', familiar: 'localhost/x:v1' }],
		['127.0.0.1:5000/acme/app:1.2.0', { registry: '127.0.0.1:5000', repository: 'acme/app', tag: '1.2.0', familiar: '127.0.0.1:5000/acme/app:1.2.0' }],
		['[::1]:5000/acme/app', { registry: '[::1]:5000', repository: 'acme/app', familiar: '[::1]:5000/acme/app' }],
		['registry.example.com/team/sub/app_x:v1.0_rc-1', { registry: 'registry.example.com', repository: 'team/sub/app_x', tag: 'v1.0_rc-1', familiar: 'registry.example.com/team/sub/app_x:v1.0_rc-1' }],
		['a/b-c__d.e', { registry: 'docker.io', repository: 'a/b-c__d.e', familiar: 'a/b-c__d.e' }],
	];
	it.each(table)('%s', (input, expected) => {
		expect(parseImageReference(input)).toEqual({ tag: undefined, digest: undefined, ...expected });
	});

	const invalid: Array<[string, RegExp]> = [
		['', /empty reference/],
		['Redis', /must be lowercase/],
		['redis:', /invalid tag ""/],
		['redis:-x', /invalid tag/],
		[`redis:${'a'.repeat(129)}`, /invalid tag/],
		['redis@sha256:abc', /invalid digest/],
		[`redis@sha256:${'A'.repeat(64)}`, /lower-case hex/],
		['redis@md5', /invalid digest/],
		['a//b', /empty path component/],
		['a/b/', /empty path component/],
		['a/-b', /invalid repository path component/],
		['a/b..c', /invalid repository path component/],
		['host:5000/', /empty path component/],
		['-host.io/a', /invalid registry host/],
		['has space', /whitespace/],
		['line\nbreak', /whitespace/],
		[':tag', /missing repository name/],
		[`host.io/${'a'.repeat(260)}`, /longer than 255/],
	];
	it.each(invalid)('rejects %j', (input, reason) => {
		let error: unknown;
		try {
			parseImageReference(input);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ImageReferenceError);
		expect((error as Error).message).toMatch(reason);
		expect((error as Error).message).not.toMatch(/\n/);
	});
});

describe('withTag / formatImageReference', () => {
	it('swaps the tag and drops the digest', () => {
		const ref = withTag(`ghcr.io/a/b:1@${DIGEST}`, '2.0.0');
		expect(ref).toEqual({ registry: 'ghcr.io', repository: 'a/b', tag: '2.0.0', familiar: 'ghcr.io/a/b:2.0.0' });
		expect(formatImageReference(ref)).toBe('ghcr.io/a/b:2.0.0');
		expect(formatImageReference(withTag('redis', '7'))).toBe('docker.io/library/redis:7');
	});
	it('rejects an invalid tag', () => {
		expect(() => withTag('redis', 'no spaces')).toThrow(ImageReferenceError);
	});
});

describe('isLoopbackRegistry', () => {
	const table: Array<[string, boolean]> = [
		['localhost', true],
		['localhost:5000', true],
		['LOCALHOST:5000', true],
		['127.0.0.1', true],
		['127.0.0.1:5001', true],
		['127.1.2.3:80', true],
		['[::1]:5000', true],
		['::1', true],
		['[0:0:0:0:0:0:0:1]:5000', true],
		['[::ffff:127.0.0.1]:5000', true],
		['128.0.0.1:5000', false],
		['10.0.0.1:5000', false],
		['127.0.0.1.example.com', false],
		['localhost.example.com:5000', false],
		['ghcr.io', false],
		['docker.io', false],
		['[::2]:5000', false],
	];
	it.each(table)('%s -> %s', (host, expected) => {
		expect(isLoopbackRegistry(host)).toBe(expected);
	});
});
