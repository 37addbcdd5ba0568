import { describe, expect, it } from 'vitest';
import { repositoryOf, sameRepository, tagOf } from '../../source/docker/discovery.js';

describe('repository matching for --image', () => {
	it.each([
		['redis', 'docker.io/library/redis', true],
		['library/redis', 'redis', true],
		['127.0.0.1:5000/acme/app', '127.0.0.1:5000/acme/app', true],
		['acme/app', '127.0.0.1:5000/acme/app', false],
		['Bad Ref!', 'x', false],
	])('%s ~ %s: %s', (a, b, same) => {
		expect(sameRepository(a, b)).toBe(same);
	});

	it('splits a reference as written', () => {
		expect(repositoryOf('127.0.0.1:5000/acme/app:1.6.0')).toBe('127.0.0.1:5000/acme/app');
		expect(tagOf('127.0.0.1:5000/acme/app')).toBe('latest');
		expect(tagOf('acme/app@sha256:abc')).toBeUndefined();
	});
});
